//! Connection settings per provider, and how they resolve into a base URL and credential.
//! The secret lives in memory; only when the user opts in is it kept in this tab's
//! sessionStorage. Everything else may be kept in localStorage: it holds no credential.

use serde::{Deserialize, Serialize};

use crate::config::{AppConfig, Connection, Provider};
use crate::providers::idme::{self, AuthScheme};

/// The connection id that means "the custom base URL below".
pub const CUSTOM_CONNECTION: &str = "custom";

/// Non-secret settings (safe for localStorage).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct IdmePreferences {
    /// A connection id from `/config.json`, or [`CUSTOM_CONNECTION`]; empty: the first offered.
    pub connection_id: String,
    pub custom_base_url: String,
    pub scheme: AuthScheme,
    pub secret_already_encoded: bool,
    /// Keep the secret in this tab's sessionStorage.
    pub remember_secret_in_tab: bool,
}

/// Settings including the secret: in memory only.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IdmeSettings {
    pub preferences: IdmePreferences,
    pub secret: String,
}

/// What a request needs: where to send it and which Authorization header to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedConnection {
    pub label: String,
    pub base_url: String,
    /// None when the gateway adds the credential.
    pub authorization: Option<String>,
}

impl IdmeSettings {
    /// The connection the settings select (the first one offered when none is chosen yet).
    pub fn selected<'a>(&self, config: &'a AppConfig) -> Option<&'a Connection> {
        let mut offered = config.connections_for(Provider::Idme);
        let wanted = &self.preferences.connection_id;
        if wanted.is_empty() {
            return offered.next();
        }
        offered.find(|c| &c.id == wanted)
    }

    pub fn is_custom(&self) -> bool {
        self.preferences.connection_id == CUSTOM_CONNECTION
    }

    pub fn resolve(&self, config: &AppConfig) -> Result<ResolvedConnection, String> {
        let p = &self.preferences;
        let header = |secret: &str| idme::authorization(p.scheme, secret, p.secret_already_encoded);
        if self.is_custom() {
            let base = p.custom_base_url.trim();
            if !(base.starts_with("https://") || base.starts_with("http://")) {
                return Err("Settings: the custom base URL must start with https:// or http://".into());
            }
            let authorization =
                header(&self.secret).ok_or("Settings: enter the shared secret for the custom base URL")?;
            return Ok(ResolvedConnection {
                label: base.to_string(),
                base_url: base.to_string(),
                authorization: Some(authorization),
            });
        }
        let Some(connection) = self.selected(config) else {
            return Err(if p.connection_id.is_empty() {
                "The gateway offers no ID.me connection. Add one to its configuration, or use a custom base URL in Settings.".into()
            } else {
                format!(
                    "Settings: the connection {:?} is no longer offered by the gateway; choose another.",
                    p.connection_id
                )
            });
        };
        let authorization = if connection.gateway_adds_credential {
            None
        } else if let Some(h) = header(&self.secret) {
            Some(h)
        } else if let Some(demo) = &connection.sandbox_secret {
            idme::authorization(p.scheme, demo, false)
        } else {
            return Err(format!("Settings: enter the shared secret for {}", connection.label));
        };
        Ok(ResolvedConnection { label: connection.label.clone(), base_url: connection.base_url.clone(), authorization })
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
            {"id":"labs","provider":"idme","label":"ID.me sandbox","base_url":"/upstream/labs"}]}"#,
        )
        .unwrap()
    }

    fn with(connection_id: &str, secret: &str) -> IdmeSettings {
        IdmeSettings {
            preferences: IdmePreferences { connection_id: connection_id.into(), ..Default::default() },
            secret: secret.into(),
        }
    }

    #[test]
    fn the_sandbox_works_without_setup_and_a_typed_secret_wins() {
        let r = with("", "").resolve(&config()).unwrap();
        assert_eq!(r.base_url, "/sandbox/idme");
        assert_eq!(r.authorization.as_deref(), Some("ID.me ZGVtbw=="));
        let r = with("idme-sandbox", "wrong").resolve(&config()).unwrap();
        assert_eq!(r.authorization.as_deref(), Some("ID.me d3Jvbmc="));
    }

    #[test]
    fn gateway_credential_means_no_header_and_no_question() {
        let r = with("prod", "").resolve(&config()).unwrap();
        assert_eq!(r.authorization, None);
        assert_eq!(r.base_url, "/upstream/prod");
    }

    #[test]
    fn a_connection_needing_a_secret_says_so() {
        let err = with("labs", "").resolve(&config()).unwrap_err();
        assert!(err.contains("ID.me sandbox"), "{err}");
        assert!(with("gone", "x").resolve(&config()).unwrap_err().contains("no longer offered"));
    }

    #[test]
    fn custom_base_url_needs_a_url_and_a_secret() {
        let mut s = with(CUSTOM_CONNECTION, "k");
        assert!(s.resolve(&config()).is_err());
        s.preferences.custom_base_url = "https://events.example.org/".into();
        s.preferences.scheme = AuthScheme::BearerIdMe;
        let r = s.resolve(&config()).unwrap();
        assert_eq!(r.authorization.as_deref(), Some("Bearer ID.me aw=="));
    }

    #[test]
    fn preferences_never_serialize_the_secret() {
        let s = with("labs", "top-secret");
        let json = serde_json::to_string(&s.preferences).unwrap();
        assert!(!json.contains("top-secret"));
    }
}
