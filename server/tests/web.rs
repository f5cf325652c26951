//! Serving the app: SPA fallback, MIME types, compression, security headers, /config.json.

mod common;

use std::path::PathBuf;

use auditdeck_server::GatewayConfig;
use axum::http::{Method, StatusCode, header};
use common::{Body, TestGateway};

/// The stand-in for the boot script the build writes into index.html, and its SHA-256 in base64
/// (`printf 'startApp();\n' | openssl dgst -sha256 -binary | base64`).
const BOOT: &str = "startApp();\n";
const BOOT_SHA256: &str = "'sha256-eeCHSNIlAadYYadMJx++ZFJQbdinRgKwSt9ecFn642Y='";

/// Written once per test binary: tests run in parallel and must not see half-written files.
fn fake_dist() -> PathBuf {
    static DIST: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIST.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("auditdeck-web-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let page = format!("<!doctype html><title>Auditdeck</title>{}", "<p>Auditdeck</p>".repeat(40));
        std::fs::write(dir.join("index.html"), format!("{page}<script type=\"module\" async>{BOOT}</script>")).unwrap();
        std::fs::write(dir.join("app-1234.js"), "export default function init() {}\n".repeat(100)).unwrap();
        std::fs::write(dir.join("app-1234_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
        std::fs::write(dir.join("style-1.css"), "body{color:red}\n").unwrap();
        // The stylesheet as trunk names it: by its content's hash.
        std::fs::write(dir.join("main-14e33319a3809d90.css"), "body{color:red}\n").unwrap();
        // As the build writes them: the file and its precompressed siblings (stand-in bytes
        // here, so a test can tell them from the layer's own compression).
        std::fs::write(dir.join("chunk-1.wasm"), b"\0asm\x01\0\0\0".repeat(200)).unwrap();
        std::fs::write(dir.join("chunk-1.wasm.gz"), "precompressed gzip").unwrap();
        std::fs::write(dir.join("chunk-1.wasm.br"), "precompressed brotli").unwrap();
        // The build's code directory, named by its content's hash.
        std::fs::create_dir_all(dir.join("pkg-0123456789abcdef")).unwrap();
        std::fs::write(dir.join("pkg-0123456789abcdef/auditdeck_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
        dir
    })
    .clone()
}

fn gateway_with_dist() -> TestGateway {
    let config =
        GatewayConfig { extra_connect_src: vec!["https://custom.example.org".into()], ..GatewayConfig::default() };
    TestGateway::with(config, fake_dist(), |_| None)
}

#[tokio::test]
async fn unknown_paths_fall_back_to_index_html() {
    let gw = gateway_with_dist();
    for path in ["/", "/ip/152.133.18.33?page=2", "/settings", "/no/such/route"] {
        let (status, headers, body) = gw.request(Method::GET, path, None, Body::Empty).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"), "{path}");
        assert!(String::from_utf8_lossy(&body).contains("<title>Auditdeck</title>"), "{path}");
    }
}

#[tokio::test]
async fn assets_have_their_mime_types() {
    let gw = gateway_with_dist();
    for (path, mime) in
        [("/app-1234.js", "text/javascript"), ("/app-1234_bg.wasm", "application/wasm"), ("/style-1.css", "text/css")]
    {
        let (status, headers, _) = gw.request(Method::GET, path, None, Body::Empty).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with(mime), "{path}: {headers:?}");
    }
}

#[tokio::test]
async fn responses_are_compressed_when_asked() {
    let gw = gateway_with_dist();
    for encoding in ["gzip", "br"] {
        let (_, headers, _) =
            gw.request_with(Method::GET, "/app-1234.js", None, Body::Empty, &[("accept-encoding", encoding)]).await;
        assert_eq!(headers[header::CONTENT_ENCODING], encoding);
    }
}

#[tokio::test]
async fn precompressed_files_are_served_as_built() {
    let gw = gateway_with_dist();
    for (accept, encoding, body) in [
        ("gzip", "gzip", "precompressed gzip"),
        ("br", "br", "precompressed brotli"),
        ("gzip, br", "br", "precompressed brotli"),
    ] {
        let (status, headers, got) =
            gw.request_with(Method::GET, "/chunk-1.wasm", None, Body::Empty, &[("accept-encoding", accept)]).await;
        assert_eq!(status, StatusCode::OK, "{accept}");
        assert_eq!(headers[header::CONTENT_ENCODING], encoding, "{accept}");
        assert_eq!(headers[header::CONTENT_TYPE], "application/wasm", "{accept}");
        assert_eq!(String::from_utf8_lossy(&got), body, "{accept}");
    }
    let (_, headers, got) = gw.request(Method::GET, "/chunk-1.wasm", None, Body::Empty).await;
    assert!(headers.get(header::CONTENT_ENCODING).is_none());
    assert_eq!(got.len(), 1600);
}

#[tokio::test]
async fn only_files_named_by_their_hash_are_kept_for_good() {
    let gw = gateway_with_dist();
    for path in ["/pkg-0123456789abcdef/auditdeck_bg.wasm", "/main-14e33319a3809d90.css"] {
        let (status, headers, _) = gw.request(Method::GET, path, None, Body::Empty).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=31536000, immutable", "{path}");
    }
    // index.html names the code directory: it is asked again on every load, also as the SPA
    // fallback for a file an older build had (which must not be kept in its place).
    for path in [
        "/",
        "/ip/152.133.18.33",
        "/pkg-0123456789abcdef/gone.wasm",
        "/pkg-ffffffffffffffff/auditdeck.js",
        "/main-ffffffffffffffff.css",
    ] {
        let (_, headers, _) = gw.request(Method::GET, path, None, Body::Empty).await;
        assert_eq!(headers[header::CACHE_CONTROL], "no-cache", "{path}");
    }
    // Other files are not named by a hash the build controls.
    for path in ["/app-1234.js", "/style-1.css"] {
        let (_, headers, _) = gw.request(Method::GET, path, None, Body::Empty).await;
        assert!(headers.get(header::CACHE_CONTROL).is_none(), "{path}: {headers:?}");
    }
}

#[tokio::test]
async fn security_headers_on_every_response() {
    let gw = gateway_with_dist();
    for path in ["/", "/config.json", "/app-1234.js"] {
        let (_, headers, _) = gw.request(Method::GET, path, None, Body::Empty).await;
        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains(&format!("script-src 'self' 'wasm-unsafe-eval' {BOOT_SHA256};")), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(csp.contains("connect-src 'self' https://custom.example.org;"), "{csp}");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
    }
}

/// A new build under a running gateway brings a new boot script: the policy follows the page
/// served, or the new page could not start.
#[tokio::test]
async fn the_policy_follows_a_new_build_of_the_page() {
    let dist = std::env::temp_dir().join(format!("auditdeck-web-test-{}-rebuilt", std::process::id()));
    std::fs::create_dir_all(&dist).unwrap();
    let index = dist.join("index.html");
    std::fs::write(&index, format!("<title>Auditdeck</title><script type=\"module\">{BOOT}</script>")).unwrap();
    let gw = TestGateway::with(GatewayConfig::default(), dist.clone(), |_| None);
    let policy =
        |headers: &axum::http::HeaderMap| headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_string();
    let (_, headers, _) = gw.request(Method::GET, "/", None, Body::Empty).await;
    assert!(policy(&headers).contains(BOOT_SHA256), "{}", policy(&headers));

    // `printf 'startNewApp();' | openssl dgst -sha256 -binary | base64`
    std::fs::write(&index, "<title>Auditdeck, rebuilt</title><script type=\"module\">startNewApp();</script>").unwrap();
    let (_, headers, body) = gw.request(Method::GET, "/severity", None, Body::Empty).await;
    assert!(String::from_utf8_lossy(&body).contains("startNewApp"));
    let csp = policy(&headers);
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-i6myvyUFCM0y/gi3ttJUJhNY7AaM8ngjLUB8sjZGXuA=';"),
        "{csp}"
    );
    assert!(!csp.contains(BOOT_SHA256), "the old page's script is no longer allowed: {csp}");
    let _ = std::fs::remove_dir_all(&dist);
}

#[tokio::test]
async fn config_json_lists_the_sandbox_connection() {
    let gw = gateway_with_dist();
    let (status, headers, body) = gw.request(Method::GET, "/config.json", None, Body::Empty).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("application/json"));
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let first = &json["connections"][0];
    assert_eq!(first["provider"], "idme");
    assert_eq!(first["base_url"], "/sandbox/idme");
    assert_eq!(first["gateway_adds_credential"], false);
}

