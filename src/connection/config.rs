//! `/config.json`: the connections the gateway offers, read once when the app starts.
//!
//! Read by [`crate::connection::json`] (the browser's JSON parser), as this runs on every page.

use crate::connection::json::{Json, Unreadable};
pub use crate::providers::Vendor;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub id: String,
    /// None for a vendor this build does not speak (listed, never used).
    pub provider: Option<Vendor>,
    pub label: String,
    /// Where the app sends requests: a gateway path (`/sandbox/idme`, `/upstream/{id}`).
    pub base_url: String,
    /// The vendor base behind an `/upstream/…` connection, for display.
    pub upstream: Option<String>,
    /// The gateway adds the credential: the app sends none and asks for none.
    pub gateway_adds_credential: bool,
    /// The built-in sandbox's public demo secret, used when the user enters none.
    pub sandbox_secret: Option<String>,
    /// Standfast: the workspace to open when the user names none.
    pub workspace_id: Option<String>,
    /// Iden: the organisation slug.
    pub org_slug: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppConfig {
    pub connections: Vec<Connection>,
    /// How long to wait for any response before giving the request up (None: the app's default).
    pub response_timeout_secs: Option<u32>,
    /// Seconds between live tail's checks (None: the app's default).
    pub live_tail_secs: Option<u32>,
    /// Who is signed in, when the gateway signs people in.
    pub user: Option<SignedInUser>,
    /// The gateway receives pushed security signals (`/signals`).
    pub signals: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedInUser {
    /// How the header names them (their e-mail address, else their name).
    pub name: String,
    /// May open the access log.
    pub admin: bool,
}

impl Connection {
    fn read(c: &Json) -> Result<Self, Unreadable> {
        let c = c.object("it")?;
        Ok(Connection {
            id: c.member("id").required_text()?,
            provider: Vendor::from_key(&c.member("provider").required_text()?),
            label: c.member("label").required_text()?,
            base_url: c.member("base_url").required_text()?,
            upstream: c.member("upstream").text()?,
            gateway_adds_credential: c.member("gateway_adds_credential").flag()?.unwrap_or(false),
            sandbox_secret: c.member("sandbox_secret").text()?,
            workspace_id: c.member("workspace_id").text()?,
            org_slug: c.member("org_slug").text()?,
        })
    }
}

impl SignedInUser {
    fn read(u: &Json) -> Result<Self, Unreadable> {
        Ok(SignedInUser { name: u.member("name").required_text()?, admin: u.member("admin").flag()?.unwrap_or(false) })
    }
}

impl AppConfig {
    /// Reads `/config.json`. Fields the app can do without may be absent or null (the gateway
    /// leaves out what does not apply); unknown fields are ignored; a field of the wrong type
    /// makes the whole file unreadable, with a message that names it (never its value: the file
    /// may hold the sandbox's demo secret).
    pub fn parse(body: &str) -> Result<Self, String> {
        let read = || -> Result<AppConfig, Unreadable> {
            let config = Json::parse(body).ok_or_else(|| Unreadable("it is not JSON".into()))?;
            let config = config.object("the file")?;
            let mut connections = Vec::new();
            for (i, c) in config.member("connections").items()?.unwrap_or_default().iter().enumerate() {
                connections.push(Connection::read(c).map_err(|e| Unreadable(format!("connection {}: {e}", i + 1)))?);
            }
            Ok(AppConfig {
                connections,
                response_timeout_secs: config.member("response_timeout_secs").whole()?,
                live_tail_secs: config.member("live_tail_secs").whole()?,
                user: config.member("user").object()?.as_ref().map(SignedInUser::read).transpose()?,
                signals: config.member("signals").flag()?.unwrap_or(false),
            })
        };
        read().map_err(|e| format!("the gateway's /config.json could not be read: {e}"))
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
    fn reads_every_field_and_ignores_unknown_ones() {
        let body = r#"{"connections":[{"id":"iden-live","provider":"iden","label":"Iden (live)",
            "base_url":"/upstream/iden-live","upstream":"https://api.iden.example","gateway_adds_credential":true,
            "sandbox_secret":null,"workspace_id":null,"org_slug":"acme","colour":"blue"}],
            "response_timeout_secs":25,"live_tail_secs":5,"user":{"name":"ann@example.org","admin":true},
            "signals":true,"later":[1,2.5,{"a":null}]}"#;
        let expected = AppConfig {
            connections: vec![Connection {
                id: "iden-live".into(),
                provider: Some(Vendor::Iden),
                label: "Iden (live)".into(),
                base_url: "/upstream/iden-live".into(),
                upstream: Some("https://api.iden.example".into()),
                gateway_adds_credential: true,
                sandbox_secret: None,
                workspace_id: None,
                org_slug: Some("acme".into()),
            }],
            response_timeout_secs: Some(25),
            live_tail_secs: Some(5),
            user: Some(SignedInUser { name: "ann@example.org".into(), admin: true }),
            signals: true,
        };
        assert_eq!(AppConfig::parse(body), Ok(expected));
        assert_eq!(AppConfig::parse("{}"), Ok(AppConfig::default()));
    }

    #[test]
    fn a_body_of_another_shape_is_refused_without_repeating_it() {
        for body in [
            "<html>",
            r#"{"connections":"none"}"#,
            r#"{"connections":[{"id":"x","label":"X","base_url":"/sandbox/idme","sandbox_secret":"demo-secret"}]}"#,
            r#"{"response_timeout_secs":-1}"#,
            r#"{"user":{"admin":true}}"#,
        ] {
            let message = AppConfig::parse(body).unwrap_err();
            assert!(message.starts_with("the gateway's /config.json could not be read"), "{body}: {message}");
            assert!(!message.contains("demo-secret"), "{message}");
        }
        assert_eq!(
            AppConfig::parse(
                r#"{"connections":[{"id":"x","provider":"idme","label":"X","base_url":"/x"},{"id":"y"}]}"#
            ),
            Err("the gateway's /config.json could not be read: connection 2: `provider` is missing (it must be text)"
                .into())
        );
        assert_eq!(
            AppConfig::parse(r#"{"live_tail_secs":"5"}"#),
            Err("the gateway's /config.json could not be read: `live_tail_secs` is not a whole number from 0 to 4294967295".into())
        );
    }

    #[test]
    fn a_signed_in_user_with_no_connection_is_not_allowed_anything() {
        let config =
            AppConfig::parse(r#"{"connections":[],"user":{"name":"mallory@example.org","admin":false}}"#).unwrap();
        assert_eq!(config.user.as_ref().map(|u| u.name.as_str()), Some("mallory@example.org"));
        assert!(config.nothing_allowed());
    }
}
