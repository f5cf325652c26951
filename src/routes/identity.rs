//! `/identity-events?workspace=&from=&to=&types=&contact=&limit=&before=&skip=&tz=`:
//! Standfast's identity events, walked back page by page.

use chrono::{DateTime, Duration, Utc};

use super::query::{Href, bounded, instant_text, list, optional_instant, optional_uuid};
use super::row_filter::RowFilter;
use crate::providers::standfast::{self, DEFAULT_LIMIT, MAX_LIMIT, Position};
use crate::rows::format::Zone;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IdentityEvents {
    /// None: the workspace set in Settings.
    pub workspace: Option<String>,
    pub filter: standfast::Filter,
    pub limit: u32,
    pub position: Position,
    pub zone: Zone,
    /// Facet filters over the loaded rows.
    pub rows: RowFilter,
}

/// The time range presets: label and length.
pub const PRESETS: [(&str, &str, i64); 4] = [
    ("1h", "Last hour", 3_600),
    ("24h", "Last 24 h", 86_400),
    ("7d", "Last 7 days", 604_800),
    ("30d", "Last 30 days", 2_592_000),
];

/// Standfast's documented retention: default 24 months, configurable 3–84 per workspace.
pub const DEFAULT_RETENTION_MONTHS: i64 = 24;

impl IdentityEvents {
    pub fn href(&self) -> String {
        Href::new("/identity-events")
            .param("workspace", self.workspace.as_deref())
            .param("from", self.filter.from.map(instant_text))
            .param("to", self.filter.to.map(instant_text))
            .param("types", Some(self.filter.types.join(",")))
            .param("contact", self.filter.contact.as_deref())
            .param("limit", (self.limit != DEFAULT_LIMIT).then(|| self.limit.to_string()))
            .param("before", self.position.before.as_deref())
            .param("skip", (self.position.skip > 0).then(|| self.position.skip.to_string()))
            .param("tz", self.zone.query_value())
            .row_filter(&self.rows)
            .build()
    }

    /// The filters in force, in words (the folded form's summary).
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(w) = &self.workspace {
            parts.push(format!("workspace {w}"));
        }
        if !self.filter.types.is_empty() {
            parts.push(format!("type {}", self.filter.types.join(" or ")));
        }
        if let Some(f) = self.filter.from {
            parts.push(format!("from {}", instant_text(f)));
        }
        if let Some(t) = self.filter.to {
            parts.push(format!("to {}", instant_text(t)));
        }
        if let Some(c) = &self.filter.contact {
            parts.push(format!("contact {c}"));
        }
        if parts.is_empty() { "no filters".into() } else { parts.join(", ") }
    }

    /// Same filters, from the newest page.
    pub fn first_page(&self) -> Self {
        IdentityEvents { position: Position::default(), ..self.clone() }
    }

    pub fn at(&self, position: Position) -> Self {
        IdentityEvents { position, ..self.clone() }
    }

    /// The range may reach back past what the workspace keeps (default retention assumed).
    pub fn may_reach_retention(&self, now: DateTime<Utc>) -> bool {
        let cutoff = now - Duration::days(DEFAULT_RETENTION_MONTHS * 30);
        self.filter.from.is_none_or(|from| from <= cutoff)
    }
}

/// An absolute range ending now for a preset (so the link keeps meaning the same window).
pub fn preset_range(key: &str, now: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let (_, _, seconds) = PRESETS.iter().find(|(k, _, _)| *k == key)?;
    let now = now - Duration::nanoseconds(now.timestamp_subsec_nanos() as i64);
    Some((now - Duration::seconds(*seconds), now))
}

