//! The Standfast sandbox against `standfast-identity-events.txt` and NOTES.md, in-process.

mod common;

use std::collections::{HashMap, HashSet};

use auditdeck_sandbox::standfast::data::{EVENT_TYPES, WORKSPACES};
use auditdeck_sandbox::standfast::{SANDBOX_KEY, missing_field, required_fields};
use axum::http::{Method, StatusCode};
use chrono::{DateTime, Duration};
use common::{Body, TestGateway};
use serde_json::Value;

const BEARER: &str = "Bearer sf_test_v1_auditdeck_sandbox";

fn path(workspace: &str, query: &str) -> String {
    format!("/sandbox/standfast/api/workspaces/{workspace}/identity-events{query}")
}

async fn get(gw: &TestGateway, workspace: &str, query: &str, auth: Option<&str>) -> (StatusCode, Value) {
    let (status, _, bytes) = gw.request(Method::GET, &path(workspace, query), auth, Body::Empty).await;
    let json =
        serde_json::from_slice(&bytes).unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes)));
    (status, json)
}

async fn events(gw: &TestGateway, workspace: &str, query: &str) -> Vec<Value> {
    let (status, json) = get(gw, workspace, query, Some(BEARER)).await;
    assert_eq!(status, StatusCode::OK, "{query}: {json}");
    json["events"].as_array().unwrap().clone()
}

fn occurred(e: &Value) -> DateTime<chrono::FixedOffset> {
    DateTime::parse_from_rfc3339(e["occurredAt"].as_str().unwrap()).unwrap()
}

fn ws() -> &'static str {
    WORKSPACES[0].0
}

/// The sandbox's contract table against the document's, kept as a fixture beside the app's tests.
#[test]
fn contracts_are_the_documents() {
    let path = format!("{}/../tests/fixtures/standfast_contracts.json", env!("CARGO_MANIFEST_DIR"));
    let document: std::collections::BTreeMap<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let types: Vec<&str> = document.keys().map(String::as_str).filter(|k| !k.starts_with('_')).collect();
    let mut ours = EVENT_TYPES.to_vec();
    ours.sort();
    assert_eq!(ours, types, "the 14 types");
    for (kind, name) in EVENT_TYPES.iter().enumerate() {
        let fields: Vec<&str> = document[*name].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
        assert_eq!(required_fields(kind as u8), fields.as_slice(), "{name}");
    }
}

#[test]
fn data_set_is_large_with_contacts_ties_all_types_and_a_few_contract_breakers() {
    let data = common::shared_data();
    let sf = &data.standfast;
    assert!(sf.len() >= 100_000, "{} events", sf.len());
    let contacts: HashSet<u32> = sf.by_workspace.iter().flatten().map(|e| e.person).collect();
    assert!(contacts.len() >= 3_000, "{} contacts", contacts.len());
    let kinds: HashSet<u8> = sf.by_workspace.iter().flatten().map(|e| e.kind).collect();
    assert_eq!(kinds.len(), EVENT_TYPES.len());
    let breakers = sf.by_workspace.iter().flatten().filter(|e| missing_field(e).is_some()).count();
    assert!(breakers > 50 && breakers * 100 < sf.len(), "{breakers} contract breakers");
    // Tie groups: many instants shared by several events, some larger than a 50-event page.
    let mut groups: HashMap<(usize, i64), usize> = HashMap::new();
    for (w, list) in sf.by_workspace.iter().enumerate() {
        for e in list {
            *groups.entry((w, e.occurred_s)).or_default() += 1;
        }
    }
    let tied = groups.values().filter(|n| **n > 1).count();
    let large = groups.values().filter(|n| **n > 50).count();
    let largest = groups.values().max().copied().unwrap_or(0);
    assert!(tied > 1_000, "{tied} tie groups");
    assert!(large >= 5, "{large} tie groups over 50");
    assert!(largest <= 500, "a tie group of {largest} cannot be paged past even at limit 500");
}

