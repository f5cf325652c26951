//! The ID.me sandbox against `idme-event-audit-logging-api.md` and NOTES.md, in-process.

mod common;

use axum::http::{Method, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::{Body, TestGateway, multipart, urlencoded};
use serde_json::Value;

use auditdeck_sandbox::Profile;
use auditdeck_sandbox::dataset::{HOT_IPS, IDME_EVENT_TYPES, SAMPLE_USER_UUIDS};
use auditdeck_sandbox::idme::{PAGE_SIZE, SANDBOX_SECRET, SANDBOX_SECRET_INTERNAL_ERROR};

const SEARCH: &str = "/sandbox/idme/api/v1/events/search";

fn idme_auth(secret: &str) -> String {
    format!("ID.me {}", BASE64.encode(secret))
}

fn bearer_auth(secret: &str) -> String {
    format!("Bearer ID.me {}", BASE64.encode(secret))
}

fn user_path(uuid: &str) -> String {
    format!("/sandbox/idme/api/v1/events/user/{uuid}")
}

async fn post(gw: &TestGateway, path: &str, auth: Option<&str>, body: Body) -> (StatusCode, Value) {
    let (status, _, bytes) = gw.request(Method::POST, path, auth, body).await;
    let json =
        serde_json::from_slice(&bytes).unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes)));
    (status, json)
}

fn busiest_ip(gw: &TestGateway) -> (String, usize) {
    let (ip, n) = gw.data.busiest_ips(1)[0];
    (ip.to_string(), n)
}

#[tokio::test]
async fn search_by_ip_first_page_with_multipart_as_curl_sends_it() {
    let gw = TestGateway::new();
    let (ip, total) = busiest_ip(&gw);
    let (status, json) = post(&gw, SEARCH, Some(&idme_auth(SANDBOX_SECRET)), multipart(&[("ipaddress", &ip)])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["events"].as_array().unwrap().len(), PAGE_SIZE);
    let meta = &json["meta"];
    assert_eq!(meta["current_page"], 1);
    assert_eq!(meta["next_page"], 2);
    assert!(meta["prev_page"].is_null(), "prev_page must be null on page 1: {meta}");
    assert_eq!(meta["total_count"], total);
    assert_eq!(meta["total_pages"], total.div_ceil(PAGE_SIZE));
    assert!(total >= 20_000, "the busiest IP should have tens of thousands of events");
}

/// Strict mode refuses what the document does not describe, in its `{code, message}` shape.
#[tokio::test]
async fn strict_mode_refuses_other_encodings_unknown_fields_and_other_schemes() {
    let gw = TestGateway::new();
    let _profile = gw.sandbox.profiles.switch(Profile { strict: true, ..Profile::default() });
    let (ip, _) = busiest_ip(&gw);
    let auth = idme_auth(SANDBOX_SECRET);
    let (status, json) = post(&gw, SEARCH, Some(&auth), urlencoded(&[("ipaddress", &ip)])).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{json}");
    assert_eq!(json["code"], "415");
    assert!(json["message"].as_str().unwrap().contains("multipart/form-data"), "{json}");
    let (status, json) = post(&gw, SEARCH, Some(&auth), multipart(&[("ip_address", &ip)])).await;
    assert_eq!((status, &json["code"]), (StatusCode::UNPROCESSABLE_ENTITY, &Value::from("422")), "{json}");
    assert!(json["message"].as_str().unwrap().contains("ip_address"), "{json}");
    let basic = format!("Basic {}", BASE64.encode(SANDBOX_SECRET));
    let (status, json) = post(&gw, SEARCH, Some(&basic), multipart(&[("ipaddress", &ip)])).await;
    assert_eq!((status, &json["code"]), (StatusCode::FORBIDDEN, &Value::from("122")), "{json}");
    for scheme in [auth, bearer_auth(SANDBOX_SECRET)] {
        let (status, _) = post(&gw, SEARCH, Some(&scheme), multipart(&[("ipaddress", &ip), ("page", "2")])).await;
        assert_eq!(status, StatusCode::OK, "{scheme}");
    }
}

