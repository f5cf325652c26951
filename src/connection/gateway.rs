//! Requests to the gateway's own endpoints (`/exports/…`, `/admin/…`), which answer errors as
//! `{code, message}`.

use crate::net::http::FetchFailure;
use crate::providers::{HttpRequest, Method, RequestBody};

/// The body of a 200, or a sentence saying why there is none (the gateway's own message when it
/// sent one).
pub async fn ask(request: HttpRequest) -> Result<String, String> {
    match crate::net::http::send(&request, None).await {
        Ok(response) if response.status == 200 => Ok(response.body),
        Ok(response) => Err(serde_json::from_str::<serde_json::Value>(&response.body)
            .ok()
            .and_then(|v| v["message"].as_str().map(String::from))
            .unwrap_or_else(|| format!("the gateway answered {}", response.status))),
        Err(FetchFailure::Failed(e)) => Err(e.headline()),
        Err(FetchFailure::Aborted) => Err("the request was aborted".into()),
    }
}

pub fn get(url: impl Into<String>) -> HttpRequest {
    HttpRequest { method: Method::Get, url: url.into(), headers: Vec::new(), body: RequestBody::None }
}

pub fn post_json(url: impl Into<String>, body: String) -> HttpRequest {
    HttpRequest { method: Method::Post, url: url.into(), headers: Vec::new(), body: RequestBody::Json(body) }
}
