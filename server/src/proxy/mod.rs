//! `/upstream/{id}/…`: a reverse proxy to the configured vendor bases. It forwards only each
//! vendor's documented requests (`routes`) with allowlisted headers (`headers`), adds the
//! credential itself when the configuration holds one (the browser never sees that secret),
//! spends each connection's shared budget (`budget`), and answers identical requests from a
//! short-lived shared cache (`shared_cache`).

pub mod budget;
pub mod headers;
pub mod routes;
pub mod shared_cache;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::access_log::{AccessLog, Entry, Kind};
use crate::auth::SignedIn;
use crate::config::{GatewayConfig, Provider, SecretEncoding, UpstreamConfig};
use budget::Budget;
use shared_cache::{Answer, SharedCache, Source};

/// Largest request body forwarded (vendor requests are a few form fields).
const MAX_REQUEST_BODY: usize = 1024 * 1024;
/// Largest vendor answer passed on (a page of events is far smaller).
const MAX_ANSWER: usize = 64 * 1024 * 1024;

/// Our own header on proxied answers: `hit` when the shared cache answered.
pub const SHARED_CACHE_HEADER: &str = "x-auditdeck-shared-cache";

struct Upstream {
    config: UpstreamConfig,
    /// The Authorization header value the gateway adds, resolved once at start.
    authorization: Option<HeaderValue>,
    budget: Option<Arc<Budget>>,
}

#[derive(Clone)]
pub struct Proxy {
    upstreams: Arc<HashMap<String, Upstream>>,
    /// With sign-in, each connection's access rule applies.
    signed_in_only: bool,
    log: Option<Arc<AccessLog>>,
    client: reqwest::Client,
    cache: Arc<SharedCache>,
}

impl Proxy {
    /// Resolves every upstream's credential from its environment variable; a missing variable is
    /// a start-up error, not a silent unauthenticated proxy.
    pub fn new(
        config: &GatewayConfig,
        env: impl Fn(&str) -> Option<String>,
        log: Option<Arc<AccessLog>>,
    ) -> Result<Self, String> {
        let mut upstreams = HashMap::new();
        // Vendors limit per key: connections holding the same key to the same vendor share one
        // budget (a connection whose browser sends the key keeps its own).
        let mut budgets: HashMap<(String, Vec<u8>, u32), Arc<Budget>> = HashMap::new();
        for upstream in &config.upstreams {
            let authorization = match &upstream.credential {
                None => None,
                Some(credential) => {
                    let secret = env(&credential.secret_env).filter(|s| !s.is_empty()).ok_or_else(|| {
                        format!(
                            "upstream {:?}: environment variable {} (its credential) is not set",
                            upstream.id, credential.secret_env
                        )
                    })?;
                    let token = match credential.encode {
                        SecretEncoding::Base64 => BASE64.encode(secret.trim()),
                        SecretEncoding::None => secret.trim().to_string(),
                    };
                    let mut value = HeaderValue::from_str(&format!("{} {token}", credential.scheme))
                        .map_err(|_| format!("upstream {:?}: credential is not a valid header value", upstream.id))?;
                    value.set_sensitive(true);
                    Some(value)
                }
            };
            let budget = upstream.rate_limit().map(|limit| {
                let key = match &authorization {
                    Some(value) => (upstream.base_url.origin().ascii_serialization(), value.as_bytes().to_vec(), limit),
                    None => (format!("connection {}", upstream.id), Vec::new(), limit),
                };
                budgets.entry(key).or_insert_with(|| Arc::new(Budget::per_minute(limit))).clone()
            });
            upstreams.insert(upstream.id.clone(), Upstream { config: upstream.clone(), authorization, budget });
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs_f64(config.upstream_timeout_secs))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let cache = Arc::new(SharedCache::new(Duration::from_secs(config.shared_cache_secs.into())));
        Ok(Proxy { upstreams: Arc::new(upstreams), signed_in_only: config.auth.is_some(), log, client, cache })
    }
}

/// An error the gateway raises itself, in the vendor's own error shape so the app shows it like
/// the vendor's.
fn gateway_answer(provider: Option<Provider>, status: StatusCode, message: &str) -> Answer {
    let code = status.as_u16().to_string();
    let body = match provider {
        Some(p) => p.error_body(&code, message),
        None => serde_json::json!({ "code": code, "message": message }),
    };
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Answer { status, headers, body: Bytes::from(body.to_string()) }
}

fn respond(answer: &Answer, source: Source) -> Response {
    let mut out = Response::new(Body::from(answer.body.clone()));
    *out.status_mut() = answer.status;
    *out.headers_mut() = answer.headers.clone();
    let served = if source == Source::SharedCache { "hit" } else { "miss" };
    out.headers_mut().insert(SHARED_CACHE_HEADER, HeaderValue::from_static(served));
    out
}

/// Target URL: the base URL's path, then the rest of the request path as the browser sent it
/// (still percent-encoded; `routes::check` has refused anything that could leave the base),
/// then its query.
fn target_url(base: &url::Url, rest: &str, query: Option<&str>) -> String {
    let mut target = base.as_str().trim_end_matches('/').to_string();
    if !rest.is_empty() {
        target.push('/');
        target.push_str(rest.trim_start_matches('/'));
    }
    if let Some(q) = query {
        target.push('?');
        target.push_str(q);
    }
    target
}

