//! Gateway configuration: the TOML file the operator writes, and the `/config.json` the app reads.
//! Secrets come from environment variables named in the file, never from the file itself, and
//! never reach `/config.json`.

use std::path::Path;

use serde::{Deserialize, Serialize};

#[cfg(feature = "sandbox")]
use crate::sandbox::{iden, idme, standfast};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Idme,
    Standfast,
    Iden,
}

impl Provider {
    /// A JSON error body in this vendor's own error shape, for errors the gateway itself raises
    /// (upstream timeout, upstream unreachable), so the app maps them like vendor errors.
    pub fn error_body(self, code: &str, message: &str) -> serde_json::Value {
        match self {
            Provider::Idme => serde_json::json!({ "code": code, "message": message }),
            Provider::Standfast => serde_json::json!({ "message": message }),
            Provider::Iden => serde_json::json!({ "detail": message }),
        }
    }
}

/// How the gateway builds the Authorization header it adds: `{scheme} {secret}`, the secret
/// base64-encoded first when `encode` says so (ID.me wants the raw shared secret in base64).
#[derive(Debug, Clone, Deserialize)]
pub struct CredentialConfig {
    /// Name of the environment variable holding the secret.
    pub secret_env: String,
    /// Header scheme, e.g. `ID.me` or `Bearer ID.me`.
    pub scheme: String,
    #[serde(default)]
    pub encode: SecretEncoding,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SecretEncoding {
    #[default]
    Base64,
    None,
}

/// One upstream the gateway proxies at `/upstream/{id}/…`.
#[derive(Debug, Clone, Deserialize)]
pub struct UpstreamConfig {
    pub id: String,
    pub provider: Provider,
    pub label: String,
    pub base_url: url::Url,
    pub credential: Option<CredentialConfig>,
    /// Standfast: the workspace the app opens by default.
    #[serde(default)]
    pub workspace_id: Option<String>,
    /// Iden: the organisation slug.
    #[serde(default)]
    pub org_slug: Option<String>,
    /// ID.me: the Events API's path for one event, `{id}` standing for its id (NOTES.md: the
    /// overview gives none; the app's default). The gateway forwards GET on this path only.
    #[serde(default = "default_events_path")]
    pub events_path: String,
    /// With sign-in: the groups (from the ID token's groups claim) whose members may use this
    /// connection.
    #[serde(default)]
    pub allow_groups: Vec<String>,
    /// With sign-in: the e-mail addresses that may use this connection.
    #[serde(default)]
    pub allow_emails: Vec<String>,
    /// Vendor requests a minute this connection may make, shared by every user and tab (Iden
    /// documents 60 a minute per key, its default; the others document none). 0: no limit.
    #[serde(default)]
    pub rate_limit_per_minute: Option<u32>,
}

fn default_events_path() -> String {
    "/api/v1/events/{id}".into()
}

impl UpstreamConfig {
    /// The budget the gateway keeps for this connection, if any.
    pub fn rate_limit(&self) -> Option<u32> {
        match self.rate_limit_per_minute {
            Some(0) => None,
            Some(n) => Some(n),
            None => (self.provider == Provider::Iden).then_some(IDEN_RATE_LIMIT),
        }
    }
}

/// `iden-events-api.txt`: "limited to 60 requests per minute per API key".
pub const IDEN_RATE_LIMIT: u32 = 60;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayConfig {
    #[serde(default, rename = "upstream")]
    pub upstreams: Vec<UpstreamConfig>,
    /// Offer the built-in sandbox connections (default: true where the gateway is built with
    /// the sandbox; a gateway built without it refuses true).
    #[serde(default = "built_with_sandbox")]
    pub sandbox: bool,
    /// Seconds before a proxied request is answered with 504.
    #[serde(default = "default_timeout")]
    pub upstream_timeout_secs: f64,
    /// Extra origins the app may call directly (custom base URLs that send CORS headers).
    #[serde(default)]
    pub extra_connect_src: Vec<String>,
    #[cfg(feature = "sandbox")]
    /// The Iden sandbox's rate limit, requests a minute per key: the vendor's 60 by default;
    /// raise it, or set 0 to turn it off, for tests and demos.
    #[serde(default = "iden_rate_limit")]
    pub sandbox_iden_rate_limit: u32,
    #[cfg(feature = "sandbox")]
    /// Mount `POST /sandbox/faults`, which makes the sandbox misbehave on demand (default off).
    #[serde(default)]
    pub sandbox_faults: bool,
    /// Seconds the app waits for any response before it gives the request up and says so.
    /// Longer than `upstream_timeout_secs`, so a proxied request gets the gateway's 504 first.
    #[serde(default = "default_response_timeout")]
    pub app_response_timeout_secs: u32,
    #[cfg(feature = "sandbox")]
    /// How the sandbox answers where the vendor documents are silent, and whether it refuses
    /// what they do not describe (`sandbox/profile.rs`; the README lists each reading).
    #[serde(default)]
    pub sandbox_profile: crate::sandbox::Profile,
    #[cfg(feature = "sandbox")]
    /// Keep the sandbox's requests, Authorization headers included, in memory for tests to read
    /// (default off: otherwise it only counts them).
    #[serde(default)]
    pub sandbox_request_log: bool,
    /// Seconds between live tail's checks for new events (the app's default is 30).
    #[serde(default)]
    pub app_live_tail_secs: Option<u32>,
    /// The address people open, e.g. `https://auditdeck.example.org` behind a TLS proxy. Its
    /// host is one the gateway answers to (besides the bind address and `localhost`).
    #[serde(default)]
    pub public_url: Option<url::Url>,
    /// Seconds an identical vendor request (same connection, method, path, query, body) is
    /// answered from the gateway's shared cache. 0 turns the cache off.
    #[serde(default = "default_shared_cache")]
    pub shared_cache_secs: u32,
    /// How long a client may take to send its whole request head, and each part of its body.
    #[serde(default = "default_client_timeout")]
    pub client_timeout_secs: f64,
    /// Sign-in with OpenID Connect. Without it the gateway serves whoever reaches it, so it
    /// listens on loopback only while it holds a vendor credential.
    #[serde(default)]
    pub auth: Option<crate::auth::AuthConfig>,
    /// The durable record of who looked at what (`[access_log]`: its SQLite file, retention).
    #[serde(default)]
    pub access_log: Option<crate::access_log::AccessLogConfig>,
    /// Pushed security signals (`[signals]`: the database, limits, `[[signals.receiver]]`).
    #[serde(default)]
    pub signals: Option<crate::signals::SignalsConfig>,
    /// Where the key that signs export manifests lives, when not in the access log's database.
    #[serde(default)]
    pub signing: Option<crate::signing::SigningConfig>,
    /// Requests the gateway works on at once; more wait for a free place.
    #[serde(default = "default_concurrent_requests")]
    pub max_concurrent_requests: usize,
    /// Open client connections; more wait in the listen queue.
    #[serde(default = "default_connections")]
    pub max_connections: usize,
}

fn default_shared_cache() -> u32 {
    30
}

fn default_client_timeout() -> f64 {
    30.0
}

fn default_concurrent_requests() -> usize {
    256
}

fn default_connections() -> usize {
    1024
}

fn default_response_timeout() -> u32 {
    40
}

#[cfg(feature = "sandbox")]
fn iden_rate_limit() -> u32 {
    crate::sandbox::iden::VENDOR_RATE_LIMIT
}

fn built_with_sandbox() -> bool {
    cfg!(feature = "sandbox")
}

fn default_timeout() -> f64 {
    30.0
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            upstreams: Vec::new(),
            sandbox: built_with_sandbox(),
            upstream_timeout_secs: default_timeout(),
            extra_connect_src: Vec::new(),
            #[cfg(feature = "sandbox")]
            sandbox_iden_rate_limit: iden_rate_limit(),
            #[cfg(feature = "sandbox")]
            sandbox_faults: false,
            app_response_timeout_secs: default_response_timeout(),
            #[cfg(feature = "sandbox")]
            sandbox_profile: Default::default(),
            #[cfg(feature = "sandbox")]
            sandbox_request_log: false,
            app_live_tail_secs: None,
            public_url: None,
            shared_cache_secs: default_shared_cache(),
            client_timeout_secs: default_client_timeout(),
            max_concurrent_requests: default_concurrent_requests(),
            max_connections: default_connections(),
            auth: None,
            access_log: None,
            signals: None,
            signing: None,
        }
    }
}

