//! The `[auth]` section: which OpenID provider signs people in, and for how long.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// The provider's issuer, exactly as its discovery document names it.
    pub issuer: String,
    pub client_id: String,
    /// The environment variable holding the client secret (none for a public client, which
    /// PKCE alone protects).
    #[serde(default)]
    pub client_secret_env: Option<String>,
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// The claim (in the ID token, else from the userinfo endpoint) that lists the user's groups.
    #[serde(default = "default_groups_claim")]
    pub groups_claim: String,
    /// Seconds a sign-in lasts; then the next request goes through sign-in again.
    #[serde(default = "default_session_lifetime")]
    pub session_lifetime_secs: u64,
    /// Members of this group may open the access log.
    #[serde(default)]
    pub admin_group: Option<String>,
}

fn default_scopes() -> Vec<String> {
    ["openid", "email", "profile"].map(String::from).to_vec()
}

fn default_groups_claim() -> String {
    "groups".into()
}

fn default_session_lifetime() -> u64 {
    8 * 3600
}

impl AuthConfig {
    pub fn validate(&self, public_url: Option<&url::Url>) -> Result<(), String> {
        if public_url.is_none() {
            return Err("[auth] needs public_url: the provider sends people back to {public_url}/auth/callback".into());
        }
        match url::Url::parse(&self.issuer) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => {}
            _ => return Err(format!("[auth] issuer {:?} is not an http or https URL", self.issuer)),
        }
        if self.client_id.is_empty() {
            return Err("[auth] client_id is empty".into());
        }
        if !self.scopes.iter().any(|s| s == "openid") {
            return Err("[auth] scopes must include openid".into());
        }
        if !(1..=30 * 24 * 3600).contains(&self.session_lifetime_secs) {
            return Err("[auth] session_lifetime_secs must be between 1 and 30 days".into());
        }
        Ok(())
    }
}
