//! The few pages the gateway draws itself, when the app cannot be shown: plain HTML, no script,
//! no style (the CSP allows neither inline), every dynamic part escaped.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>{} · Auditdeck</title><main><h1>{}</h1>{body}</main></html>",
        escape(title),
        escape(title)
    );
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], html)
        .into_response()
}

pub fn problem(status: StatusCode, title: &str, detail: &str, again: &str) -> Response {
    page(status, title, &format!("<p>{}</p><p><a href=\"{}\">Try again</a></p>", escape(detail), escape(again)))
}

pub fn signed_out() -> Response {
    page(StatusCode::OK, "You are signed out", "<p><a href=\"/\">Sign in again</a></p>")
}
