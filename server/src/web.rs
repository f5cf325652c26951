//! Serving the built app: `dist/` with SPA fallback, `/config.json`, and the security headers
//! every response carries.

use std::path::Path;

use std::sync::Arc;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Extension, Router};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::auth::SignedIn;
use crate::config::GatewayConfig;

/// Routes for the app itself. Unknown paths get index.html (client-side routes such as
/// `/ip/1.2.3.4` must load the app); a missing build gets a plain explanation instead.
pub fn app_routes(dist: &Path) -> Router {
    let index = dist.join("index.html");
    if !index.is_file() {
        let message = format!(
            "Auditdeck's app is not built ({} is missing). Run `cargo xtask serve`, which builds it.",
            index.display()
        );
        return Router::new().fallback(move || {
            let message = message.clone();
            async move { (StatusCode::SERVICE_UNAVAILABLE, message).into_response() }
        });
    }
    // index.html names the hashed asset files, so it must be revalidated on every load.
    let index_service = tower::ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        .service(ServeFile::new(&index).precompressed_br().precompressed_gzip());
    // The build writes each file also compressed at the highest levels (`.br`, `.gz`): smaller
    // than the compression layer's per-request default levels, and no work per request. Files
    // without them are still compressed by the layer.
    let files = ServeDir::new(dist)
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(false)
        .fallback(index_service.clone());
    Router::new()
        .route_service("/", index_service)
        .fallback_service(files)
        .layer(axum::middleware::from_fn(keep_hashed_files))
}

/// The build's code sits in a directory named by its content's hash (`/pkg-<hash>/`), and
/// trunk names the stylesheet by its content's hash, so a browser may keep those files for good:
/// a warm open then asks the network only for index.html. Only real files: the SPA fallback's
/// index.html for a missing one must not stick.
async fn keep_hashed_files(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let hashed = is_named_by_its_hash(request.uri().path());
    let mut response = next.run(request).await;
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if hashed && response.status() == StatusCode::OK && !is_page {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    }
    response
}

/// Where xtask/src/wasm.rs publishes the code: `pkg-` and the first 8 bytes of its SHA-256.
const HASHED_DIR_PREFIX: &str = "/pkg-";

/// A file in the build's hashed directory, or named as trunk names the files it hashes:
/// `<name>-<16 hex digits>.<extension>` (`/main-14e33319a3809d90.css`).
fn is_named_by_its_hash(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    let hashed_name = file.split_once('.').and_then(|(stem, _)| stem.rsplit_once('-')).is_some_and(|(name, hash)| {
        !name.is_empty() && hash.len() == 16 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    });
    path.starts_with(HASHED_DIR_PREFIX) || hashed_name
}

/// A query parameter holding an RFC 3339 time, as milliseconds since the epoch.
pub fn query_instant_ms(name: &str, text: Option<&str>) -> Result<Option<i64>, String> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => chrono::DateTime::parse_from_rfc3339(t)
            .map(|d| Some(d.timestamp_millis()))
            .map_err(|_| format!("{name} must be a time like 2026-12-01T00:00:00Z, not {t:?}")),
    }
}

/// An error from the gateway's own JSON endpoints: `{code, message}`, never kept by a cache.
pub fn json_problem(status: StatusCode, message: &str) -> axum::response::Response {
    let body = serde_json::json!({ "code": status.as_u16().to_string(), "message": message });
    (status, [(header::CACHE_CONTROL, "no-store")], axum::Json(body)).into_response()
}

/// `/config.json`: the connections this person may use (all of them without sign-in), and who
/// is signed in.
pub fn config_route(config: &GatewayConfig) -> Router {
    let config = Arc::new(config.clone());
    Router::new().route(
        "/config.json",
        get(move |signed_in: Option<Extension<SignedIn>>| {
            let config = config.clone();
            async move {
                let who = signed_in.map(|Extension(SignedIn(who))| who);
                let body = crate::config::PublicConfig {
                    connections: config.public_connections(who.as_deref()),
                    response_timeout_secs: config.app_response_timeout_secs,
                    live_tail_secs: config.app_live_tail_secs,
                    user: who.as_deref().map(|who| crate::config::PublicUser {
                        name: who.shown().to_string(),
                        admin: config.auth.as_ref().is_some_and(|auth| who.is_admin(auth)),
                    }),
                    signals: config.signals.is_some(),
                };
                ([(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")], axum::Json(body))
            }
        }),
    )
}

/// The headers every response carries; the Content-Security-Policy is the build's (csp.rs).
pub fn security_headers(router: Router, config: &GatewayConfig, dist: &Path) -> Router {
    let policy = Arc::new(crate::csp::Policy::new(config, dist));
    router
        .layer(axum::middleware::from_fn_with_state(policy, crate::csp::set_policy))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
}
