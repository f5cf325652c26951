//! Standfast identity events (`standfast-identity-events.txt`, decisions in NOTES.md):
//! `GET {base}/api/workspaces/{workspace_id}/identity-events?from=&to=&type=&contact=&before=&limit=`
//! with `Authorization: Bearer <key>`. Newest first; paging back with `before`, which is
//! exclusive, so [`Walker`] re-asks just past the oldest `occurredAt` of a page and drops the
//! ids it has already seen (NOTES.md: the tie problem).

use std::collections::HashSet;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde::Deserialize;

use super::{ApiError, HttpRequest, HttpResponse, Method, RequestBody, encode, excerpt};

pub const DEFAULT_LIMIT: u32 = 100;
pub const MAX_LIMIT: u32 = 500;

/// The 14 event types with their meaning (the document's table), for filters and help text.
pub const EVENT_TYPES: [(&str, &str); 14] = [
    ("factor_added", "A factor was successfully minted."),
    ("factor_failed", "A factor attempt failed (wrong answer, bad signature, expired token)."),
    ("kbv_question_asked", "The verification specialist asked a KBV question."),
    ("kbv_question_passed", "Caller answered correctly."),
    ("kbv_question_failed", "Caller's answer didn't match."),
    ("identity_locked_per_call", "Per-call wrong-answer cap hit."),
    ("identity_locked_per_24h", "Per-identity 24h failure cap hit."),
    ("ani_blocked", "A caller-ID hit the per-ANI lockout."),
    ("assurance_level_reached", "Caller's combined factors reached a new assurance level."),
    ("verification_not_configured", "A gate fired but the workspace had no data sources attached."),
    (
        "verification_agent_context_used",
        "The platform's internal bypass was used to call a lookup tool during verification.",
    ),
    ("scope_set", "The caller's permitted-account-id list was set or changed."),
    ("risk_signal_raised", "An automated risk signal fired (PAD, mismatched ANI, suspicious geo)."),
    ("risk_signal_resolved", "A previously-raised signal cleared."),
];

/// Fields each type's contract requires (the document's table), in wire names.
pub fn required_fields(event_type: &str) -> &'static [&'static str] {
    match event_type {
        "factor_added" | "factor_failed" => &["factorCategory", "factorType", "factorBoundToPrincipal", "evidenceRef"],
        "kbv_question_asked" | "kbv_question_passed" | "kbv_question_failed" => {
            &["factorCategory", "factorBoundToPrincipal", "evidenceRef"]
        }
        "identity_locked_per_call" | "identity_locked_per_24h" | "verification_agent_context_used" => {
            &["factorBoundToPrincipal", "evidenceRef"]
        }
        "assurance_level_reached" => &["factorBoundToPrincipal", "scopeDimension", "scopeValues"],
        "ani_blocked" | "verification_not_configured" | "scope_set" => &["scopeDimension", "scopeValues"],
        "risk_signal_raised" | "risk_signal_resolved" => &["riskSignalName", "riskSignalWeight"],
        _ => &[], // unknown types are kept, with no contract to check
    }
}

/// One identity event. Nullable fields are Options; unknown event types are kept as text.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct WireEvent {
    pub id: Option<String>,
    pub tenant_id: Option<String>,
    pub conversation_id: Option<String>,
    pub occurred_at: Option<String>,
    pub event_type: Option<String>,
    pub factor_category: Option<String>,
    pub factor_type: Option<String>,
    pub factor_bound_to_principal: Option<String>,
    pub risk_signal_name: Option<String>,
    pub risk_signal_weight: Option<f64>,
    pub scope_dimension: Option<String>,
    pub scope_values: Option<serde_json::Value>,
    pub evidence_ref: Option<String>,
    pub prompt_version: Option<String>,
    pub created_at: Option<String>,
}

impl WireEvent {
    /// The required fields this event leaves null or out (the dashboard's contract flag).
    pub fn missing_required(&self) -> Vec<&'static str> {
        let Some(t) = self.event_type.as_deref() else { return vec!["eventType"] };
        required_fields(t)
            .iter()
            .copied()
            .filter(|f| match *f {
                "factorCategory" => self.factor_category.is_none(),
                "factorType" => self.factor_type.is_none(),
                "factorBoundToPrincipal" => self.factor_bound_to_principal.is_none(),
                "evidenceRef" => self.evidence_ref.is_none(),
                "scopeDimension" => self.scope_dimension.is_none(),
                "scopeValues" => self.scope_values.as_ref().is_none_or(serde_json::Value::is_null),
                "riskSignalName" => self.risk_signal_name.is_none(),
                "riskSignalWeight" => self.risk_signal_weight.is_none(),
                _ => false,
            })
            .collect()
    }

    pub fn occurred(&self) -> Option<DateTime<Utc>> {
        self.occurred_at.as_deref().and_then(|t| DateTime::parse_from_rfc3339(t.trim()).ok()).map(|t| t.to_utc())
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ListResponse {
    #[serde(default)]
    pub events: Vec<serde_json::Value>,
}

/// The filters of a listing (everything but paging).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub types: Vec<String>,
    pub contact: Option<String>,
}

