//! Sign-in with OpenID Connect (`oidc`), sessions held by the gateway behind an HttpOnly cookie
//! (`sessions`), and who may use what (`identity`). Every route but `/auth/…` needs a session
//! when `[auth]` is configured: a page load without one goes through sign-in and comes back to
//! the same URL; any other request gets 401.

mod config;
mod identity;
mod oidc;
mod pages;
mod sessions;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

pub use config::AuthConfig;
pub use identity::Identity;
use oidc::RelyingParty;

use crate::access_log::{AccessLog, Entry, Kind};
pub use sessions::Sessions;

pub const SESSION_COOKIE: &str = "auditdeck_session";
/// Ties a sign-in's callback to the browser that started it (the `state` it was sent with).
const SIGN_IN_COOKIE: &str = "auditdeck_sign_in";
/// Sign-in and its callback live here, reachable without a session.
pub const PREFIX: &str = "/auth/";

/// The person a request comes from, put in its extensions by [`require_session`].
#[derive(Clone)]
pub struct SignedIn(pub Arc<Identity>);

pub struct Auth {
    pub config: AuthConfig,
    log: Option<Arc<AccessLog>>,
    party: RelyingParty,
    pub sessions: Sessions,
    /// Cookies carry `Secure` when the public URL is https.
    secure: bool,
}

impl Auth {
    pub fn new(
        config: &AuthConfig,
        public_url: &url::Url,
        env: impl Fn(&str) -> Option<String>,
        log: Option<Arc<AccessLog>>,
    ) -> Result<Self, String> {
        Ok(Auth {
            config: config.clone(),
            log,
            party: RelyingParty::new(config, public_url, env)?,
            sessions: Sessions::new(std::time::Duration::from_secs(config.session_lifetime_secs)),
            secure: public_url.scheme() == "https",
        })
    }

    fn record(&self, kind: Kind, who: Option<&Identity>, detail: &str) {
        if let Some(log) = &self.log {
            let mut entry = Entry::now(kind, who);
            entry.detail = detail.to_string();
            log.record(entry);
        }
    }

    fn cookie(&self, name: &str, value: &str, path: &str, max_age_secs: u64) -> HeaderValue {
        let secure = if self.secure { "; Secure" } else { "" };
        let text = format!("{name}={value}; Path={path}; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{secure}");
        HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("invalid=1; Max-Age=0"))
    }
}

/// A cookie's value from the request's Cookie headers.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Only a path on this gateway: never another site (`//evil.example`, `/\evil.example`).
fn safe_return_to(candidate: Option<&str>) -> String {
    match candidate {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.starts_with(PREFIX)
                && path.len() <= 4096
                && !path.chars().any(|c| c.is_control()) =>
        {
            path.to_string()
        }
        _ => "/".into(),
    }
}

/// A page load (the browser will show what comes back), not a script's fetch.
fn is_navigation(headers: &HeaderMap) -> bool {
    match headers.get("sec-fetch-mode").and_then(|v| v.to_str().ok()) {
        Some(mode) => mode == "navigate",
        None => headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html")),
    }
}

fn sign_in_path(return_to: &str) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(return_to.as_bytes()).collect();
    format!("{PREFIX}sign-in?return_to={encoded}")
}

fn see_other(location: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, location), (header::CACHE_CONTROL, "no-store")]).into_response()
}

/// Lets a request through with its [`SignedIn`], or sends it to sign in.
pub async fn require_session(State(auth): State<Option<Arc<Auth>>>, mut request: Request, next: Next) -> Response {
    let Some(auth) = auth else { return next.run(request).await };
    // Sign-in itself, and the public key anyone may check a signed export with.
    if request.uri().path().starts_with(PREFIX) || request.uri().path() == crate::signing::KEY_PATH {
        return next.run(request).await;
    }
    if let Some(identity) = cookie(request.headers(), SESSION_COOKIE).and_then(|t| auth.sessions.identity(t)) {
        request.extensions_mut().insert(SignedIn(identity));
        return next.run(request).await;
    }
    let here = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
    if is_navigation(request.headers()) {
        return see_other(&sign_in_path(here));
    }
    // Every vendor's error shape at once (ID.me `code`/`message`, Standfast `message`, Iden
    // `detail`), so the app shows this sentence whichever connection asked.
    let message = "You are not signed in, or your session has ended: reload the page to sign in again.";
    let body =
        serde_json::json!({ "code": "401", "message": message, "detail": message, "sign_in": sign_in_path(here) });
    (StatusCode::UNAUTHORIZED, [(header::CACHE_CONTROL, "no-store")], axum::Json(body)).into_response()
}

pub fn routes(auth: Arc<Auth>) -> Router {
    Router::new()
        .route("/auth/sign-in", get(sign_in))
        .route("/auth/callback", get(callback))
        .route("/auth/sign-out", post(sign_out))
        .route("/auth/signed-out", get(|| async { pages::signed_out() }))
        .with_state(auth)
}

