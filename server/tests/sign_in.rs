//! The gateway with sign-in configured, without a provider's round trip: what reaches whom
//! without a session, and each connection's access rule for the people it names. (The sign-in
//! itself, against a real OpenID provider, is in the browser tests: tests/e2e/team.rs.)

mod common;

use std::net::SocketAddr;

use auditdeck_server::{GatewayConfig, GatewayOptions};
use axum::http::{Method, StatusCode, header};
use common::{Body, TestGateway, multipart, person, serve_sandbox, session};

fn config(vendor: SocketAddr) -> GatewayConfig {
    toml::from_str(&format!(
        r#"
sandbox = false
public_url = "https://auditdeck.example.org"

[auth]
issuer = "http://127.0.0.1:9/no-provider-needed-here"
client_id = "auditdeck"
admin_group = "auditdeck-admins"

[[upstream]]
id = "idme"
provider = "idme"
label = "ID.me"
base_url = "http://{vendor}/sandbox/idme"
credential = {{ secret_env = "IDME_SECRET", scheme = "ID.me" }}
allow_groups = ["auditors"]
allow_emails = ["Carol@Example.org"]
"#
    ))
    .unwrap()
}

fn env(name: &str) -> Option<String> {
    (name == "IDME_SECRET").then(|| auditdeck_server::sandbox::idme::SANDBOX_SECRET.into())
}

const HOST: (&str, &str) = ("host", "auditdeck.example.org");

#[tokio::test]
async fn without_a_session_a_page_load_goes_to_sign_in_and_anything_else_gets_401() {
    let (vendor, sandbox) = serve_sandbox(0).await;
    let gw = TestGateway::with(config(vendor), "/nonexistent".into(), env);
    let (status, headers, _) = gw
        .request_with(
            Method::GET,
            "/ip/1.2.3.4?page=2&sort=time",
            None,
            Body::Empty,
            &[HOST, ("sec-fetch-mode", "navigate")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/auth/sign-in?return_to=%2Fip%2F1.2.3.4%3Fpage%3D2%26sort%3Dtime");
    for (method, path) in
        [(Method::GET, "/config.json"), (Method::POST, "/upstream/idme/api/v1/events/search"), (Method::GET, "/app.js")]
    {
        let (status, _, body) =
            gw.request_with(method, path, None, multipart(&[("ipaddress", "1.2.3.4")]), &[HOST]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        assert!(String::from_utf8_lossy(&body).contains("sign in again"), "{path}");
    }
    // A forged or ended session is no session.
    let (status, _, _) = gw
        .request_with(Method::GET, "/config.json", None, Body::Empty, &[HOST, ("cookie", "auditdeck_session=forged")])
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(sandbox.request_count(), 0);
}

#[tokio::test]
async fn each_connection_is_listed_and_proxied_only_for_the_people_it_names() {
    let (vendor, sandbox) = serve_sandbox(0).await;
    let gw = TestGateway::with(config(vendor), "/nonexistent".into(), env);
    let search = || multipart(&[("ipaddress", "152.133.18.33")]);
    for (who, allowed) in [
        (person("alice", &["auditors"]), true),
        (person("carol", &[]), true),
        (person("mallory", &["contractors"]), false),
    ] {
        let login = who.name.clone().unwrap();
        let cookie = session(&gw, who);
        let (status, _, body) =
            gw.request_with(Method::GET, "/config.json", None, Body::Empty, &[HOST, ("cookie", &cookie)]).await;
        assert_eq!(status, StatusCode::OK);
        let config: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(config["user"]["name"], format!("{login}@example.org"));
        let ids: Vec<&str> =
            config["connections"].as_array().unwrap().iter().filter_map(|c| c["id"].as_str()).collect();
        assert_eq!(ids, if allowed { vec!["idme"] } else { vec![] }, "{login}");
        let before = sandbox.request_count();
        let (status, _, body) = gw
            .request_with(
                Method::POST,
                "/upstream/idme/api/v1/events/search",
                None,
                search(),
                &[HOST, ("cookie", &cookie)],
            )
            .await;
        if allowed {
            assert_eq!(status, StatusCode::OK, "{login}");
        } else {
            assert_eq!(status, StatusCode::FORBIDDEN, "{login}");
            let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert!(json["message"].as_str().unwrap().starts_with("Not allowed: mallory@example.org"), "{json}");
            assert_eq!(sandbox.request_count(), before, "the vendor got nothing");
        }
    }
    let admin = session(&gw, person("ada", &["auditors", "auditdeck-admins"]));
    let (_, _, body) =
        gw.request_with(Method::GET, "/config.json", None, Body::Empty, &[HOST, ("cookie", &admin)]).await;
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&body).unwrap()["user"]["admin"], true);
}

#[tokio::test]
async fn sign_out_ends_the_session_and_clears_the_cookie() {
    let gw = TestGateway::with(config("127.0.0.1:9".parse().unwrap()), "/nonexistent".into(), env);
    let cookie = session(&gw, person("alice", &["auditors"]));
    let same_origin = ("origin", "https://auditdeck.example.org");
    let (status, headers, _) = gw
        .request_with(Method::POST, "/auth/sign-out", None, Body::Empty, &[HOST, same_origin, ("cookie", &cookie)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/auth/signed-out");
    let cleared = headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cleared.starts_with("auditdeck_session=;") && cleared.contains("Max-Age=0"), "{cleared}");
    assert!(
        cleared.contains("HttpOnly") && cleared.contains("SameSite=Lax") && cleared.contains("Secure"),
        "{cleared}"
    );
    let (status, _, _) =
        gw.request_with(Method::GET, "/config.json", None, Body::Empty, &[HOST, ("cookie", &cookie)]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A page on another site cannot sign anyone out.
    let cookie = session(&gw, person("alice", &["auditors"]));
    let (status, _, _) = gw
        .request_with(
            Method::POST,
            "/auth/sign-out",
            None,
            Body::Empty,
            &[HOST, ("origin", "https://evil.example"), ("cookie", &cookie)],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_callback_this_browser_did_not_start_is_refused_and_an_absent_provider_is_named() {
    let gw = TestGateway::with(config("127.0.0.1:9".parse().unwrap()), "/nonexistent".into(), env);
    let (status, _, body) =
        gw.request_with(Method::GET, "/auth/callback?code=abc&state=made-up", None, Body::Empty, &[HOST]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&body).contains("was not started here"));
    let (status, _, body) = gw.request_with(Method::GET, "/auth/sign-in?return_to=/", None, Body::Empty, &[HOST]).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(String::from_utf8_lossy(&body).contains("could not be read"));
}

#[test]
fn sign_in_needs_a_public_url_and_an_access_rule_per_connection() {
    let build = |config: GatewayConfig, bind: &str| {
        auditdeck_server::build(
            GatewayOptions { dist: "/nonexistent".into(), config, bind: bind.parse().unwrap() },
            common::shared_data(),
            env,
        )
    };
    let vendor: SocketAddr = "127.0.0.1:9".parse().unwrap();
    assert!(build(config(vendor), "0.0.0.0").is_ok(), "with sign-in, credentials may be served on any address");
    let mut no_url = config(vendor);
    no_url.public_url = None;
    assert!(build(no_url, "127.0.0.1").err().unwrap().contains("public_url"));
    let mut open = config(vendor);
    open.upstreams[0].allow_groups.clear();
    open.upstreams[0].allow_emails.clear();
    assert!(build(open, "127.0.0.1").err().unwrap().contains("say who may use it"));
}
