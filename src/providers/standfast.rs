//! Standfast identity events (`standfast-identity-events.txt`, decisions in NOTES.md):
//! `GET {base}/api/workspaces/{workspace_id}/identity-events?from=&to=&type=&contact=&before=&limit=`
//! with `Authorization: Bearer <key>`. Newest first; paging back with `before`, which is
//! exclusive, so a [`Position`] re-asks just past the oldest `occurredAt` of a page and skips
//! the events of that instant already shown (NOTES.md: the tie problem).

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde::Deserialize;

use super::{
    ApiError, HttpRequest, HttpResponse, Method, RequestBody, encode, encode_segment, error_excerpt, unreadable_body,
};

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

/// `events` is required: a 200 without it is not "no events", and the parse error names it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ListResponse {
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
/// A workspace id as the document shows it: a UUID (8-4-4-4-12 hex digits). It is a path
/// segment of every request, so nothing else may reach it.
pub fn check_workspace(workspace: &str) -> Result<(), String> {
    let groups: Vec<&str> = workspace.split('-').collect();
    let ok = groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()));
    if ok { Ok(()) } else { Err(format!("the Standfast workspace {workspace:?} is not a UUID")) }
}

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
    let mut url = format!(
        "{}/api/workspaces/{}/identity-events",
        base_url.trim_end_matches('/'),
        encode_segment(workspace_id.trim())
    );
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
            Err(_) => ApiError::Http { status, excerpt: error_excerpt(&response.body, 160) },
        });
    }
    serde_json::from_str::<ListResponse>(&response.body)
        .map(|r| r.events)
        .map_err(|e| unreadable_body(status, e, &response.body))
}

/// `occurredAt` of a raw event, when it is a readable time.
pub fn raw_occurred(raw: &serde_json::Value) -> Option<DateTime<Utc>> {
    let text = raw.get("occurredAt")?.as_str()?;
    DateTime::parse_from_rfc3339(text.trim()).ok().map(|t| t.to_utc())
}

/// Reads one raw event; malformed fields make the event unreadable, not the page.
pub fn read_event(raw: &serde_json::Value) -> Option<WireEvent> {
    // Read in place: copying each record first cost about as much as parsing the whole page.
    WireEvent::deserialize(raw).ok()
}

/// What to ask the vendor for to show a page at a [`Position`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetch {
    pub before: Option<String>,
    pub limit: u32,
}

/// Where a page of a walk back through a listing starts. It is plain data, so it lives in the
/// URL: a pasted link reopens the same page without replaying the walk.
///
/// `before` alone cannot say where a page starts: several events can share one instant (a tie
/// group), and a page boundary can fall inside it. So the next page asks for everything before
/// the instant just *after* the oldest one shown and skips the events of that instant that were
/// already shown (`skip`). The vendor lists one instant's events in a fixed order (the sandbox:
/// ids descending); the views also flag any id seen twice, so a vendor that reorders is visible.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct Position {
    /// The vendor's `before` bound (exclusive, NOTES.md; an inclusive one also works, see
    /// [`take_page`]); None for the newest events.
    pub before: Option<String>,
    /// Events at the newest instant under `before` already shown on earlier pages.
    pub skip: u32,
}

impl Position {
    /// The instant just under `before`, where the skipped events are.
    fn boundary(&self) -> Option<DateTime<Utc>> {
        let before = DateTime::parse_from_rfc3339(self.before.as_deref()?).ok()?;
        Some(before.to_utc() - Duration::milliseconds(1))
    }

    /// The request that yields this page of `page_size` events.
    pub fn fetch(&self, page_size: u32) -> Fetch {
        Fetch { before: self.before.clone(), limit: (page_size.clamp(1, MAX_LIMIT) + self.skip).min(MAX_LIMIT) }
    }
}

/// What a response makes of the page at a position.
#[derive(Debug, Clone, PartialEq)]
pub enum Step<T> {
    /// The page, and where the next older page starts (None: this is the last page).
    Page { events: Vec<T>, older: Option<Position> },
    /// Nothing at or after this position.
    End,
    /// More events share one instant than the vendor returns in one response ([`MAX_LIMIT`]):
    /// the rest of that instant cannot be reached by `before` paging.
    TieTooLarge { at: String },
}