/// The readings where the document is silent: 422 and 500 bodies without `code`, and a page past
/// the end answered as invalid input.
#[tokio::test]
async fn other_readings_of_errors_and_a_page_past_the_end() {
    use auditdeck_sandbox::profile::{ErrorCode, PastEnd};
    let gw = TestGateway::new();
    let (ip, total) = busiest_ip(&gw);
    let past = (total.div_ceil(PAGE_SIZE) + 3).to_string();
    let auth = idme_auth(SANDBOX_SECRET);
    let (status, json) = post(&gw, SEARCH, Some(&auth), multipart(&[("ipaddress", &ip), ("page", &past)])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((json["events"].as_array().unwrap().len(), &json["meta"]["prev_page"]), (0, &Value::Null));
    {
        let _profile =
            gw.sandbox.profiles.switch(Profile { idme_past_end: PastEnd::Unprocessable, ..Profile::default() });
        let (status, json) = post(&gw, SEARCH, Some(&auth), multipart(&[("ipaddress", &ip), ("page", &past)])).await;
        assert_eq!((status, &json["code"]), (StatusCode::UNPROCESSABLE_ENTITY, &Value::from("422")), "{json}");
        assert!(json["message"].as_str().unwrap().contains("out of range"), "{json}");
    }
    let _profile =
        gw.sandbox.profiles.switch(Profile { idme_error_code: ErrorCode::MessageOnly, ..Profile::default() });
    let (status, json) = post(&gw, SEARCH, Some(&auth), multipart(&[("ipaddress", "not-an-ip")])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json.as_object().unwrap().keys().collect::<Vec<_>>(), ["message"], "{json}");
    let broken = idme_auth(SANDBOX_SECRET_INTERNAL_ERROR);
    let (status, json) = post(&gw, SEARCH, Some(&broken), multipart(&[("ipaddress", &ip)])).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(json, serde_json::json!({ "message": "Internal service error" }));
    // The 403 keeps the code the document shows.
    let (status, json) = post(&gw, SEARCH, Some(&idme_auth("wrong")), multipart(&[("ipaddress", &ip)])).await;
    assert_eq!((status, &json["code"]), (StatusCode::FORBIDDEN, &Value::from("122")));
}

#[tokio::test]
async fn every_event_has_the_documented_fields_with_browser_as_object() {
    let gw = TestGateway::new();
    let (ip, _) = busiest_ip(&gw);
    let (_, json) = post(&gw, SEARCH, Some(&idme_auth(SANDBOX_SECRET)), urlencoded(&[("ipaddress", &ip)])).await;
    for event in json["events"].as_array().unwrap() {
        let object = event.as_object().unwrap();
        let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["application", "browser", "event", "ipaddress", "tracked_at", "updated_at"]);
        assert!(IDME_EVENT_TYPES.contains(&event["event"].as_str().unwrap()));
        for k in ["platform", "name", "version"] {
            assert!(event["browser"][k].is_string(), "browser.{k} in {event}");
        }
        let tracked = event["tracked_at"].as_str().unwrap();
        chrono::DateTime::parse_from_rfc3339(tracked).unwrap();
        assert_eq!(tracked.len(), "2019-08-26T20:03:59.650-04:00".len(), "{tracked}");
    }
}

#[tokio::test]
async fn last_page_and_page_past_the_end() {
    let gw = TestGateway::new();
    let (ip, total) = busiest_ip(&gw);
    let last = total.div_ceil(PAGE_SIZE);
    let auth = idme_auth(SANDBOX_SECRET);
    let (status, json) =
        post(&gw, SEARCH, Some(&auth), multipart(&[("ipaddress", &ip), ("page", &last.to_string())])).await;
    assert_eq!(status, StatusCode::OK);
    let expected_rows = total - (last - 1) * PAGE_SIZE;
    assert_eq!(json["events"].as_array().unwrap().len(), expected_rows);
    assert!(json["meta"]["next_page"].is_null(), "next_page must be null on the last page");
    assert_eq!(json["meta"]["prev_page"], last - 1);

    let past = (last + 3).to_string();
    let (status, json) = post(&gw, SEARCH, Some(&auth), multipart(&[("ipaddress", &ip), ("page", &past)])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["events"].as_array().unwrap().len(), 0);
    assert_eq!(json["meta"]["current_page"], last + 3);
    assert_eq!(json["meta"]["total_count"], total);
    assert!(json["meta"]["next_page"].is_null() && json["meta"]["prev_page"].is_null());
}

#[tokio::test]
async fn pages_are_disjoint_and_follow_the_index() {
    let gw = TestGateway::new();
    let (ip, _) = busiest_ip(&gw);
    let auth = idme_auth(SANDBOX_SECRET);
    let page = |n: &str| multipart(&[("ipaddress", ip.as_str()), ("page", n)]);
    let (_, one) = post(&gw, SEARCH, Some(&auth), page("1")).await;
    let (_, two) = post(&gw, SEARCH, Some(&auth), page("2")).await;
    assert_ne!(one["events"][0], two["events"][0]);
    // Page 2's first row is the 51st event indexed under the IP.
    let addr = ip.parse().unwrap();
    let index = gw.data.idme_events_for_ip(&addr)[PAGE_SIZE];
    let expected = &gw.data.idme_events[index as usize];
    assert_eq!(two["events"][0]["event"], IDME_EVENT_TYPES[expected.kind as usize]);
}

#[tokio::test]
async fn both_auth_schemes_are_accepted() {
    let gw = TestGateway::new();
    for auth in [idme_auth(SANDBOX_SECRET), bearer_auth(SANDBOX_SECRET)] {
        let (status, _) = post(&gw, SEARCH, Some(&auth), multipart(&[("ipaddress", HOT_IPS[0].0)])).await;
        assert_eq!(status, StatusCode::OK, "{auth}");
    }
}

