//! Connection settings per provider, and how they resolve into a base URL, a credential header
//! and the provider's scope (Standfast workspace, Iden organisation). The secret lives in
//! memory; only when the user opts in is it kept in this tab's sessionStorage. Everything else
//! may be kept in localStorage: it holds no credential.

use crate::connection::config::{AppConfig, Connection, Vendor};
use crate::connection::json::Json;
use crate::providers::idme::{self, AuthScheme};
use crate::providers::{REDACTED, iden, idme_events, standfast};

/// The connection id that means "the custom base URL below".
pub const CUSTOM_CONNECTION: &str = "custom";

/// Non-secret settings of one provider (safe for localStorage). Fields that belong to one
/// provider only are ignored by the others.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Preferences {
    /// A connection id from `/config.json`, or [`CUSTOM_CONNECTION`]; empty: the first offered.
    pub connection_id: String,
    pub custom_base_url: String,
    /// Keep the secret in this tab's sessionStorage.
    pub remember_secret_in_tab: bool,
    /// ID.me: which Authorization scheme (NOTES.md: the prose's or the samples').
    pub scheme: AuthScheme,
    /// ID.me: the secret is already base64.
    pub secret_already_encoded: bool,
    /// Standfast: the workspace (empty: the connection's default).
    pub workspace_id: String,
    /// Iden: the organisation slug (empty: the connection's).
    pub org_slug: String,
    /// ID.me Events API: the lookup path (empty: NOTES.md's `/api/v1/events/{id}`).
    pub events_path_template: String,
}

impl Preferences {
    /// Reads what [`Preferences::to_stored`] wrote. A field that is missing, null or of another
    /// type (kept by an older build, or edited by hand) takes its default, so the others are not
    /// lost; text that is not JSON gives the defaults.
    pub fn from_stored(text: &str) -> Self {
        let Some(kept) = Json::parse(text) else { return Preferences::default() };
        let text = |name| kept.member(name).text().ok().flatten().unwrap_or_default();
        let flag = |name| kept.member(name).flag().ok().flatten().unwrap_or_default();
        Preferences {
            connection_id: text("connection_id"),
            custom_base_url: text("custom_base_url"),
            remember_secret_in_tab: flag("remember_secret_in_tab"),
            scheme: AuthScheme::from_key(&text("scheme")).unwrap_or_default(),
            secret_already_encoded: flag("secret_already_encoded"),
            workspace_id: text("workspace_id"),
            org_slug: text("org_slug"),
            events_path_template: text("events_path_template"),
        }
    }

    /// JSON for localStorage (no secret: [`ProviderSettings::secret`] is not a preference).
    pub fn to_stored(&self) -> String {
        Json::object_of(vec![
            ("connection_id", Json::text(&self.connection_id)),
            ("custom_base_url", Json::text(&self.custom_base_url)),
            ("remember_secret_in_tab", Json::flag(self.remember_secret_in_tab)),
            ("scheme", Json::text(self.scheme.key())),
            ("secret_already_encoded", Json::flag(self.secret_already_encoded)),
            ("workspace_id", Json::text(&self.workspace_id)),
            ("org_slug", Json::text(&self.org_slug)),
            ("events_path_template", Json::text(&self.events_path_template)),
        ])
        .write()
    }
}

/// Settings including the secret: in memory only.
#[derive(Clone, PartialEq, Eq)]
pub struct ProviderSettings {
    pub provider: Vendor,
    pub preferences: Preferences,
    pub secret: String,
}

/// What a request needs: where to send it, which Authorization header to add, and the scope.
#[derive(Clone, PartialEq, Eq)]
pub struct ResolvedConnection {
    pub label: String,
    pub base_url: String,
    /// None when the gateway adds the credential.
    pub authorization: Option<String>,
    /// Standfast workspace id or Iden organisation slug; empty for ID.me.
    pub scope: String,
    /// ID.me: how the Events API looks one event up.
    pub event_lookup: Option<EventLookup>,
}

impl ResolvedConnection {
    /// The gateway's own signals endpoint: same origin, the session cookie as the credential.
    pub fn gateway_signals() -> Self {
        ResolvedConnection {
            label: "Gateway signals".into(),
            base_url: String::new(),
            authorization: None,
            scope: String::new(),
            event_lookup: None,
        }
    }
}

