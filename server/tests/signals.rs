//! The SET receiver against RFC 8417 (SET), RFC 8935 (push delivery) and SSF discovery: one
//! test per rejection rule, each answered with the RFC's status and `err` code and recorded with
//! its reason, never listed as a signal. The transmitter is the sandbox's, on a port of its own,
//! so the gateway finds its keys over HTTP the way it finds a real one's.

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use auditdeck_server::GatewayConfig;
use auditdeck_server::sandbox::ssf::{EventKind, PushKind, Transmitter};
use axum::Router;
use axum::http::{Method, StatusCode, header};
use common::{Body, TestGateway, shared_data};
use serde_json::{Value, json};

const AUDIENCE: &str = "https://auditdeck.example.org/ssf/idme";
const SECEVENT: &str = "application/secevent+jwt";

/// The sandbox transmitter on its own port: issuer `http://{addr}/sandbox/ssf`.
async fn transmitter() -> (SocketAddr, Transmitter) {
    let transmitter = Transmitter::new(shared_data());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    transmitter.configure(auditdeck_server::sandbox::ssf::Setup {
        issuer: format!("http://{addr}/sandbox/ssf"),
        audience: AUDIENCE.into(),
        push_url: "http://127.0.0.1:9/unused".into(),
    });
    let app = Router::new()
        .nest("/sandbox/ssf", transmitter.router(false))
        .merge(transmitter.well_known_router("/sandbox/ssf"));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, transmitter)
}

