//! `/upstream/{id}/…` against a real local upstream: credential added, headers filtered,
//! status and body passed through, timeouts turned into a 504 in the vendor's error shape.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use auditdeck_server::GatewayConfig;
use axum::Router;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::routing::any;
use common::{Body, TestGateway, multipart};

/// An upstream that echoes what it received, or sleeps on `/slow`.
async fn start_upstream() -> SocketAddr {
    let app = Router::new()
        .route(
            "/base/{*rest}",
            any(|method: Method, uri: axum::http::Uri, headers: HeaderMap, body: axum::body::Bytes| async move {
                let echoed = serde_json::json!({
                    "method": method.as_str(),
                    "uri": uri.to_string(),
                    "authorization": headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()),
                    "cookie": headers.get(header::COOKIE).is_some(),
                    "x_private": headers.get("x-private").is_some(),
                    "body_len": body.len(),
                    "header_names": headers.keys().map(|k| k.as_str()).collect::<Vec<_>>(),
                });
                let answer_headers = [
                    ("x-vendor", "internal"),
                    ("set-cookie", "vendor_session=1"),
                    ("access-control-allow-origin", "*"),
                    ("access-control-allow-credentials", "true"),
                    ("cache-control", "public, max-age=600"),
                    ("retry-after", "7"),
                ];
                (StatusCode::IM_A_TEAPOT, answer_headers, axum::Json(echoed))
            }),
        )
        .route(
            "/slow/{*rest}",
            any(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn config(addr: SocketAddr) -> GatewayConfig {
    let text = format!(
        r#"
upstream_timeout_secs = 0.5
[[upstream]]
id = "with-key"
provider = "idme"
label = "Upstream with key"
base_url = "http://{addr}/base"
credential = {{ secret_env = "TEST_IDME_SECRET", scheme = "ID.me" }}

[[upstream]]
id = "browser-key"
provider = "idme"
label = "Upstream without key"
base_url = "http://{addr}/base"

[[upstream]]
id = "slow"
provider = "idme"
label = "Slow upstream"
base_url = "http://{addr}/slow"
"#
    );
    toml::from_str(&text).unwrap()
}

fn env(name: &str) -> Option<String> {
    (name == "TEST_IDME_SECRET").then(|| "s3cret".to_string())
}

#[tokio::test]
async fn gateway_adds_its_credential_and_filters_headers() {
    let addr = start_upstream().await;
    let gw = TestGateway::with(config(addr), "/nonexistent".into(), env);
    let (status, headers, body) = gw
        .request_with(
            Method::POST,
            "/upstream/with-key/api/v1/events/search?x=1",
            Some("ID.me from-the-browser"),
            multipart(&[("ipaddress", "1.2.3.4")]),
            &[
                ("cookie", "session=1"),
                ("connection", "x-private"),
                ("x-private", "yes"),
                ("accept", "application/json"),
                ("x-forwarded-for", "10.9.8.7"),
                ("x-forwarded-host", "evil.example"),
                ("forwarded", "for=10.9.8.7"),
                ("x-real-ip", "10.9.8.7"),
                ("x-http-method-override", "DELETE"),
                ("x-method-override", "DELETE"),
                ("origin", "http://127.0.0.1:8080"),
                ("referer", "http://127.0.0.1:8080/ip/1.2.3.4"),
                ("user-agent", "Mozilla/5.0 analyst"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::IM_A_TEAPOT, "upstream status passes through");
    // Back: only what the app reads; no vendor cookie, no CORS grant, never kept by a cache.
    let mut back: Vec<&str> = headers.keys().map(|k| k.as_str()).filter(|k| !k.starts_with("x-auditdeck")).collect();
    back.retain(|k| {
        !matches!(
            *k,
            "content-length"
                | "content-security-policy"
                | "x-content-type-options"
                | "referrer-policy"
                | "x-frame-options"
                | "vary"
        )
    });
    back.sort();
    assert_eq!(back, ["cache-control", "content-type", "retry-after"], "{headers:?}");
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(headers[header::RETRY_AFTER], "7");
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["method"], "POST");
    assert_eq!(json["uri"], "/base/api/v1/events/search?x=1");
    assert_eq!(json["authorization"], "ID.me czNjcmV0", "base64 of the secret, browser's header replaced");
    assert_eq!(json["cookie"], false);
    assert_eq!(json["x_private"], false, "headers named in Connection are hop-by-hop");
    // There: only the form's type, what the app accepts, and the gateway's credential (plus
    // what the HTTP client itself must send).
    let mut there: Vec<&str> = json["header_names"].as_array().unwrap().iter().filter_map(|v| v.as_str()).collect();
    there.retain(|k| !matches!(*k, "host" | "content-length"));
    there.sort();
    assert_eq!(there, ["accept", "authorization", "content-type"]);
    assert!(json["body_len"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn without_a_configured_credential_the_browsers_header_goes_through() {
    let addr = start_upstream().await;
    let gw = TestGateway::with(config(addr), "/nonexistent".into(), env);
    let (_, _, body) =
        gw.request(Method::POST, "/upstream/browser-key/api/v1/events/search", Some("ID.me abc="), Body::Empty).await;
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["authorization"], "ID.me abc=");
}

#[tokio::test]
async fn a_slow_upstream_gives_504_in_the_vendor_error_shape() {
    let addr = start_upstream().await;
    let gw = TestGateway::with(config(addr), "/nonexistent".into(), env);
    let (status, _, body) = gw.request(Method::POST, "/upstream/slow/api/v1/events/search", None, Body::Empty).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["code"], "504");
    assert!(json["message"].as_str().unwrap().contains("Slow upstream"));
}

#[tokio::test]
async fn an_unreachable_upstream_gives_502_and_an_unknown_one_404() {
    // A port nothing listens on: bind, note it, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut config = config(format!("127.0.0.1:{port}").parse().unwrap());
    config.upstreams.truncate(2);
    let gw = TestGateway::with(config, "/nonexistent".into(), env);
    let (status, _, body) =
        gw.request(Method::POST, "/upstream/browser-key/api/v1/events/search", None, Body::Empty).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["code"], "502");
    let (status, _, _) = gw.request(Method::POST, "/upstream/nope/api/v1/events/search", None, Body::Empty).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[test]
fn a_missing_credential_variable_stops_the_gateway_from_starting() {
    let config = config("127.0.0.1:9".parse().unwrap());
    let err = auditdeck_server::build(
        auditdeck_server::GatewayOptions { dist: "/nonexistent".into(), config, bind: [127, 0, 0, 1].into() },
        common::shared_data(),
        |_| None,
    )
    .err()
    .unwrap();
    assert!(err.contains("TEST_IDME_SECRET"), "{err}");
}
