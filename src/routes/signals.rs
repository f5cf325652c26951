//! `/signals?type=&subject=&from=&to=&before=`: the pushed security signals the gateway received,
//! newest first. The gateway answers the same parameters at `/signals.json`; `before` is the id
//! of the last signal of the previous page.

use chrono::SecondsFormat;

use crate::routes::query::{Href, parse_instant};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignalsView {
    /// An event type URI, or its last segment (`account-disabled`).
    pub event_type: Option<String>,
    /// Any identifier of a subject: an e-mail address, a `sub`, a UUID, a phone number.
    pub subject: Option<String>,
    /// RFC 3339 instants in UTC on the event time; `to` is exclusive.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Older than this signal (None: the newest page, which live signals join).
    pub before: Option<i64>,
}

/// The form's fields, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignalFields {
    pub event_type: String,
    pub subject: String,
    pub from: String,
    pub to: String,
}

fn instant(name: &str, value: Option<String>) -> Result<Option<String>, String> {
    match value.map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => parse_instant(&v)
            .map(|t| Some(t.to_rfc3339_opts(SecondsFormat::Secs, true)))
            .map_err(|message| format!("{name}: {message}")),
    }
}

impl SignalsView {
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let text = |name: &str| get(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let before = match text("before") {
            None => None,
            Some(b) => Some(
                b.parse::<i64>()
                    .ok()
                    .filter(|b| *b >= 1)
                    .ok_or(format!("before must be a signal number from 1, not {b:?}"))?,
            ),
        };
        let view = SignalsView {
            event_type: text("type"),
            subject: text("subject"),
            from: instant("from", get("from"))?,
            to: instant("to", get("to"))?,
            before,
        };
        if let (Some(from), Some(to)) = (&view.from, &view.to)
            && from >= to
        {
            return Err(format!("from ({from}) must be before to ({to})"));
        }
        Ok(view)
    }

    /// The view the form's fields describe (the newest page).
    pub fn from_fields(fields: &SignalFields) -> Result<Self, String> {
        let typed =
            [("type", &fields.event_type), ("subject", &fields.subject), ("from", &fields.from), ("to", &fields.to)];
        Self::from_query(|k| typed.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string()))
    }

    pub fn fields(&self) -> SignalFields {
        SignalFields {
            event_type: self.event_type.clone().unwrap_or_default(),
            subject: self.subject.clone().unwrap_or_default(),
            from: self.from.clone().unwrap_or_default(),
            to: self.to.clone().unwrap_or_default(),
        }
    }

    fn with_filters(&self, path: &str) -> Href {
        Href::new(path)
            .param("type", self.event_type.as_deref())
            .param("subject", self.subject.as_deref())
            .param("from", self.from.as_deref())
            .param("to", self.to.as_deref())
    }

    pub fn href(&self) -> String {
        self.with_filters("/signals").param("before", self.before.map(|b| b.to_string())).build()
    }

    /// The gateway's page of signals for this view.
    pub fn json_url(&self) -> String {
        self.with_filters("/signals.json").param("before", self.before.map(|b| b.to_string())).build()
    }

    pub fn older_than(&self, id: i64) -> Self {
        SignalsView { before: Some(id), ..self.clone() }
    }

    pub fn newest(&self) -> Self {
        SignalsView { before: None, ..self.clone() }
    }

    /// One person's signals (a timeline links here).
    pub fn about(subject: &str) -> Self {
        SignalsView { subject: Some(subject.to_string()), ..Default::default() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &[(&str, &str)]) -> Result<SignalsView, String> {
        SignalsView::from_query(|k| query.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string()))
    }

    #[test]
    fn round_trip_and_gateway_url() {
        let view = parse(&[
            ("type", "account-disabled"),
            ("subject", "ann@example.org"),
            ("from", "2026-12-01T00:00"),
            ("before", "42"),
        ])
        .unwrap();
        let href = "/signals?type=account-disabled&subject=ann%40example.org&from=2026-12-01T00:00:00Z&before=42";
        assert_eq!(view.href(), href);
        assert_eq!(
            view.json_url(),
            "/signals.json?type=account-disabled&subject=ann%40example.org&from=2026-12-01T00:00:00Z&before=42"
        );
        assert_eq!(
            view.newest().href(),
            "/signals?type=account-disabled&subject=ann%40example.org&from=2026-12-01T00:00:00Z"
        );
        assert_eq!(parse(&[]).unwrap().href(), "/signals");
        assert_eq!(SignalsView::from_fields(&view.fields()).unwrap(), view.newest());
        assert_eq!(SignalsView::about("0b7ac1e2").href(), "/signals?subject=0b7ac1e2");
    }

    #[test]
    fn bad_values_name_their_parameter() {
        assert!(parse(&[("from", "yesterday")]).unwrap_err().starts_with("from: "));
        assert!(parse(&[("before", "0")]).unwrap_err().starts_with("before must be"));
        assert!(parse(&[("before", "x")]).unwrap_err().starts_with("before must be"));
        let reversed = parse(&[("from", "2026-12-02T00:00:00Z"), ("to", "2026-12-01T00:00:00Z")]).unwrap_err();
        assert!(reversed.starts_with("from (2026-12-02T00:00:00Z) must be before to"), "{reversed}");
    }
}