fn database(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("auditdeck-signals-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir.join("gateway.sqlite")
}

fn config(issuer: SocketAddr, database: &Path, extra: &str) -> GatewayConfig {
    toml::from_str(&format!(
        r#"
sandbox = false

[signals]
database = "{}"
{extra}

[[signals.receiver]]
id = "idme"
issuer = "http://{issuer}/sandbox/ssf"
audience = "{AUDIENCE}"
"#,
        database.display()
    ))
    .unwrap()
}

async fn rig(name: &str, extra: &str) -> (TestGateway, Transmitter, PathBuf) {
    let (addr, transmitter) = transmitter().await;
    let db = database(name);
    let gw = TestGateway::with(config(addr, &db, extra), PathBuf::from("/nonexistent-dist"), |name| {
        (name == "SSF_TOKEN").then(|| "push-token-1".to_string())
    });
    (gw, transmitter, db)
}

async fn push(gw: &TestGateway, token: &str) -> (StatusCode, Value) {
    let (status, _, body) =
        gw.request(Method::POST, "/ssf/idme", None, Body::Raw(SECEVENT, token.as_bytes().to_vec())).await;
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

async fn listed(gw: &TestGateway, query: &str) -> Vec<Value> {
    let (status, _, body) = gw.request(Method::GET, &format!("/signals.json{query}"), None, Body::Empty).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let page: Value = serde_json::from_slice(&body).unwrap();
    page["signals"].as_array().cloned().unwrap_or_default()
}

/// Claims a well-formed SET for this receiver would carry.
fn claims(transmitter: &Transmitter, jti: &str) -> Value {
    let (issuer, audience) = transmitter.issuer_and_audience().unwrap();
    json!({
        "iss": issuer,
        "aud": audience,
        "iat": chrono::Utc::now().timestamp(),
        "jti": jti,
        "events": {
            "https://schemas.openid.net/secevent/risc/event-type/account-purged": {
                "subject": {"format": "email", "email": "ann@example.org"}
            }
        }
    })
}

/// Refused with `status` and `err`, recorded with its reason, and not listed.
async fn refused(gw: &TestGateway, token: &str, status: StatusCode, err: &str) {
    let (got, body) = push(gw, token).await;
    assert_eq!((got, body["err"].as_str()), (status, Some(err)), "{body}");
    assert!(body["description"].as_str().is_some_and(|d| !d.is_empty()), "{body}");
    assert!(listed(gw, "").await.is_empty(), "a refused SET is never a signal");
}

#[tokio::test]
async fn a_good_set_is_accepted_and_kept_with_its_issuer_types_subject_and_token() {
    let (gw, transmitter, _) = rig("good", "").await;
    let made = transmitter.make(PushKind::Good, EventKind::AccountDisabled, 3).unwrap();
    let (status, _) = push(&gw, &made.token).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let signals = listed(&gw, "").await;
    assert_eq!(signals.len(), 1);
    let signal = &signals[0];
    assert_eq!(signal["jti"], made.jti.as_str());
    assert_eq!(signal["issuer"], transmitter.issuer_and_audience().unwrap().0.as_str());
    assert_eq!(signal["event_types"], json!(["https://schemas.openid.net/secevent/risc/event-type/account-disabled"]));
    assert_eq!(signal["subjects"][0]["format"], "iss_sub");
    assert_eq!(signal["subjects"][0]["sub"], shared_data().people[3].uuid.as_str());
    assert_eq!(signal["event_id"].as_str(), made.event_id.as_deref());
    assert_eq!(signal["claims"]["jti"], made.jti.as_str());
    // The filters: by the event type's last segment, by the person's UUID written with dashes.
    let uuid = &shared_data().people[3].uuid;
    let dashed = format!("{}-{}-{}-{}-{}", &uuid[..8], &uuid[8..12], &uuid[12..16], &uuid[16..20], &uuid[20..]);
    assert_eq!(listed(&gw, "?type=account-disabled").await.len(), 1);
    assert_eq!(listed(&gw, "?type=account-enabled").await.len(), 0);
    assert_eq!(listed(&gw, &format!("?subject={dashed}")).await.len(), 1);
    assert_eq!(listed(&gw, "?subject=someone-else").await.len(), 0);
}

#[tokio::test]
async fn caep_subjects_at_the_top_level_are_read_too() {
    let (gw, transmitter, _) = rig("caep", "").await;
    let made = transmitter.make(PushKind::Good, EventKind::SessionRevoked, 5).unwrap();
    assert_eq!(push(&gw, &made.token).await.0, StatusCode::ACCEPTED);
    let signals = listed(&gw, &format!("?subject={}", shared_data().people[5].uuid)).await;
    assert_eq!(signals.len(), 1);
    assert_eq!(signals[0]["event_types"][0], "https://schemas.openid.net/secevent/caep/event-type/session-revoked");
}

#[tokio::test]
async fn a_replayed_jti_is_acknowledged_and_kept_once() {
    let (gw, transmitter, _) = rig("replay", "").await;
    let made = transmitter.make(PushKind::Good, EventKind::AccountPurged, 1).unwrap();
    assert_eq!(push(&gw, &made.token).await.0, StatusCode::ACCEPTED);
    assert_eq!(push(&gw, &made.token).await.0, StatusCode::ACCEPTED);
    assert_eq!(listed(&gw, "").await.len(), 1);
}

#[tokio::test]
async fn a_bad_signature_fails_authentication() {
    let (gw, transmitter, _) = rig("bad-signature", "").await;
    let made = transmitter.make(PushKind::BadSignature, EventKind::AccountDisabled, 1).unwrap();
    refused(&gw, &made.token, StatusCode::BAD_REQUEST, "authentication_failed").await;
    // One changed byte of a good SET's payload, too.
    let good = transmitter.make(PushKind::Good, EventKind::AccountDisabled, 1).unwrap().token;
    let mut parts: Vec<String> = good.split('.').map(str::to_string).collect();
    let payload = parts[1].clone();
    let flipped = if payload.ends_with('A') { "B" } else { "A" };
    parts[1] = format!("{}{flipped}", &payload[..payload.len() - 1]);
    let (status, body) = push(&gw, &parts.join(".")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(matches!(body["err"].as_str(), Some("authentication_failed" | "invalid_request")), "{body}");
}

#[tokio::test]
async fn an_unknown_key_id_is_an_invalid_key_and_a_rotation_is_followed() {
    let (gw, transmitter, _) = rig("keys", "").await;
    let first = transmitter.make(PushKind::Good, EventKind::AccountEnabled, 1).unwrap();
    assert_eq!(push(&gw, &first.token).await.0, StatusCode::ACCEPTED);
    // The gateway holds generation 1; a SET under generation 2 makes it fetch the keys again.
    let rotated = transmitter.make(PushKind::Rotate, EventKind::AccountEnabled, 2).unwrap();
    assert_eq!(push(&gw, &rotated.token).await.0, StatusCode::ACCEPTED);
    let unknown = transmitter.make(PushKind::UnknownKid, EventKind::AccountEnabled, 3).unwrap();
    let (status, body) = push(&gw, &unknown.token).await;
    assert_eq!((status, body["err"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_key")));
    assert_eq!(listed(&gw, "").await.len(), 2);
}

#[tokio::test]
async fn an_expired_set_is_refused() {
    let (gw, transmitter, _) = rig("expired", "").await;
    let made = transmitter.make(PushKind::Expired, EventKind::AccountDisabled, 1).unwrap();
    refused(&gw, &made.token, StatusCode::BAD_REQUEST, "invalid_request").await;
}

#[tokio::test]
async fn issuer_and_audience_must_be_this_receivers() {
    let (gw, transmitter, _) = rig("iss-aud", "").await;
    let mut other_issuer = claims(&transmitter, "j-iss");
    other_issuer["iss"] = json!("https://transmitter.example");
    refused(&gw, &transmitter.sign_claims(&other_issuer, |_| {}), StatusCode::BAD_REQUEST, "invalid_issuer").await;
    let mut no_issuer = claims(&transmitter, "j-no-iss");
    no_issuer.as_object_mut().unwrap().remove("iss");
    refused(&gw, &transmitter.sign_claims(&no_issuer, |_| {}), StatusCode::BAD_REQUEST, "invalid_issuer").await;
    let mut other_audience = claims(&transmitter, "j-aud");
    other_audience["aud"] = json!("https://someone-else.example/ssf");
    refused(&gw, &transmitter.sign_claims(&other_audience, |_| {}), StatusCode::BAD_REQUEST, "invalid_audience").await;
    let mut no_audience = claims(&transmitter, "j-no-aud");
    no_audience.as_object_mut().unwrap().remove("aud");
    refused(&gw, &transmitter.sign_claims(&no_audience, |_| {}), StatusCode::BAD_REQUEST, "invalid_audience").await;
}

#[tokio::test]
async fn the_claims_rfc_8417_requires_must_be_there() {
    let (gw, transmitter, _) = rig("claims", "").await;
    for (name, change) in [
        ("no jti", Box::new(|c: &mut Value| drop(c.as_object_mut().unwrap().remove("jti"))) as Box<dyn Fn(&mut Value)>),
        ("no iat", Box::new(|c: &mut Value| drop(c.as_object_mut().unwrap().remove("iat")))),
        ("iat in the future", Box::new(|c: &mut Value| c["iat"] = json!(chrono::Utc::now().timestamp() + 3600))),
        ("iat too old", Box::new(|c: &mut Value| c["iat"] = json!(chrono::Utc::now().timestamp() - 30 * 86_400))),
        ("no events", Box::new(|c: &mut Value| drop(c.as_object_mut().unwrap().remove("events")))),
        ("empty events", Box::new(|c: &mut Value| c["events"] = json!({}))),
        ("an event that is no object", Box::new(|c: &mut Value| c["events"] = json!({"urn:x": "text"}))),
        ("not yet valid", Box::new(|c: &mut Value| c["nbf"] = json!(chrono::Utc::now().timestamp() + 3600))),
    ] {
        let mut claims = claims(&transmitter, &format!("j-{name}"));
        change(&mut claims);
        let (status, body) = push(&gw, &transmitter.sign_claims(&claims, |_| {})).await;
        assert_eq!(
            (status, body["err"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_request")),
            "{name}: {body}"
        );
    }
    assert!(listed(&gw, "").await.is_empty());
}

#[tokio::test]
async fn what_is_not_a_signed_set_is_an_invalid_request() {
    let (gw, transmitter, _) = rig("shape", "").await;
    let good = claims(&transmitter, "j-typ");
    let wrong_typ = transmitter.sign_claims(&good, |h| h.typ = Some("JWT".into()));
    refused(&gw, &wrong_typ, StatusCode::BAD_REQUEST, "invalid_request").await;
    refused(&gw, "not a token", StatusCode::BAD_REQUEST, "invalid_request").await;
    refused(&gw, "a.b.c.d.e", StatusCode::BAD_REQUEST, "invalid_request").await;
    // alg "none": an unsigned token.
    let none = format!("{}.{}.", base64_url(r#"{"alg":"none","typ":"secevent+jwt"}"#), base64_url(&good.to_string()));
    refused(&gw, &none, StatusCode::BAD_REQUEST, "invalid_request").await;
    // HS256 with the public key's bytes as the secret (the algorithm confusion attack).
    let hs =
        format!("{}.{}.c2ln", base64_url(r#"{"alg":"HS256","typ":"secevent+jwt"}"#), base64_url(&good.to_string()));
    refused(&gw, &hs, StatusCode::BAD_REQUEST, "invalid_key").await;
    // The right token with the wrong media type.
    let token = transmitter.make(PushKind::Good, EventKind::AccountDisabled, 1).unwrap().token;
    let (status, _, body) =
        gw.request(Method::POST, "/ssf/idme", None, Body::Raw("application/json", token.into_bytes())).await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((status, body["err"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")));
    assert!(listed(&gw, "").await.is_empty());
}

fn base64_url(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

#[tokio::test]
async fn a_configured_bearer_token_is_required() {
    let (addr, transmitter) = transmitter().await;
    let db = database("bearer");
    let mut config = config(addr, &db, "");
    config.signals.as_mut().unwrap().receivers[0].bearer_token_env = Some("SSF_TOKEN".into());
    let gw = TestGateway::with(config, PathBuf::from("/nonexistent-dist"), |name| {
        (name == "SSF_TOKEN").then(|| "push-token-1".to_string())
    });
    let token = transmitter.make(PushKind::Good, EventKind::AccountDisabled, 1).unwrap().token;
    let (status, headers, body) =
        gw.request(Method::POST, "/ssf/idme", None, Body::Raw(SECEVENT, token.clone().into_bytes())).await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((status, body["err"].as_str()), (StatusCode::UNAUTHORIZED, Some("authentication_failed")));
    assert_eq!(headers.get(header::WWW_AUTHENTICATE).unwrap(), "Bearer");
    let (status, _, _) = gw
        .request(Method::POST, "/ssf/idme", Some("Bearer wrong"), Body::Raw(SECEVENT, token.clone().into_bytes()))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = gw
        .request(Method::POST, "/ssf/idme", Some("Bearer push-token-1"), Body::Raw(SECEVENT, token.into_bytes()))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn the_push_endpoint_limits_size_and_rate() {
    let (gw, transmitter, _) = rig("limits", "max_set_bytes = 2048\nrate_limit_per_minute = 5").await;
    let (status, _, _) = gw.request(Method::POST, "/ssf/idme", None, Body::Raw(SECEVENT, vec![b'a'; 4096])).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    for i in 0..4 {
        let token = transmitter.make(PushKind::Good, EventKind::AccountEnabled, i).unwrap().token;
        assert_eq!(push(&gw, &token).await.0, StatusCode::ACCEPTED, "push {i}");
    }
    let token = transmitter.make(PushKind::Good, EventKind::AccountEnabled, 9).unwrap().token;
    let (status, headers, _) =
        gw.request(Method::POST, "/ssf/idme", None, Body::Raw(SECEVENT, token.into_bytes())).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = headers.get(header::RETRY_AFTER).unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait));
    let (status, _, _) = gw.request(Method::POST, "/ssf/nobody", None, Body::Raw(SECEVENT, Vec::new())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn refusals_are_recorded_with_their_reason_and_signals_survive_a_restart() {
    let (addr, transmitter) = transmitter().await;
    let db = database("restart");
    {
        let gw = TestGateway::with(config(addr, &db, ""), PathBuf::from("/nonexistent-dist"), |_| None);
        let good = transmitter.make(PushKind::Good, EventKind::RecoveryActivated, 4).unwrap();
        assert_eq!(push(&gw, &good.token).await.0, StatusCode::ACCEPTED);
        let bad = transmitter.make(PushKind::Expired, EventKind::RecoveryActivated, 4).unwrap();
        assert_eq!(push(&gw, &bad.token).await.0, StatusCode::BAD_REQUEST);
    }
    let again = TestGateway::with(config(addr, &db, ""), PathBuf::from("/nonexistent-dist"), |_| None);
    let signals = listed(&again, "").await;
    assert_eq!(signals.len(), 1);
    assert_eq!(signals[0]["event_types"][0], "https://schemas.openid.net/secevent/risc/event-type/recovery-activated");
    let db = rusqlite::Connection::open(&db).unwrap();
    let (err, description): (String, String) = db
        .query_row("SELECT err, description FROM signal_rejection ORDER BY id DESC LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(err, "invalid_request");
    assert!(description.contains("expired"), "{description}");
}

#[tokio::test]
async fn new_signals_stream_to_open_pages_as_server_sent_events() {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let (gw, transmitter, _) = rig("stream", "").await;
    let request = axum::http::Request::builder()
        .uri("/signals/stream")
        .header(header::HOST, common::HOST)
        .body(axum::body::Body::empty())
        .unwrap();
    let response = gw.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.headers().get(header::CONTENT_TYPE).unwrap(), "text/event-stream");
    let mut body = response.into_body();
    let made = transmitter.make(PushKind::Good, EventKind::AccountPurged, 6).unwrap();
    assert_eq!(push(&gw, &made.token).await.0, StatusCode::ACCEPTED);
    let mut text = String::new();
    while !text.contains("\n\n") {
        let frame =
            tokio::time::timeout(std::time::Duration::from_secs(5), body.frame()).await.unwrap().unwrap().unwrap();
        if let Some(data) = frame.data_ref() {
            text.push_str(&String::from_utf8_lossy(data));
        }
    }
    assert!(text.starts_with("event: signal\n"), "{text}");
    let data = text.lines().find_map(|l| l.strip_prefix("data: ")).unwrap();
    let signal: Value = serde_json::from_str(data).unwrap();
    assert_eq!(signal["jti"], made.jti.as_str());
}

#[tokio::test]
async fn poll_delivery_keeps_good_sets_acknowledges_them_and_reports_refused_ones() {
    use auditdeck_server::signals::poll::{Owed, PollConfig, PollResult, poll_once};
    let (addr, transmitter) = transmitter().await;
    let db = database("poll");
    let mut config = config(addr, &db, "");
    config.signals.as_mut().unwrap().receivers[0].poll = Some(PollConfig {
        url: format!("http://{addr}/sandbox/ssf/poll").parse().unwrap(),
        token_env: None,
        interval_secs: 30,
    });
    let gw = TestGateway::with(config, PathBuf::from("/nonexistent-dist"), |_| None);
    let signals = gw.signals.clone().unwrap();
    let good = transmitter.queue(PushKind::Good, EventKind::AccountDisabled, 2).unwrap();
    let bad = transmitter.queue(PushKind::BadSignature, EventKind::AccountDisabled, 3).unwrap();
    let client = reqwest::Client::new();
    let mut owed = Owed::default();
    let first = poll_once(&signals, "idme", &mut owed, &client, None, true).await.unwrap();
    assert_eq!(first, PollResult { kept: 1, duplicates: 0, refused: 1, more_available: false });
    let signals_listed = listed(&gw, "").await;
    assert_eq!(signals_listed.len(), 1);
    assert_eq!(signals_listed[0]["jti"], good.jti.as_str());
    // The next poll tells the transmitter: the good one acknowledged, the bad one refused.
    let second = poll_once(&signals, "idme", &mut owed, &client, None, true).await.unwrap();
    assert_eq!(second, PollResult::default());
    let state = transmitter.poll_state();
    assert_eq!(state.acknowledged, vec![good.jti.clone()]);
    assert_eq!(state.refused, vec![(bad.jti.clone(), "authentication_failed".to_string())]);
    assert!(state.waiting.is_empty());
}

#[tokio::test]
async fn event_types_the_receiver_did_not_request_are_access_denied_pushed_or_polled() {
    use auditdeck_server::signals::poll::{Owed, PollConfig, PollResult, poll_once};
    const DISABLED: &str = "https://schemas.openid.net/secevent/risc/event-type/account-disabled";
    const PURGED: &str = "https://schemas.openid.net/secevent/risc/event-type/account-purged";
    let (addr, transmitter) = transmitter().await;
    let db = database("requested");
    let mut config = config(addr, &db, "");
    let receiver = &mut config.signals.as_mut().unwrap().receivers[0];
    receiver.events_requested = vec![DISABLED.into()];
    receiver.poll = Some(PollConfig {
        url: format!("http://{addr}/sandbox/ssf/poll").parse().unwrap(),
        token_env: None,
        interval_secs: 30,
    });
    let gw = TestGateway::with(config, PathBuf::from("/nonexistent-dist"), |_| None);

    let purged = transmitter.make(PushKind::Good, EventKind::AccountPurged, 1).unwrap();
    refused(&gw, &purged.token, StatusCode::BAD_REQUEST, "access_denied").await;
    // One unrequested type among requested ones refuses the whole SET.
    let mut both = claims(&transmitter, "both-types");
    both["events"][DISABLED] = json!({"subject": {"format": "email", "email": "ann@example.org"}});
    assert!(both["events"].get(PURGED).is_some());
    refused(&gw, &transmitter.sign_claims(&both, |_| {}), StatusCode::BAD_REQUEST, "access_denied").await;
    // A transmitter that has not proved who it is hears that first.
    let forged = transmitter.make(PushKind::BadSignature, EventKind::AccountPurged, 1).unwrap();
    refused(&gw, &forged.token, StatusCode::BAD_REQUEST, "authentication_failed").await;
    let disabled = transmitter.make(PushKind::Good, EventKind::AccountDisabled, 1).unwrap();
    assert_eq!(push(&gw, &disabled.token).await.0, StatusCode::ACCEPTED);

    let queued = transmitter.queue(PushKind::Good, EventKind::SessionsRevoked, 2).unwrap();
    let signals = gw.signals.clone().unwrap();
    let client = reqwest::Client::new();
    let mut owed = Owed::default();
    let polled = poll_once(&signals, "idme", &mut owed, &client, None, true).await.unwrap();
    assert_eq!(polled, PollResult { kept: 0, duplicates: 0, refused: 1, more_available: false });
    poll_once(&signals, "idme", &mut owed, &client, None, true).await.unwrap();
    assert_eq!(transmitter.poll_state().refused, vec![(queued.jti.clone(), "access_denied".to_string())]);

    let kept = listed(&gw, "").await;
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0]["jti"], disabled.jti.as_str());
}