/// ISO-8601 in UTC, with milliseconds only when there are any.
pub fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// The listing request: exactly the documented parameters, empty ones left out.
pub fn list_request(
    base_url: &str,
    workspace_id: &str,
    filter: &Filter,
    before: Option<&str>,
    limit: u32,
    authorization: Option<&str>,
) -> HttpRequest {
    let mut params: Vec<(&str, String)> = Vec::new();
    if let Some(from) = filter.from {
        params.push(("from", iso(from)));
    }
    if let Some(to) = filter.to {
        params.push(("to", iso(to)));
    }
    let types: Vec<&str> = filter.types.iter().map(|t| t.trim()).filter(|t| !t.is_empty()).collect();
    if !types.is_empty() {
        params.push(("type", types.join(",")));
    }
    if let Some(contact) = filter.contact.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        params.push(("contact", contact.to_string()));
    }
    if let Some(before) = before {
        params.push(("before", before.to_string()));
    }
    if limit != DEFAULT_LIMIT {
        params.push(("limit", limit.clamp(1, MAX_LIMIT).to_string()));
    }
    let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
    let mut url =
        format!("{}/api/workspaces/{}/identity-events", base_url.trim_end_matches('/'), encode(workspace_id.trim()));
    if !query.is_empty() {
        url.push('?');
        url.push_str(&query.join("&"));
    }
    let mut headers = vec![("Accept".to_string(), "application/json".to_string())];
    if let Some(value) = authorization {
        headers.push(("Authorization".to_string(), value.to_string()));
    }
    HttpRequest { method: Method::Get, url, headers, body: RequestBody::None }
}

/// The document names no error format: the status and the body's `message` (or its text).
pub fn parse_list(response: &HttpResponse) -> Result<Vec<serde_json::Value>, ApiError> {
    let status = response.status;
    if !response.is_success() {
        #[derive(Deserialize)]
        struct Message {
            message: String,
        }
        return Err(match serde_json::from_str::<Message>(&response.body) {
            Ok(m) => ApiError::Vendor { status, code: None, message: m.message },
            Err(_) => ApiError::Http { status, excerpt: excerpt(&response.body, 160) },
        });
    }
    serde_json::from_str::<ListResponse>(&response.body).map(|r| r.events).map_err(|e| ApiError::Malformed {
        status,
        detail: format!("{e} (body starts: {})", excerpt(&response.body, 80)),
    })
}

/// Reads one raw event; malformed fields make the event unreadable, not the page.
pub fn read_event(raw: &serde_json::Value) -> Option<WireEvent> {
    serde_json::from_value(raw.clone()).ok()
}

/// What the walker asks for next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetch {
    pub before: Option<String>,
    pub limit: u32,
}

/// What a response did to the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A new page of events never seen before, now the current page.
    Page,
    /// Every event was one already seen and the page was full: one instant holds more events
    /// than a page. Ask again with this bigger page.
    Widen(Fetch),
    /// One instant holds more than [`MAX_LIMIT`] events: the rest of it cannot be reached.
    TieTooLarge { at: String },
    /// No older events.
    End,
}

/// Walks back through a filtered listing, page by page, without losing the rest of a tie group
/// at a page boundary, dropping ids already seen, and keeping visited pages so "newer" goes
/// back without asking again.
#[derive(Debug, Clone, Default)]
pub struct Walker {
    limit: u32,
    /// Pages visited, newest first; each holds only events not seen on an earlier page.
    pages: Vec<Vec<WireEvent>>,
    current: usize,
    seen: HashSet<String>,
    /// The bound for the next older page (None before the first page).
    next_before: Option<String>,
    at_end: bool,
}

impl Walker {
    pub fn new(limit: u32) -> Self {
        Walker { limit: limit.clamp(1, MAX_LIMIT), ..Default::default() }
    }