#[tokio::test]
async fn strict_mode_refuses_a_parameter_the_document_does_not_name() {
    let gw = TestGateway::new();
    let _profile = gw.sandbox.profiles.switch(auditdeck_sandbox::Profile { strict: true, ..Default::default() });
    let (status, json) = get(&gw, ws(), "?limit=5&skip=3", Some(BEARER)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");
    assert_eq!(json["message"], "unknown query parameter \"skip\"");
    events(&gw, ws(), "?limit=5&from=2026-01-01T00:00:00Z&type=factor_added,scope_set").await;
}

#[tokio::test]
async fn bearer_key_required_401_missing_403_wrong() {
    let gw = TestGateway::new();
    let (status, json) = get(&gw, ws(), "", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(json["message"].is_string());
    let (status, json) = get(&gw, ws(), "", Some("Bearer sf_live_v1_wrong")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(json["message"].is_string());
    let (status, _) = get(&gw, "00000000-0000-4000-8000-000000000000", "", Some(BEARER)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(SANDBOX_KEY, BEARER.trim_start_matches("Bearer "));
}

#[tokio::test]
async fn default_page_is_100_newest_first_by_occurred_at_then_id() {
    let gw = TestGateway::new();
    let list = events(&gw, ws(), "").await;
    assert_eq!(list.len(), 100);
    for pair in list.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert!(occurred(a) > occurred(b) || (occurred(a) == occurred(b) && a["id"].as_str() > b["id"].as_str()));
    }
    let keys: Vec<&str> = list[0].as_object().unwrap().keys().map(String::as_str).collect();
    for k in
        ["id", "tenantId", "conversationId", "occurredAt", "eventType", "scopeValues", "promptVersion", "createdAt"]
    {
        assert!(keys.contains(&k), "{k} missing from {keys:?}");
    }
}

#[tokio::test]
async fn limit_bounds_are_1_to_500() {
    let gw = TestGateway::new();
    assert_eq!(events(&gw, ws(), "?limit=1").await.len(), 1);
    assert_eq!(events(&gw, ws(), "?limit=500").await.len(), 500);
    for bad in ["0", "501", "-3", "ten"] {
        let (status, json) = get(&gw, ws(), &format!("?limit={bad}"), Some(BEARER)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(json["message"].as_str().unwrap().contains("limit"));
    }
}

#[tokio::test]
async fn from_and_to_are_inclusive_before_is_exclusive() {
    let gw = TestGateway::new();
    let page = events(&gw, ws(), "?limit=300").await;
    let t = page[150]["occurredAt"].as_str().unwrap().to_string();
    let at_t = page.iter().filter(|e| e["occurredAt"] == t.as_str()).count();
    let exactly = events(&gw, ws(), &format!("?from={t}&to={t}&limit=500")).await;
    assert_eq!(exactly.len(), at_t, "from/to inclusive: every event at {t}");
    assert!(exactly.iter().all(|e| e["occurredAt"] == t.as_str()));
    let before = events(&gw, ws(), &format!("?before={t}&limit=50")).await;
    assert!(before.iter().all(|e| occurred(e) < DateTime::parse_from_rfc3339(&t).unwrap()), "before is exclusive");
    for bad in ["from=yesterday", "to=2026-13-01T00:00:00Z", "before=12345"] {
        let (status, _) = get(&gw, ws(), &format!("?{bad}"), Some(BEARER)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
}

#[tokio::test]
async fn type_takes_a_comma_list_and_rejects_unknown_types() {
    let gw = TestGateway::new();
    let list = events(&gw, ws(), "?type=ani_blocked,scope_set&limit=200").await;
    assert!(!list.is_empty());
    assert!(list.iter().all(|e| e["eventType"] == "ani_blocked" || e["eventType"] == "scope_set"));
    let (status, json) = get(&gw, ws(), "?type=scope_set,login", Some(BEARER)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(json["message"].as_str().unwrap().contains("login"));
}

#[tokio::test]
async fn contact_filters_to_events_bound_to_that_contact() {
    let gw = TestGateway::new();
    let first = events(&gw, ws(), "?type=factor_added&limit=1").await;
    let contact = first[0]["factorBoundToPrincipal"].as_str().unwrap().to_string();
    let list = events(&gw, ws(), &format!("?contact={contact}&limit=500")).await;
    assert!(!list.is_empty());
    assert!(list.iter().all(|e| e["factorBoundToPrincipal"] == contact.as_str()));
    let (status, _) = get(&gw, ws(), "?contact=not-a-uuid", Some(BEARER)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn all_filters_combine_in_one_request() {
    let gw = TestGateway::new();
    // A contact with kbv events; their window; two types; the whole intersection, newest first.
    let first = events(&gw, ws(), "?type=kbv_question_asked&limit=1").await;
    let contact = first[0]["factorBoundToPrincipal"].as_str().unwrap().to_string();
    let all = events(&gw, ws(), &format!("?contact={contact}&limit=500")).await;
    let newest = occurred(&all[0]);
    let oldest = occurred(all.last().unwrap());
    let (from, to) = (oldest.to_rfc3339().replace('+', "%2B"), newest.to_rfc3339().replace('+', "%2B"));
    let query = format!("?contact={contact}&type=kbv_question_asked,kbv_question_passed&from={from}&to={to}&limit=500");
    let list = events(&gw, ws(), &query).await;
    let expected: Vec<&Value> = all
        .iter()
        .filter(|e| e["eventType"] == "kbv_question_asked" || e["eventType"] == "kbv_question_passed")
        .collect();
    assert!(!list.is_empty());
    assert_eq!(list.iter().collect::<Vec<_>>(), expected, "the intersection of every filter");
}

#[tokio::test]
async fn every_type_fills_its_required_fields_except_the_known_breakers() {
    let gw = TestGateway::new();
    let data = common::shared_data();
    for (kind, name) in EVENT_TYPES.iter().enumerate() {
        let list = events(&gw, ws(), &format!("?type={name}&limit=500")).await;
        assert!(!list.is_empty(), "{name}");
        let required = required_fields(kind as u8);
        let broken = list.iter().filter(|e| required.iter().any(|f| e[*f].is_null())).count();
        let known = data.standfast.by_workspace[0]
            .iter()
            .filter(|e| e.kind as usize == kind && missing_field(e).is_some())
            .count();
        assert!(broken <= known, "{name}: {broken} rows break the contract, {known} known breakers");
        assert!(broken * 20 <= list.len().max(20), "{name}: {broken} of {} break the contract", list.len());
    }
}

/// NOTES.md's tie-safe walk: re-ask with a bound just past the oldest occurredAt and drop ids
/// already seen; when one instant fills a whole page, ask for a bigger page.
async fn walk(gw: &TestGateway, workspace: &str, filter: &str, limit: usize) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut order = Vec::new();
    let mut before: Option<String> = None;
    let mut page_limit = limit;
    loop {
        let bound = before.as_ref().map(|b| format!("&before={b}")).unwrap_or_default();
        let page = events(gw, workspace, &format!("?limit={page_limit}{filter}{bound}")).await;
        let fresh: Vec<&Value> = page.iter().filter(|e| !seen.contains(e["id"].as_str().unwrap())).collect();
        if page.is_empty() || (fresh.is_empty() && page.len() < page_limit) {
            return order;
        }
        if fresh.is_empty() {
            assert!(page_limit < 500, "a single instant holds more than 500 events");
            page_limit = (page_limit * 2).min(500);
            continue;
        }
        for e in &fresh {
            let id = e["id"].as_str().unwrap().to_string();
            seen.insert(id.clone());
            order.push(id);
        }
        let oldest = page.iter().map(occurred).min().unwrap();
        before = Some((oldest + Duration::milliseconds(1)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
        page_limit = limit;
    }
}

#[tokio::test]
async fn walking_back_with_ties_yields_every_matching_event_exactly_once() {
    let gw = TestGateway::new();
    let data = common::shared_data();
    // A filtered set that crosses batch instants, walked with small pages so groups straddle them.
    let (w, workspace) = (1, WORKSPACES[1].0);
    let list = &data.standfast.by_workspace[w];
    let mut sizes: HashMap<i64, usize> = HashMap::new();
    for e in list {
        *sizes.entry(e.occurred_s).or_default() += 1;
    }
    let (&big_instant, _) = sizes.iter().filter(|(_, n)| **n > 20).max_by_key(|(t, _)| **t).unwrap();
    let to = chrono::DateTime::from_timestamp(big_instant + 3 * 86_400, 0).unwrap().to_rfc3339();
    let from = chrono::DateTime::from_timestamp(big_instant - 20 * 86_400, 0).unwrap().to_rfc3339();
    let filter = format!("&from={}&to={}", from.replace('+', "%2B"), to.replace('+', "%2B"));
    let ids = walk(&gw, workspace, &filter, 7).await;
    let expected: Vec<String> = list
        .iter()
        .filter(|e| e.occurred_s * 1000 >= chrono::DateTime::parse_from_rfc3339(&from).unwrap().timestamp_millis())
        .filter(|e| e.occurred_s * 1000 <= chrono::DateTime::parse_from_rfc3339(&to).unwrap().timestamp_millis())
        .map(|e| auditdeck_sandbox::dataset::format_uuid(e.id))
        .collect();
    assert!(expected.len() > 100, "{} events in the window", expected.len());
    assert_eq!(ids.len(), HashSet::<&String>::from_iter(&ids).len(), "no event twice");
    assert_eq!(ids, expected, "every event once, in the documented order");

    // And a type filter walked with pages smaller than the tie groups.
    let ids = walk(&gw, workspace, "&type=kbv_question_asked,risk_signal_raised", 50).await;
    let expected = list
        .iter()
        .filter(|e| matches!(EVENT_TYPES[e.kind as usize], "kbv_question_asked" | "risk_signal_raised"))
        .count();
    assert_eq!(ids.len(), expected);
    assert_eq!(HashSet::<&String>::from_iter(&ids).len(), expected);
}

#[tokio::test]
async fn events_added_while_running_come_first_and_from_the_newest_seen_finds_them() {
    let gw = TestGateway::new();
    let before = events(&gw, ws(), "?limit=5").await;
    let newest_seen = before[0]["occurredAt"].as_str().unwrap().to_string();
    let added = gw.sandbox.standfast.insert_now(0, 3);
    assert_eq!(added.len(), 3);
    let after = events(&gw, ws(), "?limit=8").await;
    let ids: Vec<&str> = after.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids[..3], added.iter().map(String::as_str).collect::<Vec<_>>()[..], "the added events lead");
    assert_eq!(after[3..], before[..], "the history follows them unchanged");
    // `from` is inclusive: the newest seen instant comes back with the new ones.
    let since = events(&gw, ws(), &format!("?from={newest_seen}&limit=500")).await;
    assert!(since.iter().take(3).map(|e| e["id"].as_str().unwrap()).eq(added.iter().map(String::as_str)));
    assert!(since.iter().any(|e| e["id"] == before[0]["id"]), "from is inclusive");
    // Another workspace is untouched, and the added events pass the type filter like any other.
    assert!(
        events(&gw, WORKSPACES[1].0, "?limit=3")
            .await
            .iter()
            .all(|e| !added.contains(&e["id"].as_str().unwrap().to_string()))
    );
    let kind = after[0]["eventType"].as_str().unwrap();
    assert_eq!(events(&gw, ws(), &format!("?type={kind}&limit=1")).await[0]["id"], after[0]["id"]);
}
