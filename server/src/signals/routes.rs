//! The signals endpoints. `POST /ssf/{receiver}` is the one route that takes no user session:
//! the transmitter is authenticated by its SET's signature (and a bearer token when configured),
//! and the route has a body size limit and a rate limit of its own. `/signals.json` (a page of
//! kept signals) and `/signals/stream` (new ones as Server-Sent Events) serve signed-in people
//! the receivers they may see.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde::Deserialize;

use super::verify::Rejection;
use super::{Filter, Outcome, Signals};
use crate::auth::SignedIn;

/// The push path's prefix (the session layer lets it through).
pub const PUSH_PREFIX: &str = "/ssf/";
/// Signals a page holds at most.
const MAX_PAGE: u32 = 500;

#[derive(Clone)]
struct Shared {
    signals: Arc<Signals>,
    with_auth: bool,
}

/// `POST /ssf/{receiver}`, outside the session layer.
pub fn push_routes(signals: Arc<Signals>) -> Router {
    Router::new().route("/ssf/{receiver}", post(push)).with_state(Shared { signals, with_auth: false })
}

/// `/signals.json` and `/signals/stream`, behind the session layer.
pub fn view_routes(signals: Arc<Signals>, with_auth: bool) -> Router {
    Router::new()
        .route("/signals.json", get(page))
        .route("/signals/stream", get(stream))
        .with_state(Shared { signals, with_auth })
}

/// RFC 8935's error response: `{"err": …, "description": …}`.
fn refuse(rejection: &Rejection) -> Response {
    let body = serde_json::json!({ "err": rejection.err, "description": rejection.description });
    let mut response = (rejection.status, [(header::CACHE_CONTROL, "no-store")], axum::Json(body)).into_response();
    if rejection.err == "authentication_failed" && rejection.status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

async fn push(State(shared): State<Shared>, Path(id): Path<String>, request: Request) -> Response {
    let signals = &shared.signals;
    let Some(receiver) = signals.receivers.get(&id) else {
        return (StatusCode::NOT_FOUND, axum::Json(serde_json::json!({ "description": "no such receiver" })))
            .into_response();
    };
    if let Err(wait) = receiver.budget.spend(Instant::now()) {
        let secs = crate::proxy::budget::retry_after_secs(wait).to_string();
        return (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, secs)]).into_response();
    }
    let refused = |rejection: Rejection, size: usize| {
        signals.record_rejection(&id, &rejection, size);
        refuse(&rejection)
    };
    if let Some(expected) = &receiver.bearer
        && !bearer_matches(request.headers(), expected)
    {
        let rejection = Rejection {
            status: StatusCode::UNAUTHORIZED,
            err: "authentication_failed",
            description: "the request's bearer token is missing or wrong".into(),
        };
        return refused(rejection, 0);
    }
    if !is_secevent(request.headers()) {
        let rejection = Rejection::new("invalid_request", "Content-Type must be application/secevent+jwt");
        return refused(rejection, 0);
    }
    let limit = signals.max_set_bytes;
    let body = match axum::body::to_bytes(request.into_body(), limit).await {
        Ok(body) => body,
        Err(_) => {
            let rejection = Rejection {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                err: "invalid_request",
                description: format!("a SET may be at most {limit} bytes"),
            };
            return refused(rejection, limit);
        }
    };
    let Ok(token) = std::str::from_utf8(&body) else {
        return refused(Rejection::new("invalid_request", "the body is not text"), body.len());
    };
    match signals.receive(receiver, token).await {
        // RFC 8935 has no error for a SET received before: acknowledging it again lets a
        // transmitter that lost the first 202 stop retrying, and the store keeps it once.
        Ok(Outcome::Kept(_) | Outcome::Duplicate) => StatusCode::ACCEPTED.into_response(),
        Err(rejection) => refuse(&rejection),
    }
}

fn is_secevent(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/secevent+jwt"))
}

/// Compared in constant time, so the token cannot be guessed byte by byte.
fn bearer_matches(headers: &HeaderMap, expected: &str) -> bool {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .unwrap_or("");
    use sha2::{Digest, Sha256};
    let (a, b) = (Sha256::digest(given.as_bytes()), Sha256::digest(expected.as_bytes()));
    a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The view's URL parameters.
#[derive(Debug, Default, Deserialize)]
pub struct SignalsQuery {
    #[serde(rename = "type")]
    event_type: Option<String>,
    subject: Option<String>,
    /// RFC 3339 instants on the event time; `to` is exclusive.
    from: Option<String>,
    to: Option<String>,
    before: Option<i64>,
    limit: Option<u32>,
}

impl SignalsQuery {
    fn filter(&self) -> Result<Filter, String> {
        let text = |v: &Option<String>| v.as_ref().map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        Ok(Filter {
            event_type: text(&self.event_type),
            subject: text(&self.subject),
            from_ms: crate::web::query_instant_ms("from", self.from.as_deref())?,
            to_ms: crate::web::query_instant_ms("to", self.to.as_deref())?,
            before_id: self.before,
        })
    }
}

fn no_store(response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn page(
    State(shared): State<Shared>,
    who: Option<Extension<SignedIn>>,
    Query(query): Query<SignalsQuery>,
) -> Response {
    let filter = match query.filter() {
        Ok(filter) => filter,
        Err(message) => return no_store(crate::web::json_problem(StatusCode::BAD_REQUEST, &message)),
    };
    let limit = query.limit.unwrap_or(100).clamp(1, MAX_PAGE);
    let who = who.map(|Extension(SignedIn(who))| who);
    let receivers = shared.signals.visible_to(who.as_deref(), shared.with_auth);
    let signals = shared.signals.clone();
    let found = tokio::task::spawn_blocking(move || signals.page(&filter, &receivers, limit + 1)).await;
    match found {
        Ok(Ok(mut signals)) => {
            let more = signals.len() > limit as usize;
            signals.truncate(limit as usize);
            no_store(axum::Json(serde_json::json!({ "signals": signals, "more": more })))
        }
        Ok(Err(message)) => no_store(crate::web::json_problem(StatusCode::SERVICE_UNAVAILABLE, &message)),
        Err(_) => no_store(crate::web::json_problem(StatusCode::SERVICE_UNAVAILABLE, "signals unavailable")),
    }
}

/// New signals as `event: signal` messages; `event: lagged` when this client fell so far
/// behind that some were dropped (the page then reloads its list).
async fn stream(State(shared): State<Shared>, who: Option<Extension<SignedIn>>) -> Response {
    let who = who.map(|Extension(SignedIn(who))| who);
    let visible = shared.signals.visible_to(who.as_deref(), shared.with_auth);
    let receiver = shared.signals.subscribe();
    let events = futures_util::stream::unfold((receiver, visible), |(mut receiver, visible)| async move {
        loop {
            match receiver.recv().await {
                Ok(signal) if visible.contains(&signal.receiver) => {
                    let event = Event::default().event("signal").json_data(&*signal).unwrap_or_default();
                    return Some((Ok::<_, Infallible>(event), (receiver, visible)));
                }
                Ok(_) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    return Some((Ok(Event::default().event("lagged").data("")), (receiver, visible)));
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    let mut response = Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
