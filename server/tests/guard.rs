//! The guarded gateway, without sign-in: what a page on another site, a rebinding name, a
//! traversal or a slow client gets, and that the vendor gets nothing from any of them.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use auditdeck_server::{GatewayConfig, GatewayOptions};
use axum::http::{Method, StatusCode};
use common::{Body, TestGateway, multipart, serve_sandbox, urlencoded};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The sandbox on its own port as the vendor, proxied as `idme` (the gateway adds the
/// credential) and `iden`.
fn config(vendor: SocketAddr) -> GatewayConfig {
    toml::from_str(&format!(
        r#"
sandbox = false
[[upstream]]
id = "idme"
provider = "idme"
label = "ID.me"
base_url = "http://{vendor}/sandbox/idme"
credential = {{ secret_env = "IDME_SECRET", scheme = "ID.me" }}

[[upstream]]
id = "iden"
provider = "iden"
label = "Iden"
base_url = "http://{vendor}/sandbox/iden"
credential = {{ secret_env = "IDEN_KEY", scheme = "Api-Key", encode = "none" }}
"#
    ))
    .unwrap()
}

fn env(name: &str) -> Option<String> {
    match name {
        "IDME_SECRET" => Some(auditdeck_server::sandbox::idme::SANDBOX_SECRET.into()),
        "IDEN_KEY" => Some(auditdeck_server::sandbox::iden::SANDBOX_KEY.into()),
        _ => None,
    }
}

const SEARCH: &str = "/upstream/idme/api/v1/events/search";

fn search() -> Body {
    multipart(&[("ipaddress", "152.133.18.33")])
}

#[tokio::test]
async fn a_rebinding_host_gets_421_and_the_vendor_nothing() {
    let (vendor, sandbox) = serve_sandbox(0).await;
    let gw = TestGateway::with(config(vendor), "/nonexistent".into(), env);
    for host in ["rebind.attacker.example:8080", "rebind.attacker.example", "127.0.0.2:8080"] {
        for (method, path) in [(Method::POST, SEARCH), (Method::GET, "/config.json"), (Method::GET, "/")] {
            let (status, _, body) = gw.request_with(method, path, None, search(), &[("host", host)]).await;
            assert_eq!(status, StatusCode::MISDIRECTED_REQUEST, "{host} {path}");
            assert!(String::from_utf8_lossy(&body).contains("does not serve"), "{host} {path}");
        }
    }
    assert_eq!(sandbox.request_count(), 0);
    // The control: the gateway's own names are served.
    for host in ["127.0.0.1:8080", "localhost:8080"] {
        let (status, _, _) = gw.request_with(Method::POST, SEARCH, None, search(), &[("host", host)]).await;
        assert_eq!(status, StatusCode::OK, "{host}");
    }
    assert_eq!(sandbox.request_count(), 1, "the second identical search came from the shared cache");
}

#[tokio::test]
async fn the_public_url_is_a_host_the_gateway_serves() {
    let mut config = config("127.0.0.1:9".parse().unwrap());
    config.public_url = Some("https://auditdeck.example.org".parse().unwrap());
    let gw = TestGateway::with(config, "/nonexistent".into(), env);
    let (status, _, _) =
        gw.request_with(Method::GET, "/config.json", None, Body::Empty, &[("host", "auditdeck.example.org")]).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn cross_site_requests_and_form_posts_get_403() {
    let (vendor, sandbox) = serve_sandbox(0).await;
    let gw = TestGateway::with(config(vendor), "/nonexistent".into(), env);
    // What a page on another site sends: a form post (no preflight), or a fetch.
    let form_post =
        [("origin", "https://evil.example"), ("sec-fetch-site", "cross-site"), ("sec-fetch-mode", "navigate")];
    let (status, _, _) =
        gw.request_with(Method::POST, SEARCH, None, urlencoded(&[("ipaddress", "152.133.18.33")]), &form_post).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let iden = "/upstream/iden/org/acme/api/events/?limit=5";
    for headers in [
        &[("origin", "https://evil.example")][..],
        &[("origin", "null")][..],
        &[("sec-fetch-site", "cross-site")][..],
        &[("sec-fetch-site", "same-site"), ("origin", "https://sibling.127.0.0.1.example")][..],
    ] {
        let (status, _, _) = gw.request_with(Method::POST, SEARCH, None, search(), headers).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{headers:?}");
        let (status, _, _) = gw.request_with(Method::GET, iden, None, Body::Empty, headers).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "a proxied GET too: {headers:?}");
    }
    // A state-changing request outside the proxy, to the sandbox the gateway serves.
    let (status, _, _) =
        gw.request_with(Method::POST, "/sandbox/idme/api/v1/events/search", None, search(), &form_post).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(sandbox.request_count(), 0);
    // The app's own requests: same origin.
    let own = [("origin", "http://127.0.0.1:8080"), ("sec-fetch-site", "same-origin")];
    let (status, _, _) = gw.request_with(Method::POST, SEARCH, None, search(), &own).await;
    assert_eq!(status, StatusCode::OK);
    // A page the user opens from another site (a link in a ticket) is a plain GET: served.
    let (status, _, _) =
        gw.request_with(Method::GET, "/config.json", None, Body::Empty, &[("sec-fetch-site", "cross-site")]).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn every_traversal_form_gets_400_and_the_vendor_nothing() {
    let (vendor, sandbox) = serve_sandbox(0).await;
    let gw = TestGateway::with(config(vendor), "/nonexistent".into(), env);
    for path in [
        "/upstream/idme/api/v1/events/user/..",
        "/upstream/idme/api/v1/events/user/.",
        "/upstream/idme/api/v1/events/user/%2e%2e",
        "/upstream/idme/api/v1/events/user/%2E%2E",
        "/upstream/idme/api/v1/events/user/.%2e",
        "/upstream/idme/api/v1/events/user/%2e.",
        "/upstream/idme/api/v1/events/user/%2e",
        "/upstream/idme/api/v1/../../../sandbox/iden/search",
        "/upstream/idme/api/v1/%2e%2e/%2e%2e/events/search",
        "/upstream/idme/api/v1/events/user/x%2F..%2F..%2Fsearch",
        "/upstream/idme/api/v1/events/user/x%2f..",
        "/upstream/idme/api/v1/events/user/x%5C..%5Csearch",
        "/upstream/idme/api/v1/events/user/x%5c..",
        "/upstream/idme/api/v1/events/user/x\\..",
    ] {
        let (status, _, body) = gw.request(Method::POST, path, None, search()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["code"], "400", "ID.me's error shape: {path}");
    }
    assert_eq!(sandbox.request_count(), 0);
}

#[tokio::test]
async fn methods_and_paths_the_documents_do_not_name_are_refused() {
    let (vendor, sandbox) = serve_sandbox(0).await;
    let gw = TestGateway::with(config(vendor), "/nonexistent".into(), env);
    for (method, path, want) in [
        (Method::DELETE, "/upstream/idme/api/v1/events/search", StatusCode::METHOD_NOT_ALLOWED),
        (
            Method::PUT,
            "/upstream/idme/api/v1/events/user/ac28b80d-7ac1-4b0d-b51b-5bef6281f3c2",
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (Method::POST, "/upstream/idme/api/v1/events/idme-1", StatusCode::METHOD_NOT_ALLOWED),
        (Method::POST, "/upstream/idme/api/v2/admin/keys", StatusCode::NOT_FOUND),
        (Method::POST, "/upstream/idme", StatusCode::NOT_FOUND),
        (Method::GET, "/upstream/iden/org/acme/api/events", StatusCode::NOT_FOUND),
        (Method::GET, "/upstream/iden/org/acme/api/keys/", StatusCode::NOT_FOUND),
        (Method::POST, "/upstream/iden/org/acme/api/events/", StatusCode::METHOD_NOT_ALLOWED),
        (Method::DELETE, "/upstream/iden/org/acme/api/events/", StatusCode::METHOD_NOT_ALLOWED),
    ] {
        let (status, _, _) = gw.request(method.clone(), path, None, Body::Empty).await;
        assert_eq!(status, want, "{method} {path}");
    }
    assert_eq!(sandbox.request_count(), 0);
    let slug = auditdeck_server::sandbox::iden::ORG_SLUG;
    let path = format!("/upstream/iden/org/{slug}/api/events/?limit=2");
    let (status, _, body) = gw.request(Method::GET, &path, None, Body::Empty).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
}

#[test]
fn credentials_without_sign_in_stay_on_loopback() {
    let build = |bind: &str, config: GatewayConfig| {
        auditdeck_server::build(
            GatewayOptions { dist: "/nonexistent".into(), config, bind: bind.parse().unwrap() },
            common::shared_data(),
            env,
        )
    };
    let err = build("0.0.0.0", config("127.0.0.1:9".parse().unwrap())).err().unwrap();
    assert!(err.contains("refusing to listen on 0.0.0.0") && err.contains("\"idme\""), "{err}");
    assert!(build("10.1.2.3", config("127.0.0.1:9".parse().unwrap())).is_err());
    assert!(build("::1", config("127.0.0.1:9".parse().unwrap())).is_ok());
    let mut browser_keys = config("127.0.0.1:9".parse().unwrap());
    for upstream in &mut browser_keys.upstreams {
        upstream.credential = None;
    }
    assert!(build("0.0.0.0", browser_keys).is_ok(), "no gateway credential to spend");
}

/// A real listener with a half-second client timeout.
async fn serve_with_short_timeouts() -> SocketAddr {
    let config = GatewayConfig { client_timeout_secs: 0.5, ..GatewayConfig::default() };
    let gateway = auditdeck_server::build(
        GatewayOptions { dist: "/nonexistent".into(), config, bind: common::LOOPBACK },
        common::shared_data(),
        |_| None,
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(auditdeck_server::serve::serve(
        listener,
        gateway.router,
        gateway.client_limits,
        std::future::pending(),
    ));
    addr
}

/// Everything the server sends until it closes the connection (or 20 s pass: then the test
/// fails, since the timeout is half a second).
async fn read_until_closed(stream: &mut tokio::net::TcpStream) -> String {
    let mut got = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut got)).await;
    assert!(read.is_ok(), "the connection is still open after 20 s");
    String::from_utf8_lossy(&got).into_owned()
}

#[tokio::test]
async fn a_client_slow_to_send_its_request_head_is_dropped() {
    let addr = serve_with_short_timeouts().await;
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /config.json HTTP/1.1\r\nHost: 127.0.0.1\r\n").await.unwrap();
    let answer = read_until_closed(&mut slow).await;
    assert!(!answer.contains("200 OK"), "{answer}");
    // A client that sends its head in time is served.
    let mut quick = tokio::net::TcpStream::connect(addr).await.unwrap();
    quick.write_all(b"GET /config.json HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").await.unwrap();
    assert!(read_until_closed(&mut quick).await.starts_with("HTTP/1.1 200 OK"));
}

#[tokio::test]
async fn a_client_slow_to_send_its_body_is_answered_and_dropped() {
    let addr = serve_with_short_timeouts().await;
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(
        b"POST /sandbox/idme/api/v1/events/search HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nipaddress=",
    )
    .await
    .unwrap();
    let answer = read_until_closed(&mut slow).await;
    assert!(!answer.contains("200 OK"), "{answer}");
}