/// The ID.me Events API on a connection: its path template and its bearer header (None when
/// the gateway adds the credential).
#[derive(Clone, PartialEq, Eq)]
pub struct EventLookup {
    pub path_template: String,
    pub authorization: Option<String>,
}

/// Secrets and Authorization headers show as [`REDACTED`] in debug output.
fn redacted<T>(value: &Option<T>) -> Option<&'static str> {
    value.as_ref().map(|_| REDACTED)
}

impl std::fmt::Debug for ProviderSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secret = (!self.secret.is_empty()).then_some(REDACTED);
        f.debug_struct("ProviderSettings")
            .field("provider", &self.provider)
            .field("preferences", &self.preferences)
            .field("secret", &secret)
            .finish()
    }
}

impl std::fmt::Debug for ResolvedConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResolvedConnection")
            .field("label", &self.label)
            .field("base_url", &self.base_url)
            .field("authorization", &redacted(&self.authorization))
            .field("scope", &self.scope)
            .field("event_lookup", &self.event_lookup)
            .finish()
    }
}

impl std::fmt::Debug for EventLookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventLookup")
            .field("path_template", &self.path_template)
            .field("authorization", &redacted(&self.authorization))
            .finish()
    }
}

impl ProviderSettings {
    pub fn new(provider: Vendor) -> Self {
        ProviderSettings { provider, preferences: Preferences::default(), secret: String::new() }
    }