/// An id that becomes a path segment (`/upstream/{id}`, `/ssf/{id}`): letters, digits, `-` and
/// `_`, once among its kind.
pub fn check_id(kind: &str, id: &str, seen: &mut std::collections::HashSet<String>) -> Result<(), String> {
    let id_ok = !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !id_ok {
        return Err(format!("{kind} id {id:?}: use letters, digits, - and _ only"));
    }
    if !seen.insert(id.to_string()) {
        return Err(format!("{kind} id {id:?} is used twice"));
    }
    Ok(())
}

impl GatewayConfig {
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let config: GatewayConfig = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), String> {
        let mut seen = std::collections::HashSet::new();
        for upstream in &self.upstreams {
            check_id("upstream", &upstream.id, &mut seen)?;
            if !matches!(upstream.base_url.scheme(), "http" | "https") {
                return Err(format!("upstream {:?}: base_url must be http or https", upstream.id));
            }
            if !crate::proxy::routes::is_events_path_template(&upstream.events_path) {
                return Err(format!(
                    "upstream {:?}: events_path must start with / and hold {{id}} once as a whole segment",
                    upstream.id
                ));
            }
        }
        if let Some(url) = &self.public_url
            && (!matches!(url.scheme(), "http" | "https") || url.host_str().is_none())
        {
            return Err("public_url must be an http or https URL with a host".into());
        }
        if !(self.client_timeout_secs > 0.0 && self.client_timeout_secs <= 600.0) {
            return Err("client_timeout_secs must be between 0 and 600".into());
        }
        if self.max_concurrent_requests == 0 || self.max_connections == 0 {
            return Err("max_concurrent_requests and max_connections must be at least 1".into());
        }
        if let Some(auth) = &self.auth {
            auth.validate(self.public_url.as_ref())?;
            if let Some(open) = self.upstreams.iter().find(|u| u.allow_groups.is_empty() && u.allow_emails.is_empty()) {
                return Err(format!(
                    "upstream {:?}: with [auth], say who may use it (allow_groups, allow_emails)",
                    open.id
                ));
            }
        }
        if !(self.upstream_timeout_secs > 0.0 && self.upstream_timeout_secs <= 600.0) {
            return Err("upstream_timeout_secs must be between 0 and 600".into());
        }
        if !(1..=3600).contains(&self.app_response_timeout_secs) {
            return Err("app_response_timeout_secs must be between 1 and 3600".into());
        }
        if self.app_live_tail_secs.is_some_and(|s| !(1..=3600).contains(&s)) {
            return Err("app_live_tail_secs must be between 1 and 3600".into());
        }
        if let Some(signals) = &self.signals {
            signals.validate(self.auth.is_some(), self.access_log.as_ref().map(|a| a.path.as_path()))?;
        }
        if self.sandbox && !built_with_sandbox() {
            return Err("sandbox = true, but this gateway was built without the sandbox (feature `sandbox`)".into());
        }
        Ok(())
    }

    /// The connections `/config.json` offers the app: with sign-in, those `who` may use (the
    /// sandbox's demo data is open to everyone signed in).
    pub fn public_connections(&self, who: Option<&crate::auth::Identity>) -> Vec<PublicConnection> {
        let mut list = Vec::new();
        #[cfg(feature = "sandbox")]
        if self.sandbox {
            let sandbox = |provider, id: &str, path: &str, secret: &str| PublicConnection {
                id: id.into(),
                provider,
                label: "Built-in sandbox".into(),
                base_url: format!("/sandbox/{path}"),
                upstream: None,
                gateway_adds_credential: false,
                sandbox_secret: Some(secret.into()),
                workspace_id: None,
                org_slug: None,
            };
            list.push(sandbox(Provider::Idme, "idme-sandbox", "idme", idme::SANDBOX_SECRET));
            list.push(PublicConnection {
                workspace_id: Some(standfast::data::WORKSPACES[0].0.into()),
                ..sandbox(Provider::Standfast, "standfast-sandbox", "standfast", standfast::SANDBOX_KEY)
            });
            list.push(PublicConnection {
                org_slug: Some(iden::ORG_SLUG.into()),
                ..sandbox(Provider::Iden, "iden-sandbox", "iden", iden::SANDBOX_KEY)
            });
        }
        let allowed = |u: &UpstreamConfig| self.auth.is_none() || who.is_some_and(|who| who.may_use(u));
        for upstream in self.upstreams.iter().filter(|u| allowed(u)) {
            list.push(PublicConnection {
                id: upstream.id.clone(),
                provider: upstream.provider,
                label: upstream.label.clone(),
                base_url: format!("/upstream/{}", upstream.id),
                upstream: Some(upstream.base_url.as_str().trim_end_matches('/').to_string()),
                gateway_adds_credential: upstream.credential.is_some(),
                sandbox_secret: None,
                workspace_id: upstream.workspace_id.clone(),
                org_slug: upstream.org_slug.clone(),
            });
        }
        list
    }

    /// Without sign-in the gateway serves whoever reaches its port, so it spends its own vendor
    /// credentials only for this machine: on any address but loopback it refuses to start.
    pub fn check_exposure(&self, bind: std::net::IpAddr) -> Result<(), String> {
        if bind.is_loopback() || self.auth.is_some() {
            return Ok(());
        }
        match self.upstreams.iter().find(|u| u.credential.is_some()) {
            None => Ok(()),
            Some(u) => Err(format!(
                "refusing to listen on {bind}: upstream {:?} holds a gateway credential, and without sign-in \
                 anyone who reaches this address could spend it. Listen on 127.0.0.1 (the default), or \
                 remove the credential so each browser sends its own.",
                u.id
            )),
        }
    }

    /// Origins for the CSP's connect-src besides 'self'.
    pub fn connect_origins(&self) -> Vec<String> {
        let mut origins: Vec<String> =
            self.upstreams.iter().map(|u| u.base_url.origin().ascii_serialization()).collect();
        origins.extend(self.extra_connect_src.iter().cloned());
        origins.sort();
        origins.dedup();
        origins
    }
}