#[derive(Deserialize)]
struct SignInQuery {
    return_to: Option<String>,
}

async fn sign_in(State(auth): State<Arc<Auth>>, Query(query): Query<SignInQuery>) -> Response {
    let return_to = safe_return_to(query.return_to.as_deref());
    match auth.party.start(return_to).await {
        Ok((url, state, pending)) => {
            auth.sessions.remember(state.clone(), pending);
            let max_age = sessions::SIGN_IN_LIFETIME.as_secs();
            let mut response = see_other(url.as_str());
            response.headers_mut().append(header::SET_COOKIE, auth.cookie(SIGN_IN_COOKIE, &state, "/auth/", max_age));
            response
        }
        Err(message) => pages::problem(StatusCode::BAD_GATEWAY, "Sign-in is unavailable", &message, "/"),
    }
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

async fn callback(State(auth): State<Arc<Auth>>, headers: HeaderMap, Query(query): Query<CallbackQuery>) -> Response {
    let again = sign_in_path("/");
    if let Some(error) = query.error {
        let detail = query.error_description.map(|d| format!("{error}: {d}")).unwrap_or(error);
        return pages::problem(StatusCode::FORBIDDEN, "The sign-in provider did not sign you in", &detail, &again);
    }
    let (Some(code), Some(state)) = (query.code, query.state) else {
        return pages::problem(StatusCode::BAD_REQUEST, "Sign-in failed", "the provider sent no code", &again);
    };
    // The state must be the one this browser was given: a callback link made for someone else's
    // browser (login CSRF) is refused.
    let pending =
        (cookie(&headers, SIGN_IN_COOKIE) == Some(state.as_str())).then(|| auth.sessions.take(&state)).flatten();
    let Some(pending) = pending else {
        return pages::problem(
            StatusCode::BAD_REQUEST,
            "Sign-in failed",
            "this sign-in was not started here, or took too long",
            &again,
        );
    };
    let return_to = pending.return_to.clone();
    match auth.party.finish(code, pending).await {
        Ok(identity) => {
            auth.record(Kind::SignIn, Some(&identity), &format!("groups: {}", identity.groups.join(", ")));
            let token = auth.sessions.start(identity);
            let mut response = see_other(&return_to);
            let lifetime = auth.sessions.lifetime().as_secs();
            response.headers_mut().append(header::SET_COOKIE, auth.cookie(SESSION_COOKIE, &token, "/", lifetime));
            response.headers_mut().append(header::SET_COOKIE, auth.cookie(SIGN_IN_COOKIE, "", "/auth/", 0));
            response
        }
        Err(message) => {
            auth.record(Kind::Denied, None, &format!("sign-in failed: {message}"));
            pages::problem(StatusCode::FORBIDDEN, "Sign-in failed", &message, &again)
        }
    }
}

async fn sign_out(State(auth): State<Arc<Auth>>, headers: HeaderMap) -> Response {
    if let Some(who) = cookie(&headers, SESSION_COOKIE).and_then(|token| auth.sessions.end(token)) {
        auth.record(Kind::SignOut, Some(&who), "");
    }
    let mut response = see_other("/auth/signed-out");
    response.headers_mut().append(header::SET_COOKIE, auth.cookie(SESSION_COOKIE, "", "/", 0));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_to_is_only_ever_a_path_here() {
        assert_eq!(safe_return_to(Some("/ip/1.2.3.4?page=2&sort=time")), "/ip/1.2.3.4?page=2&sort=time");
        for bad in ["//evil.example/x", "/\\evil.example", "https://evil.example", "evil", "/auth/sign-in", "/a\nb"] {
            assert_eq!(safe_return_to(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_return_to(None), "/");
    }

    #[test]
    fn cookies_are_read_by_exact_name() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("x_auditdeck_session=no; auditdeck_session=abc; other=1"));
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "missing"), None);
    }

    #[test]
    fn only_page_loads_are_sent_to_sign_in() {
        let mut h = HeaderMap::new();
        h.insert("sec-fetch-mode", HeaderValue::from_static("navigate"));
        assert!(is_navigation(&h));
        h.insert("sec-fetch-mode", HeaderValue::from_static("cors"));
        h.insert(header::ACCEPT, HeaderValue::from_static("text/html"));
        assert!(!is_navigation(&h), "a fetch that accepts HTML is still a fetch");
        let mut old = HeaderMap::new();
        old.insert(header::ACCEPT, HeaderValue::from_static("text/html,application/xhtml+xml"));
        assert!(is_navigation(&old));
        assert_eq!(sign_in_path("/ip/1.2.3.4?page=2"), "/auth/sign-in?return_to=%2Fip%2F1.2.3.4%3Fpage%3D2");
    }
}