pub fn identity_events_from_url(get: impl Fn(&str) -> Option<String>) -> Result<IdentityEvents, String> {
    let types = list(get("types").as_deref());
    let from = optional_instant(get("from").as_deref(), "from")?;
    let to = optional_instant(get("to").as_deref(), "to")?;
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err("“from” is after “to”: nothing can match.".into());
    }
    let workspace = get("workspace").map(|w| w.trim().to_string()).filter(|w| !w.is_empty());
    if let Some(w) = &workspace {
        standfast::check_workspace(w)?;
    }
    Ok(IdentityEvents {
        workspace,
        filter: standfast::Filter {
            from,
            to,
            types,
            contact: optional_uuid(get("contact").as_deref(), "contact")?.map(|u| u.to_string()),
        },
        limit: bounded(get("limit").as_deref(), "Page size", 1, MAX_LIMIT, DEFAULT_LIMIT)?,
        position: Position {
            before: get("before").filter(|b| !b.is_empty()),
            skip: bounded(get("skip").as_deref(), "skip", 0, 100_000, 0)?,
        },
        zone: Zone::parse(get("tz").as_deref()),
        rows: RowFilter::from_query(&get)?,
    })
}

impl super::view::ViewState for IdentityEvents {
    const NARROWS: bool = true;

    fn from_url(_path: &str, get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        identity_events_from_url(get)
    }

    fn href(&self) -> String {
        IdentityEvents::href(self)
    }

    crate::zone_and_rows_fields!(IdentityEvents);

    fn narrowed(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        let filter = crate::providers::standfast::Filter { from: Some(from), to: Some(to), ..self.filter.clone() };
        IdentityEvents { filter, position: Default::default(), ..self.clone() }
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::query::tests_support::from_href;

    #[test]
    fn describe_names_the_filters_in_force() {
        let (_, get) = from_href(
            "/identity-events?from=2026-05-01T00:00:00Z&types=ani_blocked,risk_signal_raised\
             &contact=ac28b80d-7ac1-4b0d-b51b-5bef6281f3c2&limit=20",
        );
        let view = identity_events_from_url(get).unwrap();
        assert_eq!(
            view.describe(),
            "type ani_blocked or risk_signal_raised, from 2026-05-01T00:00:00Z, contact ac28b80d-7ac1-4b0d-b51b-5bef6281f3c2"
        );
        let (_, get) = from_href("/identity-events");
        assert_eq!(identity_events_from_url(get).unwrap().describe(), "no filters");
    }

    #[test]
    fn round_trip() {
        for href in [
            "/identity-events",
            "/identity-events?workspace=6f1c2a4e-8b1d-4c55-9a51-0c7f2d9e4a10&from=2026-05-01T00:00:00Z\
             &to=2026-05-13T10:00:00Z&types=factor_added,risk_signal_raised\
             &contact=ac28b80d-7ac1-4b0d-b51b-5bef6281f3c2&limit=20&before=2026-05-12T10:00:00.001Z&skip=3&tz=local",
        ] {
            let (_, get) = from_href(href);
            assert_eq!(identity_events_from_url(get).unwrap().href(), href);
        }
    }

    #[test]
    fn bad_values_are_explained() {
        for (href, needle) in [
            ("/identity-events?limit=501", "Page size"),
            ("/identity-events?from=soon", "from"),
            ("/identity-events?contact=bob", "contact"),
            ("/identity-events?workspace=..", "workspace \"..\" is not a UUID"),
            ("/identity-events?workspace=%2E%2E%2Fadmin", "is not a UUID"),
            ("/identity-events?from=2026-05-02T00:00:00Z&to=2026-05-01T00:00:00Z", "after"),
        ] {
            let (_, get) = from_href(href);
            assert!(identity_events_from_url(get).unwrap_err().contains(needle), "{href}");
        }
    }

    #[test]
    fn presets_are_absolute_and_retention_is_noted_for_open_ranges() {
        let now = DateTime::parse_from_rfc3339("2026-05-13T10:00:00.250Z").unwrap().to_utc();
        let (from, to) = preset_range("24h", now).unwrap();
        assert_eq!(
            (instant_text(from), instant_text(to)),
            ("2026-05-12T10:00:00Z".into(), "2026-05-13T10:00:00Z".into())
        );
        let mut view = IdentityEvents::default();
        assert!(view.may_reach_retention(now));
        view.filter.from = Some(from);
        assert!(!view.may_reach_retention(now));
    }
}