/// What the app learns about a connection. Never holds a credential: `sandbox_secret` is the
/// built-in sandbox's public demo key, the one `serve` prints.
#[derive(Debug, Clone, Serialize)]
pub struct PublicConnection {
    pub id: String,
    pub provider: Provider,
    pub label: String,
    pub base_url: String,
    pub upstream: Option<String>,
    pub gateway_adds_credential: bool,
    pub sandbox_secret: Option<String>,
    /// Standfast: the default workspace; Iden: the organisation slug.
    pub workspace_id: Option<String>,
    pub org_slug: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PublicConfig {
    pub connections: Vec<PublicConnection>,
    /// How long the app waits for a response before it gives up.
    pub response_timeout_secs: u32,
    /// Seconds between live tail's checks (None: the app's own default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live_tail_secs: Option<u32>,
    /// Who is signed in (None without sign-in).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<PublicUser>,
    /// The gateway receives pushed security signals (`/signals`).
    pub signals: bool,
}

/// The signed-in person as the app's header shows them.
#[derive(Debug, Clone, Serialize)]
pub struct PublicUser {
    pub name: String,
    /// May open the access log.
    pub admin: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example the README points to: it must stay valid.
    const EXAMPLE: &str = include_str!("../auditdeck.example.toml");

    #[cfg(feature = "sandbox")]
    #[test]
    fn parses_the_documented_example() {
        let config: GatewayConfig = toml::from_str(EXAMPLE).unwrap();
        config.validate().unwrap();
        let public = config.public_connections(None);
        assert_eq!(public.len(), 7, "three sandbox connections, four upstreams");
        let sandbox: Vec<Provider> = public.iter().take(3).map(|c| c.provider).collect();
        assert_eq!(sandbox, [Provider::Idme, Provider::Standfast, Provider::Iden]);
        assert_eq!(public[3].base_url, "/upstream/idme-production");
        assert!(public[3].gateway_adds_credential);
        assert_eq!(public[4].upstream.as_deref(), Some("https://events.idmelabs.com"));
        assert!(!public[4].gateway_adds_credential);
        assert_eq!(public[5].workspace_id.as_deref(), Some("00000000-0000-4000-8000-000000000000"));
        assert_eq!(public[6].org_slug.as_deref(), Some("your-org"));
        assert!(public[6].gateway_adds_credential);
        assert_eq!(
            config.connect_origins(),
            vec![
                "https://developer.idenhq.com",
                "https://events.example.org",
                "https://events.id.me",
                "https://events.idmelabs.com",
                "https://standfast.example.com"
            ]
        );
    }

