//! `/signals?type=&subject=&from=&to=&before=&tz=`: the pushed security signals the gateway
//! received, newest first. The gateway answers the same filters at `/signals.json`; `before` is
//! the number of the last signal of the previous page.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::providers::signals::Filter;
use crate::routes::query::{Href, instant_field};
use crate::routes::row_filter::RowFilter;
use crate::rows::format::Zone;

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
    pub zone: Zone,
    /// Facet filters, text search, sort and columns over the loaded rows.
    pub rows: RowFilter,
}

/// The form's fields, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignalFields {
    pub event_type: String,
    pub subject: String,
    pub from: String,
    pub to: String,
}

impl SignalsView {
    /// The filters in force, in words (the folded form's summary).
    pub fn describe(&self) -> String {
        let parts: Vec<String> = [
            self.event_type.as_ref().map(|t| format!("type {t}")),
            self.subject.as_ref().map(|s| format!("subject {s}")),
            self.from.as_ref().map(|f| format!("from {f}")),
            self.to.as_ref().map(|t| format!("before {t}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        if parts.is_empty() { "no filters".into() } else { parts.join(", ") }
    }

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
            from: instant_field("from", get("from"))?,
            to: instant_field("to", get("to"))?,
            before,
            zone: Zone::parse(get("tz").as_deref()),
            rows: RowFilter::from_query(&get)?,
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
        self.with_filters("/signals")
            .param("before", self.before.map(|b| b.to_string()))
            .param("tz", self.zone.query_value())
            .row_filter(&self.rows)
            .build()
    }

    /// What the gateway is asked for.
    pub fn filter(&self) -> Filter {
        Filter {
            event_type: self.event_type.clone(),
            subject: self.subject.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            before: self.before,
        }
    }

    pub fn older_than(&self, id: i64) -> Self {
        SignalsView { before: Some(id), ..self.clone() }
    }

    pub fn newest(&self) -> Self {
        SignalsView { before: None, ..self.clone() }
    }

    /// The view's filters, from the newest page, with the zone and row filters kept.
    pub fn with_fields(&self, fields: &SignalFields) -> Result<Self, String> {
        let view = Self::from_fields(fields)?;
        Ok(SignalsView { zone: self.zone, rows: self.rows.clone(), ..view })
    }

    /// One person's signals (a timeline links here).
    pub fn about(subject: &str) -> Self {
        SignalsView { subject: Some(subject.to_string()), ..Default::default() }
    }
}

impl super::view::ViewState for SignalsView {
    const NARROWS: bool = true;

    fn from_url(_path: &str, get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        SignalsView::from_query(get)
    }

    fn href(&self) -> String {
        SignalsView::href(self)
    }

    crate::zone_and_rows_fields!(SignalsView);

    /// Both ends inclusive; the gateway's `to` is exclusive, so it is the next second.
    fn narrowed(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        let text = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
        SignalsView {
            from: Some(text(from)),
            to: Some(text(to + chrono::Duration::seconds(1))),
            before: None,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &[(&str, &str)]) -> Result<SignalsView, String> {
        SignalsView::from_query(|k| query.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string()))
    }

    #[test]
    fn describe_names_the_filters_in_force() {
        let view =
            parse(&[("type", "account-disabled"), ("subject", "ann@example.org"), ("to", "2026-12-02T00:00:00Z")]);
        assert_eq!(
            view.unwrap().describe(),
            "type account-disabled, subject ann@example.org, before 2026-12-02T00:00:00Z"
        );
        assert_eq!(parse(&[]).unwrap().describe(), "no filters");
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
            view.filter(),
            Filter {
                event_type: Some("account-disabled".into()),
                subject: Some("ann@example.org".into()),
                from: Some("2026-12-01T00:00:00Z".into()),
                to: None,
                before: Some(42),
            }
        );
        let local = parse(&[("type", "account-purged"), ("tz", "local"), ("q", "ann")]).unwrap();
        assert_eq!(local.href(), "/signals?type=account-purged&tz=local&q=ann");
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