#[tokio::test]
async fn wrong_missing_or_unencoded_credentials_are_403_code_122() {
    let gw = TestGateway::new();
    let unencoded = format!("ID.me {SANDBOX_SECRET}");
    let wrong = idme_auth("not-the-secret");
    let other_scheme = format!("Basic {}", BASE64.encode(SANDBOX_SECRET));
    for auth in [Some(wrong.as_str()), Some(unencoded.as_str()), Some(other_scheme.as_str()), None] {
        let (status, json) = post(&gw, SEARCH, auth, multipart(&[("ipaddress", HOT_IPS[0].0)])).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{auth:?}");
        assert_eq!(json["code"], "122");
        assert_eq!(json["message"], "Header Auth token is not associated with any account");
    }
}

#[tokio::test]
async fn the_error_test_credential_gives_500_in_the_error_shape() {
    let gw = TestGateway::new();
    let (status, json) =
        post(&gw, SEARCH, Some(&idme_auth(SANDBOX_SECRET_INTERNAL_ERROR)), multipart(&[("ipaddress", HOT_IPS[0].0)]))
            .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(json["code"].is_string() && json["message"].is_string(), "{json}");
}

#[tokio::test]
async fn invalid_or_missing_input_is_422() {
    let gw = TestGateway::new();
    let auth = idme_auth(SANDBOX_SECRET);
    let cases: Vec<(&str, Body)> = vec![
        ("missing ipaddress", multipart(&[])),
        ("bad ipaddress", multipart(&[("ipaddress", "300.1.1.1")])),
        ("page zero", multipart(&[("ipaddress", HOT_IPS[0].0), ("page", "0")])),
        ("page text", urlencoded(&[("ipaddress", HOT_IPS[0].0), ("page", "two")])),
        ("json body", Body::Raw("application/json", br#"{"ipaddress":"1.2.3.4"}"#.to_vec())),
    ];
    for (name, body) in cases {
        let (status, json) = post(&gw, SEARCH, Some(&auth), body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(json["message"].as_str().is_some_and(|m| !m.is_empty()), "{name}: {json}");
    }
    let (status, _) = post(&gw, &user_path("not-a-uuid"), Some(&auth), Body::Empty).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn search_is_post_only() {
    let gw = TestGateway::new();
    let (status, _, _) = gw.request(Method::GET, SEARCH, Some(&idme_auth(SANDBOX_SECRET)), Body::Empty).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn unknown_ip_is_an_empty_result_not_an_error() {
    let gw = TestGateway::new();
    let (status, json) =
        post(&gw, SEARCH, Some(&idme_auth(SANDBOX_SECRET)), multipart(&[("ipaddress", "2001:db8::1")])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["events"].as_array().unwrap().len(), 0);
    assert_eq!(json["meta"]["total_count"], 0);
    assert_eq!(json["meta"]["total_pages"], 0);
}

#[tokio::test]
async fn search_by_user_with_page_and_without_body() {
    let gw = TestGateway::new();
    let auth = idme_auth(SANDBOX_SECRET);
    let uuid = SAMPLE_USER_UUIDS[1];
    let total = gw.data.idme_events_for_user(uuid).len();
    assert!(total > 0);
    let (status, json) = post(&gw, &user_path(uuid), Some(&auth), Body::Empty).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["meta"]["current_page"], 1);
    assert_eq!(json["meta"]["total_count"], total);
    assert_eq!(json["events"].as_array().unwrap().len(), total.min(PAGE_SIZE));

    let dashed = "33d420b3-6d2c-43e8-8d7f-57540bd5015a";
    let (status, json) = post(&gw, &user_path(dashed), Some(&auth), multipart(&[("page", "1")])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["meta"]["total_count"], total, "dashed UUID finds the same user");
}

#[tokio::test]
async fn quirks_of_the_samples_appear_in_served_rows() {
    // Walk the busiest IP's pages until every quirk has been seen in wire form.
    let gw = TestGateway::new();
    let (ip, total) = busiest_ip(&gw);
    let auth = idme_auth(SANDBOX_SECRET);
    let (mut base64_app, mut updated_before, mut other_ip, mut out_of_order) = (false, false, false, false);
    for page in 1..=total.div_ceil(PAGE_SIZE).min(60) {
        let (_, json) =
            post(&gw, SEARCH, Some(&auth), multipart(&[("ipaddress", &ip), ("page", &page.to_string())])).await;
        let events = json["events"].as_array().unwrap();
        let mut previous: Option<chrono::DateTime<chrono::FixedOffset>> = None;
        for e in events {
            let app = e["application"].as_str().unwrap();
            base64_app |= app.ends_with('\n') && BASE64.decode(app.trim_end()).is_ok();
            let tracked = chrono::DateTime::parse_from_rfc3339(e["tracked_at"].as_str().unwrap()).unwrap();
            let updated = chrono::DateTime::parse_from_rfc3339(e["updated_at"].as_str().unwrap()).unwrap();
            updated_before |= updated < tracked;
            other_ip |= e["ipaddress"] != ip.as_str();
            out_of_order |= previous.is_some_and(|p| tracked > p);
            previous = Some(tracked);
        }
        if base64_app && updated_before && other_ip && out_of_order {
            return;
        }
    }
    panic!(
        "quirks seen: base64 {base64_app}, updated<tracked {updated_before}, other ip {other_ip}, order {out_of_order}"
    );
}
