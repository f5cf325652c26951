//! The Iden sandbox against `iden-events-api.txt`, in-process.

mod common;

use std::collections::HashSet;

use auditdeck_sandbox::Profile;
use auditdeck_sandbox::iden::data::{category, severity};
use auditdeck_sandbox::iden::{MAX_LIMIT, ORG_SLUG};
use auditdeck_sandbox::profile::RetryAfter;
use auditdeck_server::GatewayConfig;
use axum::http::{Method, StatusCode, header};
use common::{Body, TestGateway};
use serde_json::Value;

const AUTH: &str = "Api-Key iden_sandbox_auditdeck_key";

fn gateway(rate_limit: u32) -> TestGateway {
    let config = GatewayConfig { sandbox_iden_rate_limit: rate_limit, ..GatewayConfig::default() };
    TestGateway::with(config, "/nonexistent".into(), |_| None)
}

async fn get(gw: &TestGateway, query: &str, auth: Option<&str>) -> (StatusCode, axum::http::HeaderMap, Value) {
    let path = format!("/sandbox/iden/org/{ORG_SLUG}/api/events/{query}");
    let (status, headers, bytes) = gw.request(Method::GET, &path, auth, Body::Empty).await;
    let json =
        serde_json::from_slice(&bytes).unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes)));
    (status, headers, json)
}

async fn ok(gw: &TestGateway, query: &str) -> Value {
    let (status, _, json) = get(gw, query, Some(AUTH)).await;
    assert_eq!(status, StatusCode::OK, "{query}: {json}");
    json
}

fn results(json: &Value) -> &Vec<Value> {
    json["results"].as_array().unwrap()
}

/// Follows next_cursor to the end; returns every event id in order.
async fn walk(gw: &TestGateway, filter: &str, limit: usize) -> Vec<String> {
    let mut ids = Vec::new();
    let mut query = format!("?limit={limit}{filter}");
    loop {
        let page = ok(gw, &query).await;
        ids.extend(results(&page).iter().map(|e| e["event_id"].as_str().unwrap().to_string()));
        match page["next_cursor"].as_str() {
            Some(cursor) => query = format!("?limit={limit}{filter}&cursor={cursor}"),
            None => return ids,
        }
    }
}

#[test]
fn every_actor_subject_and_source_type_and_every_catalog_type_occurs() {
    use auditdeck_sandbox::iden::data::{ACTOR_TYPES, EVENT_TYPES, SOURCE_TYPES, SUBJECT_TYPES};
    let data = common::shared_data();
    let count = |f: &dyn Fn(&auditdeck_sandbox::iden::data::Event) -> u8| {
        data.iden.iter().map(f).collect::<HashSet<u8>>().len()
    };
    assert_eq!(count(&|e| e.actor_type), ACTOR_TYPES.len());
    assert_eq!(count(&|e| e.subject_type), SUBJECT_TYPES.len());
    assert_eq!(count(&|e| e.source_type), SOURCE_TYPES.len());
    assert_eq!(count(&|e| e.kind), EVENT_TYPES.len());
}