    /// The connection the settings select (the first one offered when none is chosen yet).
    pub fn selected<'a>(&self, config: &'a AppConfig) -> Option<&'a Connection> {
        let mut offered = config.connections_for(self.provider);
        let wanted = &self.preferences.connection_id;
        if wanted.is_empty() {
            return offered.next();
        }
        offered.find(|c| &c.id == wanted)
    }

    pub fn is_custom(&self) -> bool {
        self.preferences.connection_id == CUSTOM_CONNECTION
    }

    /// The Authorization header for a secret, in this provider's scheme.
    fn header(&self, secret: &str, already_encoded: bool) -> Option<String> {
        let secret = secret.trim();
        if secret.is_empty() {
            return None;
        }
        match self.provider {
            Vendor::Idme => idme::authorization(self.preferences.scheme, secret, already_encoded),
            Vendor::Standfast => Some(format!("Bearer {secret}")),
            Vendor::Iden => Some(format!("Api-Key {secret}")),
            // The gateway's own endpoint: the session cookie is the credential.
            Vendor::Signals => None,
        }
    }

    /// The workspace or organisation: the user's, else the connection's default.
    fn scope(&self, connection: Option<&Connection>) -> Result<String, String> {
        let (typed, default, what) = match self.provider {
            Vendor::Standfast => {
                (&self.preferences.workspace_id, connection.and_then(|c| c.workspace_id.clone()), "workspace id")
            }
            Vendor::Iden => {
                (&self.preferences.org_slug, connection.and_then(|c| c.org_slug.clone()), "organisation slug")
            }
            _ => return Ok(String::new()),
        };
        let typed = typed.trim();
        let scope = if typed.is_empty() {
            default
                .filter(|d| !d.is_empty())
                .ok_or_else(|| format!("Settings: enter the {} {what}", self.provider.label()))?
        } else {
            typed.to_string()
        };
        // The scope becomes a path segment of every request: only the document's shape goes.
        let checked = match self.provider {
            Vendor::Standfast => standfast::check_workspace(&scope),
            _ => iden::check_org_slug(&scope),
        };
        checked.map_err(|problem| format!("Settings: {problem}"))?;
        Ok(scope)
    }

    /// ID.me only: the Events API takes the same secret as a bearer token (the overview names
    /// no other credential).
    fn event_lookup(&self, secret: Option<&str>) -> Option<EventLookup> {
        (self.provider == Vendor::Idme).then(|| EventLookup {
            path_template: idme_events::template_or_default(&self.preferences.events_path_template).to_string(),
            authorization: secret.and_then(idme_events::authorization),
        })
    }

    pub fn resolve(&self, config: &AppConfig) -> Result<ResolvedConnection, String> {
        let p = &self.preferences;
        let name = self.provider.label();
        if self.is_custom() {
            let base = p.custom_base_url.trim();
            if !(base.starts_with("https://") || base.starts_with("http://")) {
                return Err(format!("Settings: the {name} custom base URL must start with https:// or http://"));
            }
            let authorization = self
                .header(&self.secret, p.secret_already_encoded)
                .ok_or_else(|| format!("Settings: enter the {name} secret for the custom base URL"))?;
            return Ok(ResolvedConnection {
                label: base.to_string(),
                base_url: base.to_string(),
                authorization: Some(authorization),
                scope: self.scope(None)?,
                event_lookup: self.event_lookup(Some(&self.secret)),
            });
        }
        let Some(connection) = self.selected(config) else {
            return Err(if p.connection_id.is_empty() {
                format!(
                    "The gateway offers no {name} connection. Add one to its configuration, or use a custom base URL in Settings."
                )
            } else {
                format!(
                    "Settings: the {name} connection {:?} is no longer offered by the gateway; choose another.",
                    p.connection_id
                )
            });
        };
        // The secret in use: the typed one, else the sandbox's demo one (None: the gateway's).
        // The demo secret is always raw; a typed one may already be encoded.
        let (secret, already_encoded) = if connection.gateway_adds_credential {
            (None, false)
        } else if !self.secret.trim().is_empty() {
            (Some(self.secret.as_str()), p.secret_already_encoded)
        } else if let Some(demo) = &connection.sandbox_secret {
            (Some(demo.as_str()), false)
        } else {
            return Err(format!("Settings: enter the {name} secret for {}", connection.label));
        };
        Ok(ResolvedConnection {
            label: connection.label.clone(),
            base_url: connection.base_url.clone(),
            authorization: secret.and_then(|s| self.header(s, already_encoded)),
            scope: self.scope(Some(connection))?,
            event_lookup: self.event_lookup(secret),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> AppConfig {
        AppConfig::parse(
            r#"{"connections":[
            {"id":"idme-sandbox","provider":"idme","label":"Built-in sandbox","base_url":"/sandbox/idme","sandbox_secret":"demo"},
            {"id":"prod","provider":"idme","label":"ID.me production","base_url":"/upstream/prod","gateway_adds_credential":true},
            {"id":"labs","provider":"idme","label":"ID.me sandbox","base_url":"/upstream/labs"},
            {"id":"sf","provider":"standfast","label":"Built-in sandbox","base_url":"/sandbox/standfast","sandbox_secret":"sfk","workspace_id":"6f1c2a4e-8b1d-4c55-9a51-0c7f2d9e4a10"},
            {"id":"iden","provider":"iden","label":"Built-in sandbox","base_url":"/sandbox/iden","sandbox_secret":"ik","org_slug":"acme"}]}"#,
        )
        .unwrap()
    }

    fn with(provider: Vendor, connection_id: &str, secret: &str) -> ProviderSettings {
        ProviderSettings {
            provider,
            preferences: Preferences { connection_id: connection_id.into(), ..Default::default() },
            secret: secret.into(),
        }
    }

    #[test]
    fn the_sandbox_works_without_setup_and_a_typed_secret_wins() {
        let r = with(Vendor::Idme, "", "").resolve(&config()).unwrap();
        assert_eq!(r.base_url, "/sandbox/idme");
        assert_eq!(r.authorization.as_deref(), Some("ID.me ZGVtbw=="));
        let r = with(Vendor::Idme, "idme-sandbox", "wrong").resolve(&config()).unwrap();
        assert_eq!(r.authorization.as_deref(), Some("ID.me d3Jvbmc="));
        let lookup = r.event_lookup.unwrap();
        assert_eq!(lookup.authorization.as_deref(), Some("Bearer wrong"));
        assert_eq!(lookup.path_template, "/api/v1/events/{id}");
        let mut custom_path = with(Vendor::Idme, "", "");
        custom_path.preferences.events_path_template = "/v2/events/{id}".into();
        let lookup = custom_path.resolve(&config()).unwrap().event_lookup.unwrap();
        assert_eq!(
            (lookup.path_template.as_str(), lookup.authorization.as_deref()),
            ("/v2/events/{id}", Some("Bearer demo"))
        );
        assert_eq!(with(Vendor::Iden, "", "").resolve(&config()).unwrap().event_lookup, None);
    }

    #[test]
    fn each_provider_uses_its_own_scheme_and_scope() {
        let r = with(Vendor::Standfast, "", "").resolve(&config()).unwrap();
        assert_eq!(
            (r.authorization.as_deref(), r.scope.as_str()),
            (Some("Bearer sfk"), "6f1c2a4e-8b1d-4c55-9a51-0c7f2d9e4a10")
        );
        let r = with(Vendor::Iden, "", "typed").resolve(&config()).unwrap();
        assert_eq!((r.authorization.as_deref(), r.scope.as_str()), (Some("Api-Key typed"), "acme"));
        let mut s = with(Vendor::Standfast, "", "");
        s.preferences.workspace_id = " a3e5b7c9-1d2f-4e6a-8b0c-2d4f6a8c0e12 ".into();
        assert_eq!(s.resolve(&config()).unwrap().scope, "a3e5b7c9-1d2f-4e6a-8b0c-2d4f6a8c0e12");
        // A scope is a path segment: only the document's shape is sent.
        s.preferences.workspace_id = "../admin".into();
        assert_eq!(s.resolve(&config()).unwrap_err(), "Settings: the Standfast workspace \"../admin\" is not a UUID");
    }

    #[test]
    fn debug_output_never_shows_a_secret_or_an_authorization_header() {
        let settings = with(Vendor::Idme, "labs", "hunter2-secret");
        let resolved = settings.resolve(&config()).unwrap();
        for shown in [format!("{settings:?}"), format!("{resolved:?}")] {
            assert!(
                !shown.contains("hunter2") && !shown.contains("aHVudGVy") && shown.contains("[redacted]"),
                "{shown}"
            );
        }
    }

    #[test]
    fn gateway_credential_means_no_header_and_no_question() {
        let r = with(Vendor::Idme, "prod", "").resolve(&config()).unwrap();
        assert_eq!(r.authorization, None);
        assert_eq!(r.event_lookup.unwrap().authorization, None);
        assert_eq!(r.base_url, "/upstream/prod");
    }

    #[test]
    fn a_connection_needing_a_secret_or_scope_says_so() {
        let err = with(Vendor::Idme, "labs", "").resolve(&config()).unwrap_err();
        assert!(err.contains("ID.me sandbox"), "{err}");
        assert!(with(Vendor::Idme, "gone", "x").resolve(&config()).unwrap_err().contains("no longer offered"));
        let mut custom = with(Vendor::Iden, CUSTOM_CONNECTION, "k");
        custom.preferences.custom_base_url = "https://iden.example".into();
        assert!(custom.resolve(&config()).unwrap_err().contains("organisation slug"));
    }

    #[test]
    fn custom_base_url_needs_a_url_and_a_secret() {
        let mut s = with(Vendor::Idme, CUSTOM_CONNECTION, "k");
        assert!(s.resolve(&config()).is_err());
        s.preferences.custom_base_url = "https://events.example.org/".into();
        s.preferences.scheme = AuthScheme::BearerIdMe;
        let r = s.resolve(&config()).unwrap();
        assert_eq!(r.authorization.as_deref(), Some("Bearer ID.me aw=="));
    }

    #[test]
    fn preferences_never_serialize_the_secret() {
        let s = with(Vendor::Idme, "labs", "top-secret");
        let json = s.preferences.to_stored();
        assert!(!json.contains("top-secret"));
    }

    #[test]
    fn stored_preferences_read_back_and_tolerate_what_is_missing() {
        // What an earlier build (serde_json, the enum by its variant's name) kept in localStorage.
        let kept = r#"{"connection_id":"custom","custom_base_url":"https://events.example.org","remember_secret_in_tab":true,"scheme":"BearerIdMe","secret_already_encoded":false,"workspace_id":"","org_slug":"acme","events_path_template":""}"#;
        let read = Preferences::from_stored(kept);
        assert_eq!(read.connection_id, "custom");
        assert_eq!(read.custom_base_url, "https://events.example.org");
        assert!(read.remember_secret_in_tab);
        assert_eq!(read.scheme, AuthScheme::BearerIdMe);
        assert_eq!(read.org_slug, "acme");
        assert_eq!(Preferences::from_stored(&read.to_stored()), read);

        let partial = Preferences::from_stored(r#"{"org_slug":"acme","scheme":null}"#);
        assert_eq!(partial.org_slug, "acme");
        assert_eq!(partial.scheme, AuthScheme::IdMe);
        assert_eq!(Preferences::from_stored("not json"), Preferences::default());
        assert_eq!(Preferences::from_stored(r#"{"scheme":"Basic","org_slug":7}"#), Preferences::default());
    }
}
