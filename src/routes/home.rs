//! The home search box: what was typed decides the view it opens.

use super::ip::{IpSearch, parse_ip};
use super::query::Uuid;
use super::severity::SeverityView;
use super::user::UserTimeline;
use crate::connection::json::Json;
use crate::model::Severity;
use crate::providers::standfast::EVENT_TYPES;

/// Where the home search box sends what was typed: an IP to IP search, a UUID to the user
/// timeline, `severity:high` to the severity view, a Standfast event type to identity events,
/// any other event type (`session.login.failed`) or prefix (`session.`) to the severity view,
/// `event:<id>` (an id ID.me issued, pasted) to the Events API lookup.
pub fn home_search_target(text: &str) -> Result<String, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("Enter an IP address, a user UUID, an event type, severity:high or event:<ID.me event id>.".into());
    }
    if let Some(id) = t.strip_prefix("event:") {
        let id = id.trim();
        if id.is_empty() {
            return Err("After “event:” paste the ID.me event id to look up.".into());
        }
        return Ok(super::permalink::lookup_href(id));
    }
    if let Ok(ip) = parse_ip(t) {
        return Ok(IpSearch::new(ip).href());
    }
    if let Ok(uuid) = Uuid::parse(t) {
        return Ok(UserTimeline::new(uuid).href());
    }
    if let Some(name) = t.strip_prefix("severity:") {
        let severity = Severity::parse(name)
            .ok_or_else(|| format!("“{}” is not a severity (critical, high, medium, low, info).", name.trim()))?;
        return Ok(SeverityView { severities: vec![severity], ..SeverityView::default() }.href());
    }
    if EVENT_TYPES.iter().any(|(name, _)| *name == t) {
        return Ok(crate::routes::identity::IdentityEvents {
            filter: crate::providers::standfast::Filter { types: vec![t.to_string()], ..Default::default() },
            limit: crate::providers::standfast::DEFAULT_LIMIT,
            ..Default::default()
        }
        .href());
    }
    let looks_like_type =
        t.contains('.') && t.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._".contains(&b));
    if looks_like_type {
        let view = if t.ends_with('.') {
            SeverityView { prefix: Some(t.to_string()), ..SeverityView::default() }
        } else {
            SeverityView { event_type: Some(t.to_string()), ..SeverityView::default() }
        };
        return Ok(view.href());
    }
    Err(format!(
        "“{}” is not an IP address, a user UUID, an event type (session.login.failed), severity:high or event:<id>.",
        crate::providers::excerpt(t, 60)
    ))
}

/// One remembered search: what was typed and the view it opened. Never a credential: only the
/// search box's text and the app's own URL are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentSearch {
    pub text: String,
    pub href: String,
}

impl RecentSearch {
    /// Reads what [`RecentSearch::list_to_stored`] wrote, skipping any entry that is not such a
    /// search (nothing at all when the text is no JSON list).
    pub fn list_from_stored(text: &str) -> Vec<RecentSearch> {
        let entries = Json::parse(text).and_then(|list| list.items()).unwrap_or_default();
        entries
            .iter()
            .filter_map(|e| {
                Some(RecentSearch {
                    text: e.member("text").required_text().ok()?,
                    href: e.member("href").required_text().ok()?,
                })
            })
            .collect()
    }

    pub fn list_to_stored(recent: &[RecentSearch]) -> String {
        let entries = recent
            .iter()
            .map(|r| Json::object_of(vec![("text", Json::text(&r.text)), ("href", Json::text(&r.href))]))
            .collect();
        Json::array_of(entries).write()
    }
}

pub const RECENT_SEARCHES_KEPT: usize = 10;

/// Puts a search first, dropping an older copy of it, keeping the newest few.
pub fn remember(mut recent: Vec<RecentSearch>, search: RecentSearch) -> Vec<RecentSearch> {
    recent.retain(|r| r.href != search.href);
    recent.insert(0, search);
    recent.truncate(RECENT_SEARCHES_KEPT);
    recent
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_each_kind_of_search() {
        assert_eq!(home_search_target(" 10.1.2.3 ").unwrap(), "/ip/10.1.2.3");
        assert_eq!(
            home_search_target("AC28B80D7AC14B0DB51B5BEF6281F3C2").unwrap(),
            "/users/ac28b80d-7ac1-4b0d-b51b-5bef6281f3c2"
        );
        assert_eq!(home_search_target("severity:high").unwrap(), "/severity?severity=high");
        assert_eq!(home_search_target("session.login.failed").unwrap(), "/severity?type=session.login.failed");
        assert_eq!(home_search_target("session.").unwrap(), "/severity?prefix=session.");
        assert_eq!(home_search_target("risk_signal_raised").unwrap(), "/identity-events?types=risk_signal_raised");
        assert!(home_search_target("severity:urgent").unwrap_err().contains("urgent"));
        assert_eq!(
            home_search_target("event: 3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b").unwrap(),
            "/events/3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"
        );
        assert_eq!(home_search_target("event:../x").unwrap(), "/events/%2E%2E%2Fx", "one segment, whatever it holds");
        assert!(home_search_target("event:").unwrap_err().contains("paste the ID.me event id"));
        assert!(home_search_target("someone").unwrap_err().contains("not an IP address"));
        assert!(home_search_target("").is_err());
    }

    #[test]
    fn recent_searches_are_newest_first_without_repeats() {
        let s = |t: &str| RecentSearch { text: t.into(), href: format!("/ip/{t}") };
        let mut recent = Vec::new();
        for t in ["1.1.1.1", "2.2.2.2", "1.1.1.1"] {
            recent = remember(recent, s(t));
        }
        assert_eq!(recent, vec![s("1.1.1.1"), s("2.2.2.2")]);
        for i in 0..20 {
            recent = remember(recent, s(&format!("10.0.0.{i}")));
        }
        assert_eq!(recent.len(), RECENT_SEARCHES_KEPT);
    }

    #[test]
    fn kept_searches_read_back_and_unreadable_entries_are_skipped() {
        let kept = vec![
            RecentSearch { text: "severity:high \"x\"".into(), href: "/severity?severity=high".into() },
            RecentSearch { text: "10.1.2.3".into(), href: "/ip/10.1.2.3".into() },
        ];
        assert_eq!(RecentSearch::list_from_stored(&RecentSearch::list_to_stored(&kept)), kept);
        // What an earlier build (serde_json) kept, with an entry edited by hand.
        let older = r#"[{"text":"10.1.2.3","href":"/ip/10.1.2.3"},{"text":7},{"href":"/users/x"}]"#;
        assert_eq!(RecentSearch::list_from_stored(older), vec![kept[1].clone()]);
        assert_eq!(RecentSearch::list_from_stored("{\"text\":\"x\"}"), vec![]);
        assert_eq!(RecentSearch::list_from_stored("not json"), vec![]);
    }
}