#[tokio::test]
async fn api_key_required() {
    let gw = gateway(0);
    let (status, _, json) = get(&gw, "", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(json["detail"].is_string());
    let (status, _, json) = get(&gw, "", Some("Api-Key wrong")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(json["detail"].is_string());
    let (status, _, _) =
        gw.request(Method::GET, "/sandbox/iden/org/other-org/api/events/", Some(AUTH), Body::Empty).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn envelope_default_limit_max_limit_and_order() {
    let gw = gateway(0);
    assert!(gw.sandbox.iden.len() >= 100_000);
    let page = ok(&gw, "").await;
    assert_eq!(results(&page).len(), 50);
    assert!(page["next_cursor"].is_string());
    assert_eq!(results(&ok(&gw, "?limit=500").await).len(), MAX_LIMIT);
    let times: Vec<&str> = results(&page).iter().map(|e| e["occurred_at"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    for e in results(&page) {
        let t = e["event_type"].as_str().unwrap();
        assert_eq!(e["severity"], severity(t), "{t}");
        assert_eq!(e["category"], category(t), "{t}");
        assert_eq!(e["event_version"], 1);
        assert!(["user", "system", "service", "iden_admin"].contains(&e["actor"]["type"].as_str().unwrap()));
        assert!(e["subject"]["type"].is_string() && e["source"]["type"].is_string() && e["payload"].is_object());
    }
}

#[tokio::test]
async fn each_filter_alone() {
    let gw = gateway(0);
    let check = |json: &Value, what: &str, pred: &dyn Fn(&Value) -> bool| {
        let list = results(json);
        assert!(!list.is_empty(), "{what}: no results");
        assert!(list.iter().all(pred), "{what}");
    };
    check(&ok(&gw, "?event_type=task.failed").await, "event_type", &|e| e["event_type"] == "task.failed");
    check(&ok(&gw, "?event_type_prefix=app.sync.").await, "prefix", &|e| {
        e["event_type"].as_str().unwrap().starts_with("app.sync.")
    });
    check(&ok(&gw, "?category=authorization").await, "category", &|e| e["category"] == "authorization");
    check(&ok(&gw, "?severity=critical,high").await, "severity", &|e| {
        e["severity"] == "critical" || e["severity"] == "high"
    });
    let page = ok(&gw, "?limit=200").await;
    let mid = results(&page)[100]["occurred_at"].as_str().unwrap().to_string();
    check(&ok(&gw, &format!("?occurred_at__lte={mid}")).await, "lte", &|e| {
        e["occurred_at"].as_str().unwrap() <= mid.as_str()
    });
    check(&ok(&gw, &format!("?occurred_at__gte={mid}")).await, "gte", &|e| {
        e["occurred_at"].as_str().unwrap() >= mid.as_str()
    });
    let with_actor =
        results(&page).iter().find(|e| e["actor"]["uuid"].is_string() && e["actor"]["ip"].is_string()).unwrap();
    let actor = with_actor["actor"]["uuid"].as_str().unwrap();
    let ip = with_actor["actor"]["ip"].as_str().unwrap();
    let subject = with_actor["subject"]["uuid"].as_str().unwrap();
    check(&ok(&gw, &format!("?actor_uuid={actor}")).await, "actor_uuid", &|e| e["actor"]["uuid"] == actor);
    check(&ok(&gw, &format!("?subject_uuid={subject}")).await, "subject_uuid", &|e| e["subject"]["uuid"] == subject);
    check(&ok(&gw, &format!("?actor_ip={ip}")).await, "actor_ip", &|e| e["actor"]["ip"] == ip);
}

#[tokio::test]
async fn filters_combine() {
    let gw = gateway(0);
    let all = walk(&gw, "&category=authentication&severity=high,critical&event_type_prefix=session.", 200).await;
    let page = ok(&gw, "?category=authentication&severity=high,critical&event_type_prefix=session.&limit=200").await;
    assert!(results(&page).iter().all(|e| e["category"] == "authentication"
        && (e["severity"] == "high" || e["severity"] == "critical")
        && e["event_type"].as_str().unwrap().starts_with("session.")));
    let login_failed = walk(&gw, "&event_type=session.login.failed", 200).await.len();
    let ip_blocked = walk(&gw, "&event_type=session.ip_blocked", 200).await.len();
    assert_eq!(all.len(), login_failed + ip_blocked);
}

#[tokio::test]
async fn invalid_parameters_are_400_with_detail() {
    let gw = gateway(0);
    for bad in [
        "event_type_prefix=session",
        "category=everything",
        "severity=high,urgent",
        "occurred_at__gte=yesterday",
        "actor_uuid=12",
        "actor_ip=999.1.1.1",
    ] {
        let (status, _, json) = get(&gw, &format!("?{bad}"), Some(AUTH)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(json["detail"].as_str().is_some_and(|d| !d.is_empty()), "{bad}");
    }
    let (status, _, json) = get(&gw, "?cursor=bm9wZQ", Some(AUTH)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(json["detail"], "Invalid cursor");
}

#[tokio::test]
async fn paging_a_filtered_set_yields_every_event_once_and_ends_with_null() {
    let gw = gateway(0);
    let ids = walk(&gw, "&event_type_prefix=ticket.", 137).await;
    let expected = gw
        .data
        .iden
        .iter()
        .filter(|e| auditdeck_sandbox::iden::data::EVENT_TYPES[e.kind as usize].starts_with("ticket."));
    assert_eq!(ids.len(), expected.count());
    assert_eq!(HashSet::<&String>::from_iter(&ids).len(), ids.len());
}

#[tokio::test]
async fn paging_stays_exact_while_events_arrive_and_previous_cursor_finds_them() {
    let gw = gateway(0);
    // The reading in which the first page carries a previous_cursor.
    let _profile =
        gw.sandbox.profiles.switch(Profile { iden_first_page_previous_cursor: true, ..gw.sandbox.profiles.current() });
    let first = ok(&gw, "?limit=200&event_type_prefix=task.").await;
    let mut ids: Vec<String> = results(&first).iter().map(|e| e["event_id"].as_str().unwrap().to_string()).collect();
    let mut cursor = first["next_cursor"].as_str().unwrap().to_string();
    let mut inserted = Vec::new();
    for round in 0.. {
        // New events arrive while the walk goes on (30 in all: one newer page holds them).
        if round < 10 {
            inserted.extend(gw.sandbox.iden.insert_now(3));
        }
        let page = ok(&gw, &format!("?limit=200&event_type_prefix=task.&cursor={cursor}")).await;
        ids.extend(results(&page).iter().map(|e| e["event_id"].as_str().unwrap().to_string()));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => break,
        }
    }
    let expected = gw
        .data
        .iden
        .iter()
        .filter(|e| auditdeck_sandbox::iden::data::EVENT_TYPES[e.kind as usize].starts_with("task."))
        .count();
    assert_eq!(ids.len(), expected, "the original set, no more, no less");
    assert_eq!(HashSet::<&String>::from_iter(&ids).len(), ids.len(), "no duplicates");

    // The first page's previous_cursor now returns the new events (those of the filter).
    let newer = ok(&gw, &format!("?limit=200&cursor={}", first["previous_cursor"].as_str().unwrap())).await;
    let new_ids: HashSet<String> =
        results(&newer).iter().map(|e| e["event_id"].as_str().unwrap().to_string()).collect();
    assert!(!inserted.is_empty());
    assert!(inserted.iter().all(|id| new_ids.contains(id)), "every inserted event is newer than page 1");
}

/// The default reading: a Django REST framework cursor paginator's, with no previous_cursor where
/// nothing is newer than the page (the first page), and one on every later page.
#[tokio::test]
async fn previous_cursor_is_null_on_the_first_page_and_set_below_it() {
    let gw = gateway(0);
    let first = ok(&gw, "?limit=5&event_type_prefix=task.").await;
    assert_eq!(first["previous_cursor"], Value::Null);
    let second =
        ok(&gw, &format!("?limit=5&event_type_prefix=task.&cursor={}", first["next_cursor"].as_str().unwrap())).await;
    let back =
        ok(&gw, &format!("?limit=5&event_type_prefix=task.&cursor={}", second["previous_cursor"].as_str().unwrap()))
            .await;
    assert_eq!(results(&back), results(&first), "page 2's previous_cursor leads back to page 1");
    assert_eq!(back["previous_cursor"], Value::Null, "nothing is newer than page 1");
}

/// The request log keeps requests (the Authorization header too, never shown in debug output)
/// only when the config asks; otherwise it counts them.
#[tokio::test]
async fn the_request_log_keeps_requests_only_when_asked() {
    let counting = gateway(0);
    ok(&counting, "?limit=1").await;
    assert_eq!((counting.sandbox.request_count(), counting.sandbox.wire.since(0).len()), (1, 0));

    let config = GatewayConfig { sandbox_iden_rate_limit: 0, sandbox_request_log: true, ..GatewayConfig::default() };
    let logging = TestGateway::with(config, "/nonexistent".into(), |_| None);
    ok(&logging, "?limit=2&severity=high,low").await;
    let kept = logging.sandbox.wire.since(0);
    assert_eq!(kept.len(), 1);
    let request = &kept[0];
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("GET", "/sandbox/iden/org/auditdeck-sandbox/api/events/")
    );
    assert_eq!(
        request.query,
        [("limit".to_string(), "2".to_string()), ("severity".to_string(), "high,low".to_string())]
    );
    assert_eq!(request.authorization.as_deref(), Some(AUTH));
    let shown = format!("{request:?}");
    assert!(!shown.contains("iden_sandbox_auditdeck_key") && shown.contains("[redacted]"), "{shown}");
}

#[tokio::test]
async fn a_400_as_field_errors_in_that_reading() {
    use auditdeck_sandbox::profile::BadRequest;
    let gw = gateway(0);
    let (status, _, json) = get(&gw, "?severity=urgent", Some(AUTH)).await;
    assert_eq!((status, json["detail"].is_string()), (StatusCode::BAD_REQUEST, true), "{json}");
    let _profile =
        gw.sandbox.profiles.switch(Profile { iden_bad_request: BadRequest::FieldErrors, ..Profile::default() });
    let (status, _, json) = get(&gw, "?severity=urgent", Some(AUTH)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(json["severity"][0], "severity: \"urgent\" is not one of critical, high, medium, low, info.", "{json}");
}

#[tokio::test]
async fn strict_mode_refuses_a_parameter_the_document_does_not_name() {
    let gw = gateway(0);
    let _profile = gw.sandbox.profiles.switch(Profile { strict: true, ..Profile::default() });
    let (status, _, json) = get(&gw, "?limit=5&page=2", Some(AUTH)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json["detail"], "Unknown query parameter \"page\".");
    ok(&gw, "?limit=5&severity=high,critical&occurred_at__gte=2026-01-01T00:00:00Z&event_type_prefix=task.").await;
}

#[tokio::test]
async fn retry_after_as_an_http_date_in_that_profile() {
    let gw = gateway(0);
    let _profile = gw.sandbox.profiles.switch(Profile { iden_retry_after: RetryAfter::HttpDate, ..Profile::default() });
    gw.sandbox.iden.throttle_for(std::time::Duration::from_secs(30));
    let (status, headers, _) = get(&gw, "?limit=1", Some(AUTH)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let text = headers[header::RETRY_AFTER].to_str().unwrap();
    let at = chrono::DateTime::parse_from_rfc2822(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
    assert!(text.ends_with(" GMT"), "{text}");
    let wait = at.timestamp() - chrono::Utc::now().timestamp();
    assert!((29..=32).contains(&wait), "{text}: {wait} s");
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let gw = gateway(3);
    for _ in 0..3 {
        ok(&gw, "?limit=1").await;
    }
    let (status, headers, json) = get(&gw, "?limit=1", Some(AUTH)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = headers[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(json["detail"], format!("Request was throttled. Expected available in {wait} seconds."));
}

#[tokio::test]
async fn the_default_rate_limit_is_the_vendors_60_a_minute() {
    let gw = TestGateway::new();
    for i in 0..60 {
        let (status, _, _) = get(&gw, "?limit=1", Some(AUTH)).await;
        assert_eq!(status, StatusCode::OK, "request {}", i + 1);
    }
    let (status, _, _) = get(&gw, "?limit=1", Some(AUTH)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_forced_throttle_answers_429_until_it_ends() {
    let gw = gateway(0);
    gw.sandbox.iden.throttle_for(std::time::Duration::from_millis(1500));
    let (status, headers, json) = get(&gw, "?limit=1", Some(AUTH)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(headers[header::RETRY_AFTER], "2");
    assert_eq!(json["detail"], "Request was throttled. Expected available in 2 seconds.");
    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
    ok(&gw, "?limit=1").await;
}

#[tokio::test]
async fn a_throttle_from_the_next_request_starts_with_that_request() {
    let gw = gateway(0);
    let throttle = gw.sandbox.iden.throttle_from_next_request(std::time::Duration::from_secs(30));
    // Armed, not started: nothing is throttled before the first request, however long that takes.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, headers, _) = get(&gw, "?limit=1", Some(AUTH)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(headers[header::RETRY_AFTER], "30");
    let (status, _, _) = get(&gw, "?limit=1", Some(AUTH)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    drop(throttle);
    ok(&gw, "?limit=1").await;
}
