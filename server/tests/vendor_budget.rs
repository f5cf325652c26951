//! One vendor budget per connection, shared by every user and tab, and one vendor request for
//! many readers of the same answer. The vendor is the sandbox on its own port: its request
//! count is what the vendor saw.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use auditdeck_server::GatewayConfig;
use auditdeck_server::sandbox::iden::{ORG_SLUG, SANDBOX_KEY};
use axum::http::{Method, StatusCode, header};
use common::{Body, TestGateway, serve_sandbox};

fn config(vendor: SocketAddr, extra: &str) -> GatewayConfig {
    toml::from_str(&format!(
        r#"
sandbox = false
{extra}
[[upstream]]
id = "iden"
provider = "iden"
label = "Iden"
base_url = "http://{vendor}/sandbox/iden"
credential = {{ secret_env = "IDEN_KEY", scheme = "Api-Key", encode = "none" }}

[[upstream]]
id = "iden-second"
provider = "iden"
label = "Iden (second connection)"
base_url = "http://{vendor}/sandbox/iden"
credential = {{ secret_env = "IDEN_KEY", scheme = "Api-Key", encode = "none" }}
"#
    ))
    .unwrap()
}

fn env(name: &str) -> Option<String> {
    (name == "IDEN_KEY").then(|| SANDBOX_KEY.to_string())
}

fn events(connection: &str, limit: usize) -> String {
    format!("/upstream/{connection}/org/{ORG_SLUG}/api/events/?limit={limit}")
}

/// Two sessions (two users' tabs) make 150 different Iden requests within a minute: the vendor,
/// which allows 60 a minute per key, sees exactly 60 and never has to refuse one; the other 90
/// get the gateway's 429 in Iden's shape, with a Retry-After the app counts down.
#[tokio::test]
async fn two_sessions_share_one_budget_of_sixty_a_minute() {
    let (vendor, sandbox) = serve_sandbox(60).await;
    let gw = Arc::new(TestGateway::with(config(vendor, ""), "/nonexistent".into(), env));
    let sessions = (0..2).map(|session| {
        let gw = gw.clone();
        tokio::spawn(async move {
            let mut answers = Vec::new();
            for n in 0..75 {
                let path = events("iden", 1 + session * 75 + n);
                answers.push(gw.request(Method::GET, &path, None, Body::Empty).await);
            }
            answers
        })
    });
    let (mut served, mut waits) = (0, Vec::new());
    for session in sessions {
        let answers = session.await.unwrap();
        for (status, headers, body) in answers {
            match status {
                StatusCode::OK => served += 1,
                StatusCode::TOO_MANY_REQUESTS => {
                    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
                    assert!(json["detail"].as_str().unwrap().contains("60 requests a minute"), "{json}");
                    waits.push(headers[header::RETRY_AFTER].to_str().unwrap().parse::<u64>().unwrap());
                }
                other => panic!("unexpected {other}: {}", String::from_utf8_lossy(&body)),
            }
        }
    }
    assert_eq!(served, 60);
    assert_eq!(waits.len(), 90);
    assert!(waits.iter().all(|w| (1..=60).contains(w)), "{waits:?}");
    assert_eq!(sandbox.request_count(), 60, "the vendor saw no more than its limit");
}

/// The limit is per key: a second connection holding the same key to the same vendor spends the
/// same budget, so splitting requests across connections does not get more past it.
#[tokio::test]
async fn connections_holding_one_key_share_its_budget() {
    let (vendor, sandbox) = serve_sandbox(60).await;
    let gw = TestGateway::with(config(vendor, ""), "/nonexistent".into(), env);
    let mut served = 0;
    for n in 0..100 {
        let connection = if n % 2 == 0 { "iden" } else { "iden-second" };
        let (status, _, _) = gw.request(Method::GET, &events(connection, 1 + n), None, Body::Empty).await;
        served += usize::from(status == StatusCode::OK);
    }
    assert_eq!(served, 60);
    assert_eq!(sandbox.request_count(), 60);
}

#[tokio::test]
async fn ten_readers_of_one_answer_cost_one_vendor_request() {
    let (vendor, sandbox) = serve_sandbox(0).await;
    let gw = Arc::new(TestGateway::with(config(vendor, ""), "/nonexistent".into(), env));
    let readers = (0..10).map(|_| {
        let gw = gw.clone();
        tokio::spawn(async move { gw.request(Method::GET, &events("iden", 7), None, Body::Empty).await })
    });
    let mut bodies = Vec::new();
    for reader in readers {
        let (status, _, body) = reader.await.unwrap();
        assert_eq!(status, StatusCode::OK);
        bodies.push(body);
    }
    assert_eq!(sandbox.request_count(), 1);
    let rows = serde_json::from_slice::<serde_json::Value>(&bodies[0]).unwrap()["results"].as_array().unwrap().len();
    assert_eq!(rows, 7);
    assert!(bodies.iter().all(|b| *b == bodies[0]));
    let (_, headers, _) = gw.request(Method::GET, &events("iden", 7), None, Body::Empty).await;
    assert_eq!(headers[auditdeck_server::proxy::SHARED_CACHE_HEADER], "hit");
    assert_eq!(sandbox.request_count(), 1);
    // Another connection to the same vendor never reads this one's answers.
    gw.request(Method::GET, &events("iden-second", 7), None, Body::Empty).await;
    assert_eq!(sandbox.request_count(), 2);
    // Nor does another query.
    gw.request(Method::GET, &events("iden", 8), None, Body::Empty).await;
    assert_eq!(sandbox.request_count(), 3);
}

#[tokio::test]
async fn with_the_shared_cache_off_every_request_reaches_the_vendor() {
    let (vendor, sandbox) = serve_sandbox(0).await;
    let gw = TestGateway::with(config(vendor, "shared_cache_secs = 0"), "/nonexistent".into(), env);
    for _ in 0..3 {
        let (status, headers, _) = gw.request(Method::GET, &events("iden", 3), None, Body::Empty).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[auditdeck_server::proxy::SHARED_CACHE_HEADER], "miss");
    }
    assert_eq!(sandbox.request_count(), 3);
}