    /// The README's team configuration: it must stay valid.
    #[test]
    fn the_readmes_team_configuration_is_valid() {
        let readme = include_str!("../../README.md");
        let section = readme.split("## Run it for a team").nth(1).unwrap();
        let block = section.split("```toml\n").nth(1).unwrap().split("```").next().unwrap();
        let config: GatewayConfig = toml::from_str(&format!("sandbox = false\n{block}")).unwrap();
        config.validate().unwrap();
        let auth = config.auth.as_ref().unwrap();
        assert_eq!(
            (auth.client_secret_env.as_deref(), auth.admin_group.as_deref()),
            (Some("AUDITDECK_OIDC_SECRET"), Some("auditdeck-admins"))
        );
        config.check_exposure("0.0.0.0".parse().unwrap()).unwrap();
        // The same file without sign-in would expose the credential on 0.0.0.0.
        let open = GatewayConfig { auth: None, ..config };
        assert!(open.check_exposure("0.0.0.0".parse().unwrap()).is_err());
    }

    /// The README's signals configuration, with its team configuration: valid, and the receiver
    /// as written.
    #[test]
    fn the_readmes_signals_configuration_is_valid() {
        let readme = include_str!("../../README.md");
        let toml_block = |heading: &str| {
            let section = readme.split(heading).nth(1).unwrap();
            section.split("```toml\n").nth(1).unwrap().split("```").next().unwrap().to_string()
        };
        let (team, signals) = (toml_block("## Run it for a team"), toml_block("## Security signals"));
        let config: GatewayConfig = toml::from_str(&format!("sandbox = false\n{team}\n{signals}")).unwrap();
        config.validate().unwrap();
        let receiver = &config.signals.as_ref().unwrap().receivers[0];
        assert_eq!(
            (receiver.id.as_str(), receiver.issuer.as_str(), receiver.bearer_token_env.as_deref()),
            ("idme", "https://ssf.id.me/", Some("IDME_SSF_PUSH_TOKEN"))
        );
        assert_eq!(receiver.events_requested.len(), 3);
        let poll = receiver.poll.as_ref().unwrap();
        assert_eq!((poll.url.as_str(), poll.interval_secs), ("https://ssf.id.me/streams/auditdeck/poll", 30));
        // Without saying who may see them, a signed-in team's receiver is refused.
        let mut open = config.clone();
        open.signals.as_mut().unwrap().receivers[0].allow_groups.clear();
        assert!(open.validate().unwrap_err().contains("who may see its signals"));
        let mut unnamed = config.clone();
        unnamed.signals.as_mut().unwrap().receivers[0].events_requested.push("account-disabled".into());
        assert!(unnamed.validate().unwrap_err().contains("not an event type URI"));
    }