pub async fn handle(State(proxy): State<Proxy>, signed_in: Option<Extension<SignedIn>>, request: Request) -> Response {
    let who = signed_in.map(|Extension(SignedIn(who))| who);
    let path = request.uri().path().to_string();
    let after = path.strip_prefix("/upstream/").unwrap_or("");
    let (id, rest) = after.split_once('/').unwrap_or((after, ""));
    let query = request.uri().query().map(str::to_string);
    let method = request.method().clone();
    let mut entry = Entry::now(Kind::Request, who.as_deref());
    entry.connection = id.to_string();
    entry.method = method.to_string();
    entry.path = format!("/{rest}");
    entry.query = query.clone().unwrap_or_default();
    let log = |mut entry: Entry, answer: &Answer, source: Source| {
        if let Some(log) = &proxy.log {
            entry.status = answer.status.as_u16();
            entry.size = answer.body.len() as u64;
            entry.from_cache = source == Source::SharedCache;
            log.record(entry);
        }
    };
    let Some(upstream) = proxy.upstreams.get(id) else {
        let answer = gateway_answer(None, StatusCode::NOT_FOUND, &format!("no upstream named {id:?} is configured"));
        log(entry, &answer, Source::Vendor);
        return respond(&answer, Source::Vendor);
    };
    let provider = Some(upstream.config.provider);
    if proxy.signed_in_only && !who.as_ref().is_some_and(|who| who.may_use(&upstream.config)) {
        let message = format!(
            "Not allowed: {} may not use the connection {:?}. Ask an Auditdeck admin to add you to one of its groups.",
            who.as_ref().map(|w| w.shown()).unwrap_or("someone not signed in"),
            upstream.config.label
        );
        let answer = gateway_answer(provider, StatusCode::FORBIDDEN, &message);
        entry.kind = Kind::Denied;
        entry.detail = "not allowed to use this connection".into();
        log(entry, &answer, Source::Vendor);
        return respond(&answer, Source::Vendor);
    }
    if let Err(refusal) = routes::check(&upstream.config, &method, rest) {
        let answer = gateway_answer(provider, refusal.status, &refusal.message);
        entry.detail = refusal.message;
        log(entry, &answer, Source::Vendor);
        return respond(&answer, Source::Vendor);
    }
    let url = target_url(&upstream.config.base_url, rest, query.as_deref());
    let headers = headers::to_vendor(request.headers(), upstream.authorization.as_ref());
    let Ok(body) = axum::body::to_bytes(request.into_body(), MAX_REQUEST_BODY).await else {
        let answer = gateway_answer(
            provider,
            StatusCode::PAYLOAD_TOO_LARGE,
            "request body too large, or too slow, for the gateway",
        );
        log(entry, &answer, Source::Vendor);
        return respond(&answer, Source::Vendor);
    };
    if proxy.log.is_some() {
        let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
        entry.form = crate::access_log::form_fields(content_type, &body).await;
    }
    let browser_credential =
        if upstream.authorization.is_none() { headers.get(header::AUTHORIZATION).map(|v| v.as_bytes()) } else { None };
    let key = shared_cache::key(
        id,
        method.as_str(),
        &format!("/{rest}?{}", query.as_deref().unwrap_or("")),
        &body,
        browser_credential.unwrap_or(b""),
    );
    let (answer, source) =
        proxy.cache.get_or_fetch(key, || ask_vendor(&proxy.client, upstream, method, url, headers, body)).await;
    log(entry, &answer, source);
    respond(&answer, source)
}

/// One vendor request, if the connection's budget has room for it.
async fn ask_vendor(
    client: &reqwest::Client,
    upstream: &Upstream,
    method: Method,
    url: String,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let provider = Some(upstream.config.provider);
    if let Some(budget) = &upstream.budget
        && let Err(wait) = budget.spend(Instant::now())
    {
        let secs = budget::retry_after_secs(wait);
        let mut answer = gateway_answer(
            provider,
            StatusCode::TOO_MANY_REQUESTS,
            &format!(
                "{} allows {} requests a minute, shared by everyone using this gateway; try again in {secs} s",
                upstream.config.label,
                upstream.config.rate_limit().unwrap_or_default()
            ),
        );
        answer.headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        return answer;
    }
    let sent = client.request(method, &url).headers(headers).body(body).send().await;
    let label = &upstream.config.label;
    let mut response = match sent {
        Ok(response) => response,
        Err(e) => return transport_error(provider, label, &e),
    };
    let status = response.status();
    let headers = headers::to_browser(response.headers());
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) if body.len() + chunk.len() <= MAX_ANSWER => body.extend_from_slice(&chunk),
            Ok(Some(_)) => {
                return gateway_answer(
                    provider,
                    StatusCode::BAD_GATEWAY,
                    &format!("{label} sent an answer too large to pass on"),
                );
            }
            Ok(None) => break,
            Err(e) => return transport_error(provider, label, &e),
        }
    }
    Answer { status, headers, body: Bytes::from(body) }
}

fn transport_error(provider: Option<Provider>, label: &str, e: &reqwest::Error) -> Answer {
    if e.is_timeout() {
        gateway_answer(
            provider,
            StatusCode::GATEWAY_TIMEOUT,
            &format!("{label} did not answer in time (gateway timeout)"),
        )
    } else {
        gateway_answer(provider, StatusCode::BAD_GATEWAY, &format!("{label} could not be reached: {}", error_chain(e)))
    }
}

/// An error and its causes, as one line.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_keeps_base_path_rest_and_query() {
        let base = url::Url::parse("https://events.example.org/prefix/").unwrap();
        assert_eq!(
            target_url(&base, "api/v1/events/user/a%20b", Some("x=1")),
            "https://events.example.org/prefix/api/v1/events/user/a%20b?x=1"
        );
        let base = url::Url::parse("https://events.id.me").unwrap();
        assert_eq!(target_url(&base, "api/v1/events/search", None), "https://events.id.me/api/v1/events/search");
    }
}
