//! `/config.json`: the connections the gateway offers, read once when the app starts.

use serde::Deserialize;

pub use crate::providers::Vendor;

/// A connection's vendor from `/config.json`: None for one this build does not speak (listed,
/// never used).
fn known_vendor<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vendor>, D::Error> {
    let key = String::deserialize(d)?;
    Ok(Vendor::from_key(&key))
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Connection {
    pub id: String,
    #[serde(deserialize_with = "known_vendor")]
    pub provider: Option<Vendor>,
    pub label: String,
    /// Where the app sends requests: a gateway path (`/sandbox/idme`, `/upstream/{id}`).
    pub base_url: String,
    /// The vendor base behind an `/upstream/…` connection, for display.
    #[serde(default)]
    pub upstream: Option<String>,
    /// The gateway adds the credential: the app sends none and asks for none.
    #[serde(default)]
    pub gateway_adds_credential: bool,
    /// The built-in sandbox's public demo secret, used when the user enters none.
    #[serde(default)]
    pub sandbox_secret: Option<String>,
    /// Standfast: the workspace to open when the user names none.
    #[serde(default)]
    pub workspace_id: Option<String>,
    /// Iden: the organisation slug.
    #[serde(default)]
    pub org_slug: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
pub struct AppConfig {
    #[serde(default)]
    pub connections: Vec<Connection>,
    /// How long to wait for any response before giving the request up (None: the app's default).
    #[serde(default)]
    pub response_timeout_secs: Option<u32>,
    /// Seconds between live tail's checks (None: the app's default).
    #[serde(default)]
    pub live_tail_secs: Option<u32>,
    /// Who is signed in, when the gateway signs people in.
    #[serde(default)]
    pub user: Option<SignedInUser>,
    /// The gateway receives pushed security signals (`/signals`).
    #[serde(default)]
    pub signals: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SignedInUser {
    /// How the header names them (their e-mail address, else their name).
    pub name: String,
    /// May open the access log.
    #[serde(default)]
    pub admin: bool,
}

impl AppConfig {
    pub fn parse(body: &str) -> Result<Self, String> {
        serde_json::from_str(body).map_err(|e| format!("the gateway's /config.json could not be read: {e}"))
    }

    /// Signed in, but allowed to use no connection at all.
    pub fn nothing_allowed(&self) -> bool {
        self.user.is_some() && self.connections.is_empty()
    }

    pub fn connections_for(&self, provider: Vendor) -> impl Iterator<Item = &Connection> {
        self.connections.iter().filter(move |c| c.provider == Some(provider))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_the_gateway_serves_and_tolerates_unknown_providers() {
        let body = r#"{"connections":[
            {"id":"idme-sandbox","provider":"idme","label":"Built-in sandbox","base_url":"/sandbox/idme",
             "upstream":null,"gateway_adds_credential":false,"sandbox_secret":"s"},
            {"id":"x","provider":"future","label":"X","base_url":"/upstream/x"}]}"#;
        let config = AppConfig::parse(body).unwrap();
        assert_eq!(config.connections_for(Vendor::Idme).count(), 1);
        assert_eq!(config.connections[1].provider, None);
        assert!(AppConfig::parse("<html>").is_err());
        assert_eq!(config.user, None);
        assert!(!config.nothing_allowed());
    }

    #[test]
    fn a_signed_in_user_with_no_connection_is_not_allowed_anything() {
        let config =
            AppConfig::parse(r#"{"connections":[],"user":{"name":"mallory@example.org","admin":false}}"#).unwrap();
        assert_eq!(config.user.as_ref().map(|u| u.name.as_str()), Some("mallory@example.org"));
        assert!(config.nothing_allowed());
    }
}