/// Cuts the page at `position` out of the response to `position.fetch(page_size)`; `occurred`
/// reads an event's `occurredAt` (events are raw JSON in the views, wire structs in tests).
pub fn take_page<T>(
    position: &Position,
    page_size: u32,
    fetch: &Fetch,
    events: Vec<T>,
    occurred: impl Fn(&T) -> Option<DateTime<Utc>>,
) -> Step<T> {
    let full = events.len() as u32 >= fetch.limit;
    let boundary = position.boundary();
    let mut to_skip = if boundary.is_some() { position.skip } else { 0 };
    let mut rest = Vec::with_capacity(events.len());
    for e in events {
        let at = occurred(&e);
        // A vendor whose `before` is inclusive also returns what sits at the bound, just after
        // the oldest instant shown: newer than it, so shown already (NOTES.md: either reading).
        let at_or_past_bound = boundary.is_some_and(|b| at.is_some_and(|t| t > b));
        if at_or_past_bound {
            continue;
        }
        if to_skip > 0 && at == boundary {
            to_skip -= 1;
        } else {
            rest.push(e);
        }
    }
    let more_in_response = rest.len() > page_size as usize;
    rest.truncate(page_size.clamp(1, MAX_LIMIT) as usize);
    if rest.is_empty() {
        return if full { Step::TieTooLarge { at: boundary.map(iso).unwrap_or_default() } } else { Step::End };
    }
    let older = (full || more_in_response).then(|| rest.iter().filter_map(&occurred).min()).flatten().map(|oldest| {
        let mut skip = rest.iter().filter(|e| occurred(e) == Some(oldest)).count() as u32;
        if Some(oldest) == boundary {
            skip += position.skip;
        }
        Position { before: Some(iso(oldest + Duration::milliseconds(1))), skip }
    });
    Step::Page { events: rest, older }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_page_without_events_is_an_error_that_names_it() {
        let err = parse_list(&HttpResponse::new(200, r#"{"data": []}"#)).unwrap_err();
        assert!(
            matches!(&err, ApiError::Malformed { status: 200, detail } if detail.contains("missing field `events`")),
            "{err:?}"
        );
    }

    /// The app's contract table against the document's, kept as a fixture.
    #[test]
    fn contracts_are_the_documents() {
        let text =
            std::fs::read_to_string(format!("{}/tests/fixtures/standfast_contracts.json", env!("CARGO_MANIFEST_DIR")))
                .unwrap();
        let document: std::collections::BTreeMap<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
        let types: Vec<&str> = document.keys().map(String::as_str).filter(|k| !k.starts_with('_')).collect();
        let mut ours: Vec<&str> = EVENT_TYPES.iter().map(|(t, _)| *t).collect();
        ours.sort();
        assert_eq!(ours, types, "the 14 types");
        for name in types {
            let fields: Vec<&str> = document[name].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
            assert_eq!(required_fields(name), fields.as_slice(), "{name}");
        }
    }

    #[test]
    fn the_workspace_must_be_a_uuid() {
        assert!(check_workspace("6f1c2a4e-8b1d-4c55-9a51-0c7f2d9e4a10").is_ok());
        for bad in ["", "..", "ws-1", "6f1c2a4e-8b1d-4c55-9a51-0c7f2d9e4a1", "6f1c2a4e/8b1d-4c55-9a51-0c7f2d9e4a10"] {
            assert!(check_workspace(bad).unwrap_err().contains("is not a UUID"), "{bad}");
        }
    }

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

    /// Walks to the end from the first page; returns the ids in order and the positions used.
    fn walk_all(all: &[WireEvent], page_size: u32) -> (Vec<String>, Vec<Position>) {
        let mut position = Some(Position::default());
        let (mut ids, mut positions) = (Vec::new(), Vec::new());
        while let Some(p) = position.take() {
            let fetch = p.fetch(page_size);
            positions.push(p.clone());
            match take_page(&p, page_size, &fetch, serve(all, &fetch), WireEvent::occurred) {
                Step::Page { events, older } => {
                    assert!(events.len() <= page_size as usize);
                    ids.extend(events.iter().filter_map(|e| e.id.clone()));
                    position = older;
                }
                Step::End => {}
                Step::TieTooLarge { at } => panic!("tie at {at}"),
            }
        }
        (ids, positions)
    }

    #[test]
    fn tie_groups_across_page_boundaries_are_never_lost_or_repeated() {
        // 40 events; seconds with groups of 1, 3, 7 and 12 events (ids descending within a second).
        let mut all = Vec::new();
        let mut id = 1000;
        for (second, size) in [(100, 1), (90, 3), (80, 7), (70, 12), (60, 2), (50, 5), (40, 10)] {
            for _ in 0..size {
                all.push(event(id, second));
                id -= 1;
            }
        }
        let expected: Vec<String> = all.iter().filter_map(|e| e.id.clone()).collect();
        for page_size in [1, 2, 4, 5, 7, 40, 50] {
            let (ids, _) = walk_all(&all, page_size);
            assert_eq!(ids, expected, "page size {page_size}");
        }
    }

    /// A vendor whose `before` is inclusive, with times in milliseconds: the event sitting at
    /// the bound (1 ms after the oldest shown) comes back, and is not shown twice.
    #[test]
    fn an_inclusive_before_with_millisecond_times_repeats_nothing() {
        let at = |id: usize, ms: i64| WireEvent {
            id: Some(format!("{id:04}")),
            occurred_at: Some(iso(Utc.timestamp_millis_opt(1_780_000_000_000 + ms).unwrap())),
            ..Default::default()
        };
        // Newest first: 0009 at +9 ms … 0000 at +0 ms, with 0005 and 0004 sharing +4 ms.
        let all: Vec<WireEvent> = [(9, 9), (8, 8), (7, 7), (6, 6), (5, 4), (4, 4), (3, 3), (2, 2), (1, 1), (0, 0)]
            .map(|(id, ms)| at(id, ms))
            .into();
        let inclusive = |fetch: &Fetch| -> Vec<WireEvent> {
            let before = fetch.before.as_deref().and_then(|b| DateTime::parse_from_rfc3339(b).ok()).map(|t| t.to_utc());
            all.iter()
                .filter(|e| before.is_none_or(|b| e.occurred().unwrap() <= b))
                .take(fetch.limit as usize)
                .cloned()
                .collect()
        };
        let mut position = Some(Position::default());
        let mut ids = Vec::new();
        while let Some(p) = position.take() {
            let fetch = p.fetch(3);
            match take_page(&p, 3, &fetch, inclusive(&fetch), WireEvent::occurred) {
                Step::Page { events, older } => {
                    ids.extend(events.into_iter().filter_map(|e| e.id));
                    position = older;
                }
                Step::End => {}
                Step::TieTooLarge { at } => panic!("tie at {at}"),
            }
        }
        let want: Vec<String> = (0..10).rev().map(|id| format!("{id:04}")).collect();
        assert_eq!(ids, want);
    }

    #[test]
    fn a_position_reopens_the_same_page_on_its_own() {
        let all: Vec<WireEvent> = (0..30).map(|i| event(500 - i, 10 - (i as i64) / 12)).collect();
        let (_, positions) = walk_all(&all, 8);
        let third = positions[2].clone();
        assert_eq!(third.before.as_deref(), Some("2026-05-28T20:26:49.001Z"));
        assert_eq!(third.skip, 4, "4 of the 12 events of that second were on page 2");
        let fetch = third.fetch(8);
        assert_eq!(fetch.limit, 12);
        let Step::Page { events, .. } = take_page(&third, 8, &fetch, serve(&all, &fetch), WireEvent::occurred) else {
            panic!()
        };
        let ids: Vec<_> = events.iter().filter_map(|e| e.id.clone()).collect();
        assert_eq!(ids.first().map(String::as_str), Some("0484"));
        assert_eq!(ids.len(), 8);
    }

    #[test]
    fn a_tie_group_bigger_than_the_vendor_maximum_is_reported() {
        let all: Vec<WireEvent> = (0..600).map(|i| event(5000 - i, 10)).collect();
        let first = Position::default();
        let fetch = first.fetch(MAX_LIMIT);
        let Step::Page { older: Some(next), .. } =
            take_page(&first, MAX_LIMIT, &fetch, serve(&all, &fetch), WireEvent::occurred)
        else {
            panic!()
        };
        assert_eq!(next.skip, 500);
        let fetch = next.fetch(MAX_LIMIT);
        assert!(matches!(
            take_page(&next, MAX_LIMIT, &fetch, serve(&all, &fetch), WireEvent::occurred),
            Step::TieTooLarge { .. }
        ));
    }

    #[test]
    fn an_empty_listing_ends_at_once() {
        let p = Position::default();
        assert_eq!(take_page(&p, 10, &p.fetch(10), Vec::<WireEvent>::new(), WireEvent::occurred), Step::End);
    }
}
