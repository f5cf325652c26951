//! Executes an [`HttpRequest`] with `gloo-net` (the browser's fetch). Each request can be
//! aborted: dropping its [`InFlight`] guard aborts it, so a view that goes away (or asks for
//! another page) does not leave a stale request running.
//!
//! Two pieces stay on web-sys, because gloo-net cannot do them:
//! - the request itself (`web_sys::Request`, then handed to gloo-net): gloo-net's builder
//!   rebuilds the URL through `URL` and appends `&` to a query it was not given parameters for,
//!   so the vendor would not get the URL the providers built, byte for byte, and the export
//!   manifests would name another request than the one sent;
//! - the deadline: gloo-net has no timeout, so the request's signal is
//!   `AbortSignal.any([the caller's signal, AbortSignal.timeout(deadline)])`.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{AbortController, AbortSignal, FormData, Headers, RequestInit};

use crate::providers::{ApiError, HttpRequest, HttpResponse, RequestBody};

/// How long a request may take, body included, when the gateway's config names no other limit.
/// Whole seconds, as the config gives them: a float here would be formatted into the timeout's
/// message, which puts float formatting (10 KB) in the main module.
const DEFAULT_RESPONSE_TIMEOUT_SECS: u32 = 40;

thread_local! {
    static RESPONSE_TIMEOUT_SECS: std::cell::Cell<u32> = const { std::cell::Cell::new(DEFAULT_RESPONSE_TIMEOUT_SECS) };
}

/// Sets how long any request may take before it is given up (from the gateway's config).
pub fn set_response_timeout_secs(secs: u32) {
    if secs > 0 {
        RESPONSE_TIMEOUT_SECS.with(|t| t.set(secs.min(3600)));
    }
}

/// Aborts its request when dropped (unless it has finished).
pub struct InFlight {
    controller: Option<AbortController>,
}

impl InFlight {
    pub fn new() -> Self {
        InFlight { controller: AbortController::new().ok() }
    }

    /// The signal to hand to [`send`]; the guard itself stays with whoever may cancel.
    pub fn signal(&self) -> Option<AbortSignal> {
        self.controller.as_ref().map(AbortController::signal)
    }

    pub fn abort(&self) {
        if let Some(c) = &self.controller {
            c.abort();
        }
    }
}

impl Default for InFlight {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.abort();
    }
}

/// Why no response arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchFailure {
    /// We aborted it: nobody is waiting for the answer.
    Aborted,
    Failed(ApiError),
}

fn js_text(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| "the browser gave no reason".into())
}

fn network(detail: impl Into<String>) -> FetchFailure {
    FetchFailure::Failed(ApiError::Network { detail: detail.into() })
}

/// The browser's reason, as gloo-net reports it.
fn gloo_text(error: &gloo_net::Error) -> String {
    match error {
        gloo_net::Error::JsError(e) => e.message.clone(),
        other => other.to_string(),
    }
}

/// The request as the browser sends it: method, headers, the multipart body, and `signal`.
fn browser_request(request: &HttpRequest, signal: &AbortSignal) -> Result<web_sys::Request, FetchFailure> {
    let init = RequestInit::new();
    init.set_method(request.method.as_str());
    let headers = Headers::new().map_err(|e| network(js_text(&e)))?;
    for (name, value) in &request.headers {
        headers.append(name, value).map_err(|e| network(format!("header {name}: {}", js_text(&e))))?;
    }
    match &request.body {
        RequestBody::None => {}
        RequestBody::Multipart(fields) => {
            let form = FormData::new().map_err(|e| network(js_text(&e)))?;
            for (name, value) in fields {
                form.append_with_str(name, value).map_err(|e| network(js_text(&e)))?;
            }
            init.set_body(&form);
        }
        RequestBody::Json(text) => {
            headers.set("content-type", "application/json").map_err(|e| network(js_text(&e)))?;
            init.set_body(&wasm_bindgen::JsValue::from_str(text));
        }
    }
    init.set_headers(&headers);
    init.set_signal(Some(signal));
    web_sys::Request::new_with_str_and_init(&request.url, &init)
        .map_err(|e| network(format!("{} ({})", js_text(&e), request.url)))
}

pub async fn send(request: &HttpRequest, signal: Option<AbortSignal>) -> Result<HttpResponse, FetchFailure> {
    // A vendor that never answers (or stops halfway through the body) must not leave the view
    // loading forever: the request also ends when the deadline passes.
    let timeout_secs = RESPONSE_TIMEOUT_SECS.with(std::cell::Cell::get);
    let deadline = AbortSignal::timeout_with_u32(timeout_secs * 1000);
    let either = match &signal {
        Some(signal) => AbortSignal::any(&js_sys::Array::of2(signal, &deadline)),
        None => deadline.clone(),
    };
    let aborted = || signal.as_ref().is_some_and(AbortSignal::aborted);
    let failed = |stage: &str, e: &gloo_net::Error| {
        if aborted() {
            FetchFailure::Aborted
        } else if deadline.aborted() {
            network(format!("timed out: no complete response within {timeout_secs} s ({})", request.url))
        } else {
            network(format!("{stage}{} ({})", gloo_text(e), request.url))
        }
    };

    let sent = gloo_net::http::Request::from(browser_request(request, &either)?);
    let response = sent.send().await.map_err(|e| failed("", &e))?;
    let status = response.status();
    let headers = response.headers();
    let (content_type, retry_after) = (headers.get("content-type"), headers.get("retry-after"));
    let bytes =
        response.binary().await.map_err(|e| failed("the connection broke off while the response was read: ", &e))?;
    let body = String::from_utf8_lossy(&bytes).into_owned();
    Ok(HttpResponse { status, content_type, retry_after, body })
}