    #[cfg(feature = "sandbox")]
    #[test]
    fn the_example_names_every_profile_key_with_its_default() {
        let line = EXAMPLE.lines().find_map(|l| l.strip_prefix("# sandbox_profile")).unwrap();
        let config: GatewayConfig = toml::from_str(&format!("sandbox_profile{line}")).unwrap();
        assert_eq!(config.sandbox_profile, crate::sandbox::Profile::default());
        let other: GatewayConfig =
            toml::from_str("sandbox_profile = { standfast_before = \"inclusive\", strict = true }").unwrap();
        assert_eq!(other.sandbox_profile.standfast_before, crate::sandbox::profile::Bound::Inclusive);
        assert!(other.sandbox_profile.strict);
    }

    #[cfg(feature = "sandbox")]
    #[test]
    fn public_config_never_names_the_secret_variable() {
        let config: GatewayConfig = toml::from_str(EXAMPLE).unwrap();
        let json = serde_json::to_string(&PublicConfig {
            connections: config.public_connections(None),
            response_timeout_secs: 40,
            live_tail_secs: None,
            user: None,
            signals: false,
        })
        .unwrap();
        assert!(!json.contains("IDME_SECRET"));
        assert!(!json.contains("IDEN_KEY"));
        assert!(!json.contains("secret_env"));
    }

    #[cfg(feature = "sandbox")]
    #[test]
    fn rejects_bad_ids_and_duplicates() {
        let bad = EXAMPLE.replace("idme-labs", "idme production");
        assert!(toml::from_str::<GatewayConfig>(&bad).unwrap().validate().is_err());
        let dup = EXAMPLE.replace("idme-labs", "idme-production");
        assert!(toml::from_str::<GatewayConfig>(&dup).unwrap().validate().is_err());
    }

    #[cfg(not(feature = "sandbox"))]
    #[test]
    fn a_gateway_built_without_the_sandbox_offers_none_and_refuses_one() {
        let config = GatewayConfig::default();
        assert!(!config.sandbox);
        config.validate().unwrap();
        assert!(config.public_connections(None).is_empty());
        let asked: GatewayConfig = toml::from_str("sandbox = true").unwrap();
        assert!(asked.validate().unwrap_err().contains("built without the sandbox"));
        assert!(toml::from_str::<GatewayConfig>("sandbox_faults = true").is_err(), "no sandbox settings either");
        // The documented example with its sandbox switched off is a production configuration.
        let production: GatewayConfig =
            toml::from_str(&EXAMPLE.replace("\nsandbox = true", "\nsandbox = false")).unwrap();
        production.validate().unwrap();
        let ids: Vec<String> = production.public_connections(None).into_iter().map(|c| c.id).collect();
        assert_eq!(ids, ["idme-production", "idme-labs", "standfast", "iden"]);
    }
}