#[tokio::test]
async fn a_missing_build_is_explained() {
    let gw = TestGateway::new();
    let (status, _, body) = gw.request(Method::GET, "/", None, Body::Empty).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(String::from_utf8_lossy(&body).contains("cargo xtask serve"));
}

#[tokio::test]
async fn config_json_names_the_apps_response_deadline() {
    let gw = gateway_with_dist();
    let (_, _, body) = gw.request(Method::GET, "/config.json", None, Body::Empty).await;
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["response_timeout_secs"], 40, "the default: longer than the 30 s upstream timeout");
}

#[tokio::test]
async fn faults_are_armed_over_http_only_when_the_config_allows() {
    let arm = || Body::Raw("application/json", br#"{"vendor":"iden","fault":"html-bad-gateway"}"#.to_vec());
    let off = gateway_with_dist();
    let (status, _, _) = off.request(Method::POST, "/sandbox/faults", None, arm()).await;
    assert_ne!(status, StatusCode::NO_CONTENT, "no fault route unless sandbox_faults is on");

    let config: GatewayConfig = toml::from_str("sandbox_faults = true").unwrap();
    let on = TestGateway::with(config, fake_dist(), |_| None);
    let (status, _, _) = on.request(Method::POST, "/sandbox/faults", None, arm()).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let path = format!("/sandbox/iden/org/{}/api/events/", auditdeck_sandbox::iden::ORG_SLUG);
    let auth = format!("Api-Key {}", auditdeck_sandbox::iden::SANDBOX_KEY);
    let (status, headers, body) = on.request(Method::GET, &path, Some(&auth), Body::Empty).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(headers[header::CONTENT_TYPE], "text/html");
    assert!(String::from_utf8_lossy(&body).contains("502 Bad Gateway"));
    let (status, _, _) = on.request(Method::GET, &path, Some(&auth), Body::Empty).await;
    assert_eq!(status, StatusCode::OK, "an armed fault is used once");
    assert_eq!(on.sandbox.request_count(), 2, "arming is not a vendor request");
}