    pub fn current_page(&self) -> Option<&[WireEvent]> {
        self.pages.get(self.current).map(Vec::as_slice)
    }

    /// 1-based number of the current page among the visited ones.
    pub fn page_number(&self) -> usize {
        self.current + 1
    }

    pub fn has_newer(&self) -> bool {
        self.current > 0
    }

    /// Older pages exist, visited or not yet fetched.
    pub fn has_older(&self) -> bool {
        self.current + 1 < self.pages.len() || !self.at_end
    }

    pub fn newer(&mut self) -> bool {
        if self.current > 0 {
            self.current -= 1;
            true
        } else {
            false
        }
    }

    /// Moves to the next older page if it was visited; otherwise says what to fetch.
    pub fn older(&mut self) -> Option<Fetch> {
        if self.current + 1 < self.pages.len() {
            self.current += 1;
            return None;
        }
        (!self.at_end).then(|| self.first_fetch_or_next())
    }

    /// The request for the first page (or the next unvisited older page).
    pub fn first_fetch_or_next(&self) -> Fetch {
        Fetch { before: self.next_before.clone(), limit: self.limit }
    }

    /// Takes the events a [`Fetch`] returned.
    pub fn accept(&mut self, fetch: &Fetch, events: Vec<WireEvent>) -> Step {
        let full = events.len() as u32 >= fetch.limit;
        let oldest = events.iter().filter_map(WireEvent::occurred).min();
        let fresh: Vec<WireEvent> = events
            .into_iter()
            .filter(|e| match &e.id {
                Some(id) => !self.seen.contains(id),
                None => true,
            })
            .collect();
        if fresh.is_empty() {
            if !full {
                self.at_end = true;
                return Step::End;
            }
            if fetch.limit >= MAX_LIMIT {
                self.at_end = true;
                return Step::TieTooLarge { at: oldest.map(iso).unwrap_or_default() };
            }
            return Step::Widen(Fetch { before: fetch.before.clone(), limit: (fetch.limit * 2).min(MAX_LIMIT) });
        }
        self.seen.extend(fresh.iter().filter_map(|e| e.id.clone()));
        // Just past the oldest instant: the rest of its tie group comes back on the next page.
        self.next_before = oldest.map(|t| iso(t + Duration::milliseconds(1)));
        self.at_end = !full || oldest.is_none();
        self.pages.push(fresh);
        self.current = self.pages.len() - 1;
        Step::Page
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn request_has_exactly_the_documented_parameters() {
        let filter = Filter {
            from: Some(Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap()),
            to: None,
            types: vec!["factor_added".into(), " ".into(), "scope_set".into()],
            contact: Some(" ".into()),
        };
        let req =
            list_request("/sandbox/standfast/", "ws-1", &filter, Some("2026-05-13T10:00:00Z"), 200, Some("Bearer k"));
        assert_eq!(
            req.url,
            "/sandbox/standfast/api/workspaces/ws-1/identity-events?from=2026-05-01T00%3A00%3A00Z\
             &type=factor_added%2Cscope_set&before=2026-05-13T10%3A00%3A00Z&limit=200"
        );
        assert_eq!(req.header("authorization"), Some("Bearer k"));
        let bare = list_request("https://x", "w", &Filter::default(), None, DEFAULT_LIMIT, None);
        assert_eq!(bare.url, "https://x/api/workspaces/w/identity-events");
        assert_eq!(bare.header("authorization"), None);
    }

    #[test]
    fn document_sample_parses_and_conforms() {
        let body = std::fs::read_to_string(format!(
            "{}/tests/fixtures/standfast_identity_events.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let events = parse_list(&HttpResponse::new(200, body)).unwrap();
        let e = read_event(&events[0]).unwrap();
        assert_eq!(e.event_type.as_deref(), Some("factor_added"));
        assert_eq!(e.factor_bound_to_principal.as_deref(), Some("<contact-uuid>"));
        assert_eq!(e.evidence_ref.as_deref(), Some("kbv:lookup_orders"));
        assert!(e.missing_required().is_empty());
        assert_eq!(e.occurred().map(iso).as_deref(), Some("2026-05-13T10:14:32Z"));
    }

    #[test]
    fn contract_breakers_name_the_missing_field_and_unknown_types_are_kept() {
        let e: WireEvent =
            serde_json::from_str(r#"{"eventType":"risk_signal_raised","riskSignalName":"pad"}"#).unwrap();
        assert_eq!(e.missing_required(), vec!["riskSignalWeight"]);
        let e: WireEvent = serde_json::from_str(r#"{"eventType":"brand_new_type","extra":1}"#).unwrap();
        assert!(e.missing_required().is_empty());
        assert_eq!(e.event_type.as_deref(), Some("brand_new_type"));
    }

    #[test]
    fn errors_keep_status_and_message() {
        let err = parse_list(&HttpResponse::new(403, r#"{"message":"API key is not valid"}"#)).unwrap_err();
        assert_eq!(err, ApiError::Vendor { status: 403, code: None, message: "API key is not valid".into() });
        let err = parse_list(&HttpResponse::new(401, "Unauthorized")).unwrap_err();
        assert!(matches!(err, ApiError::Http { status: 401, .. }));
    }

    /// A model server: events newest first by (occurredAt, id), `before` exclusive.
    fn serve(all: &[WireEvent], fetch: &Fetch) -> Vec<WireEvent> {
        let before = fetch.before.as_deref().and_then(|b| DateTime::parse_from_rfc3339(b).ok()).map(|t| t.to_utc());
        all.iter()
            .filter(|e| before.is_none_or(|b| e.occurred().unwrap() < b))
            .take(fetch.limit as usize)
            .cloned()
            .collect()
    }

    fn event(id: usize, second: i64) -> WireEvent {
        WireEvent {
            id: Some(format!("{id:04}")),
            occurred_at: Some(iso(Utc.timestamp_opt(1_780_000_000 + second, 0).unwrap())),
            event_type: Some("scope_set".into()),
            ..Default::default()
        }
    }

    /// Walks to the end, following Widen steps; returns the ids in order and the steps taken.
    fn walk_all(all: &[WireEvent], limit: u32) -> (Vec<String>, Vec<Step>) {
        let mut walker = Walker::new(limit);
        let mut steps = Vec::new();
        let mut fetch = Some(walker.first_fetch_or_next());
        while let Some(f) = fetch {
            let step = walker.accept(&f, serve(all, &f));
            steps.push(step.clone());
            fetch = match step {
                Step::Widen(bigger) => Some(bigger),
                Step::Page => walker.older(),
                Step::End | Step::TieTooLarge { .. } => None,
            };
        }
        let mut ids = Vec::new();
        while walker.newer() {}
        loop {
            ids.extend(walker.current_page().unwrap_or(&[]).iter().filter_map(|e| e.id.clone()));
            if walker.current + 1 >= walker.pages.len() {
                break;
            }
            walker.current += 1;
        }
        (ids, steps)
    }

    #[test]
    fn tie_groups_across_page_boundaries_are_never_lost() {
        // 40 events; seconds with groups of 1, 3, 7 and 12 events (ids descending within a second).
        let mut all = Vec::new();
        let mut id = 1000;
        for (second, size) in [(100, 1), (90, 3), (80, 7), (70, 12), (60, 2), (50, 5), (40, 10)] {
            for _ in 0..size {
                all.push(event(id, second));
                id -= 1;
            }
        }
        for limit in [1, 2, 4, 5, 7, 50] {
            let (ids, _) = walk_all(&all, limit);
            let expected: Vec<String> = all.iter().filter_map(|e| e.id.clone()).collect();
            assert_eq!(ids, expected, "limit {limit}");
        }
    }

    #[test]
    fn a_tie_group_larger_than_a_page_widens_the_page() {
        let all: Vec<WireEvent> = (0..30).map(|i| event(500 - i, 10)).collect();
        let (ids, steps) = walk_all(&all, 8);
        assert_eq!(ids.len(), 30);
        assert!(steps.iter().any(|s| matches!(s, Step::Widen(f) if f.limit == 16)), "{steps:?}");
    }

    #[test]
    fn newer_returns_to_visited_pages_without_fetching() {
        let all: Vec<WireEvent> = (0..25).map(|i| event(900 - i, 100 - i as i64)).collect();
        let mut w = Walker::new(10);
        let f = w.first_fetch_or_next();
        assert_eq!(w.accept(&f, serve(&all, &f)), Step::Page);
        let f = w.older().unwrap();
        assert_eq!(w.accept(&f, serve(&all, &f)), Step::Page);
        assert_eq!(w.page_number(), 2);
        assert!(w.newer());
        assert_eq!(w.current_page().unwrap()[0].id.as_deref(), Some("0900"));
        assert_eq!(w.older(), None, "page 2 was visited: no fetch");
        assert_eq!(w.page_number(), 2);
        assert!(!w.has_newer() || w.page_number() > 1);
    }
}
