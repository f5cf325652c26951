//! What reached the sandbox, as it came over the wire: method, path, query, Content-Type, the
//! Authorization header as received and the form fields. Tests read it in-process to check the
//! app's requests against the documents (not against the app's own request builders). Only
//! when the config asks (`sandbox_request_log`, on in tests) does it keep them: the latest
//! [`KEPT`], in memory, never written anywhere. Otherwise it only counts.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart, OriginalUri, Request};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

/// Requests kept: enough for any test, bounded for a gateway that runs for weeks.
pub const KEPT: usize = 4096;
/// A request body larger than this is logged without its fields (no vendor request is near it).
const BODY_LIMIT: usize = 1 << 20;

#[derive(Clone, PartialEq, Eq, Default)]
pub struct WireRequest {
    /// Position in the log: the number of requests received before this one.
    pub seq: u64,
    pub method: String,
    /// The full path as received, `/sandbox/…` included.
    pub path: String,
    /// The query's name/value pairs, percent-decoded, in order.
    pub query: Vec<(String, String)>,
    pub content_type: Option<String>,
    pub authorization: Option<String>,
    /// Form fields of a multipart or urlencoded body, in order.
    pub form: Vec<(String, String)>,
}

impl WireRequest {
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn query_names(&self) -> Vec<&str> {
        self.query.iter().map(|(k, _)| k.as_str()).collect()
    }

    pub fn form_names(&self) -> Vec<&str> {
        self.form.iter().map(|(k, _)| k.as_str()).collect()
    }

    pub fn form_value(&self, name: &str) -> Option<&str> {
        self.form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// The Authorization header is a credential: it never appears in debug output.
impl std::fmt::Debug for WireRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WireRequest")
            .field("seq", &self.seq)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("content_type", &self.content_type)
            .field("authorization", &self.authorization.as_ref().map(|_| "[redacted]"))
            .field("form", &self.form)
            .finish()
    }
}

#[derive(Default)]
struct Entries {
    received: u64,
    kept: VecDeque<WireRequest>,
}

#[derive(Clone, Default)]
pub struct WireLog {
    entries: Arc<Mutex<Entries>>,
    keep: bool,
}

impl WireLog {
    /// A log that keeps requests (`keep`), or only counts them.
    pub fn new(keep: bool) -> Self {
        WireLog { entries: Arc::default(), keep }
    }

    /// Requests received so far (all vendors); a test's mark for [`WireLog::since`].
    pub fn received(&self) -> u64 {
        self.entries.lock().map(|e| e.received).unwrap_or(0)
    }

    /// The requests received after `mark` (a value of [`WireLog::received`]), oldest first.
    pub fn since(&self, mark: u64) -> Vec<WireRequest> {
        self.entries.lock().map(|e| e.kept.iter().filter(|r| r.seq >= mark).cloned().collect()).unwrap_or_default()
    }

    fn push(&self, mut request: WireRequest) {
        if let Ok(mut e) = self.entries.lock() {
            request.seq = e.received;
            e.received += 1;
            if !self.keep {
                return;
            }
            if e.kept.len() == KEPT {
                e.kept.pop_front();
            }
            e.kept.push_back(request);
        }
    }

    /// Middleware: records the request, then hands it on unchanged.
    pub async fn record(self, request: Request, next: Next) -> Response {
        if !self.keep {
            self.push(WireRequest::default());
            return next.run(request).await;
        }
        let (parts, body) = request.into_parts();
        let header_text =
            |name: header::HeaderName| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(String::from);
        let uri = parts.extensions.get::<OriginalUri>().map_or(&parts.uri, |o| &o.0);
        let query =
            uri.query().map(|q| url::form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default();
        let content_type = header_text(header::CONTENT_TYPE);
        let mut entry = WireRequest {
            seq: 0,
            method: parts.method.to_string(),
            path: uri.path().to_string(),
            query,
            content_type: content_type.clone(),
            authorization: header_text(header::AUTHORIZATION),
            form: Vec::new(),
        };
        let bytes = axum::body::to_bytes(body, BODY_LIMIT).await.unwrap_or_default();
        entry.form = form_fields(&parts, content_type.as_deref(), &bytes).await;
        self.push(entry);
        next.run(Request::from_parts(parts, Body::from(bytes))).await
    }
}

async fn form_fields(
    parts: &axum::http::request::Parts,
    content_type: Option<&str>,
    bytes: &Bytes,
) -> Vec<(String, String)> {
    let kind = content_type.unwrap_or("").to_ascii_lowercase();
    if kind.starts_with("application/x-www-form-urlencoded") {
        return url::form_urlencoded::parse(bytes).into_owned().collect();
    }
    if !kind.starts_with("multipart/form-data") {
        return Vec::new();
    }
    let mut copy = Request::new(Body::from(bytes.clone()));
    *copy.headers_mut() = parts.headers.clone();
    let Ok(mut multipart) = Multipart::from_request(copy, &()).await else { return Vec::new() };
    let mut fields = Vec::new();
    while let Ok(Some(field)) = multipart.next_field().await {
        let name = field.name().unwrap_or("").to_string();
        fields.push((name, field.text().await.unwrap_or_default()));
    }
    fields
}
