//! `/upstream/{id}/…`: a reverse proxy to the configured vendor bases. The gateway adds the
//! credential itself when the configuration holds one, so the browser never sees that secret.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::config::{GatewayConfig, Provider, SecretEncoding, UpstreamConfig};

/// Largest request body forwarded (vendor requests are a few form fields).
const MAX_REQUEST_BODY: usize = 1024 * 1024;

/// RFC 9110 §7.6.1 connection-specific headers, never forwarded in either direction.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

struct Upstream {
    config: UpstreamConfig,
    /// The Authorization header value the gateway adds, resolved once at start.
    authorization: Option<HeaderValue>,
}

#[derive(Clone)]
pub struct Proxy {
    upstreams: Arc<HashMap<String, Upstream>>,
    client: reqwest::Client,
}

impl Proxy {
    /// Resolves every upstream's credential from its environment variable; a missing variable is
    /// a start-up error, not a silent unauthenticated proxy.
    pub fn new(config: &GatewayConfig, env: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let mut upstreams = HashMap::new();
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
            upstreams.insert(upstream.id.clone(), Upstream { config: upstream.clone(), authorization });
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs_f64(config.upstream_timeout_secs))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Proxy { upstreams: Arc::new(upstreams), client })
    }
}

fn gateway_error(provider: Option<Provider>, status: StatusCode, message: &str) -> Response {
    let code = status.as_u16().to_string();
    let body = match provider {
        Some(p) => p.error_body(&code, message),
        None => serde_json::json!({ "code": code, "message": message }),
    };
    (status, axum::Json(body)).into_response()
}

fn is_hop_by_hop(name: &HeaderName, listed_in_connection: &[String]) -> bool {
    HOP_BY_HOP.contains(&name.as_str()) || listed_in_connection.iter().any(|h| h == name.as_str())
}

fn connection_listed(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect()
}

/// Headers to send upstream: the browser's, less hop-by-hop ones, the Host (reqwest sets the
/// upstream's), cookies (the gateway's own, nothing for a vendor), and the browser's
/// Authorization when the gateway adds its own.
pub fn forward_request_headers(incoming: &HeaderMap, gateway_authorization: Option<&HeaderValue>) -> HeaderMap {
    let listed = connection_listed(incoming);
    let mut out = HeaderMap::new();
    for (name, value) in incoming {
        let drop = is_hop_by_hop(name, &listed)
            || name == header::HOST
            || name == header::CONTENT_LENGTH
            || name == header::COOKIE
            || (gateway_authorization.is_some() && name == header::AUTHORIZATION);
        if !drop {
            out.append(name.clone(), value.clone());
        }
    }
    if let Some(value) = gateway_authorization {
        out.insert(header::AUTHORIZATION, value.clone());
    }
    out
}

/// Headers to send back: the vendor's, less hop-by-hop ones and cookies.
pub fn forward_response_headers(upstream: &HeaderMap) -> HeaderMap {
    let listed = connection_listed(upstream);
    let mut out = HeaderMap::new();
    for (name, value) in upstream {
        if !is_hop_by_hop(name, &listed) && name != header::SET_COOKIE && name != header::CONTENT_LENGTH {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

/// Target URL: the base URL's path, then the rest of the request path as the browser sent it
/// (still percent-encoded), then its query.
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

pub async fn handle(State(proxy): State<Proxy>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    let after = path.strip_prefix("/upstream/").unwrap_or("");
    let (id, rest) = after.split_once('/').unwrap_or((after, ""));
    let Some(upstream) = proxy.upstreams.get(id) else {
        return gateway_error(None, StatusCode::NOT_FOUND, &format!("no upstream named {id:?} is configured"));
    };
    let provider = Some(upstream.config.provider);
    let url = target_url(&upstream.config.base_url, rest, request.uri().query());
    let method = request.method().clone();
    let headers = forward_request_headers(request.headers(), upstream.authorization.as_ref());
    let Ok(body) = axum::body::to_bytes(request.into_body(), MAX_REQUEST_BODY).await else {
        return gateway_error(provider, StatusCode::PAYLOAD_TOO_LARGE, "request body too large for the gateway");
    };

    let sent = proxy.client.request(method, &url).headers(headers).body(body).send().await;
    match sent {
        Ok(response) => {
            let status = response.status();
            let headers = forward_response_headers(response.headers());
            let mut out = Response::new(Body::from_stream(response.bytes_stream()));
            *out.status_mut() = status;
            *out.headers_mut() = headers;
            out
        }
        Err(e) if e.is_timeout() => gateway_error(
            provider,
            StatusCode::GATEWAY_TIMEOUT,
            &format!("{} did not answer in time (gateway timeout)", upstream.config.label),
        ),
        Err(e) => gateway_error(
            provider,
            StatusCode::BAD_GATEWAY,
            &format!("{} could not be reached: {}", upstream.config.label, error_chain(&e)),
        ),
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
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
    fn strips_hop_by_hop_and_replaces_authorization() {
        let mut h = HeaderMap::new();
        h.insert(header::CONNECTION, HeaderValue::from_static("keep-alive, x-private"));
        h.insert("x-private", HeaderValue::from_static("1"));
        h.insert(header::TE, HeaderValue::from_static("trailers"));
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        h.insert(header::COOKIE, HeaderValue::from_static("a=b"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("ID.me browser"));
        h.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        let gateway = HeaderValue::from_static("ID.me gateway");
        let out = forward_request_headers(&h, Some(&gateway));
        assert_eq!(out.len(), 2, "{out:?}");
        assert_eq!(out[header::AUTHORIZATION], "ID.me gateway");
        assert_eq!(out[header::ACCEPT], "application/json");
        let out = forward_request_headers(&h, None);
        assert_eq!(out[header::AUTHORIZATION], "ID.me browser");
    }

    #[test]
    fn target_keeps_base_path_rest_and_query() {
        let base = url::Url::parse("https://events.example.org/prefix/").unwrap();
        assert_eq!(
            target_url(&base, "api/v1/events/user/a%2Fb", Some("x=1")),
            "https://events.example.org/prefix/api/v1/events/user/a%2Fb?x=1"
        );
        let base = url::Url::parse("https://events.id.me").unwrap();
        assert_eq!(target_url(&base, "api/v1/events/search", None), "https://events.id.me/api/v1/events/search");
    }
}
