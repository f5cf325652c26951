//! The gateway's security signals (`/signals.json`): what it keeps of each verified SET, as its
//! answer gives it, and the request for a page of them. The filters are the gateway's: an event
//! type (URI or last segment), a subject identifier, a time range on the event time, and
//! `before` (a signal's number) for the next page.

use serde::Deserialize;
use serde_json::Value;

use super::{ApiError, HttpRequest, HttpResponse, Method, RequestBody, encode, error_excerpt, unreadable_body};

/// Signals a page asks for.
pub const PAGE_SIZE: u32 = 100;

/// One kept signal.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WireSignal {
    pub id: i64,
    pub receiver: String,
    pub issuer: String,
    pub jti: String,
    pub event_types: Vec<String>,
    #[serde(default)]
    pub subjects: Vec<Value>,
    pub event_at_ms: i64,
    pub received_at_ms: i64,
    pub event_id: Option<String>,
    #[serde(default)]
    pub claims: Value,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Page {
    /// Kept as received: a signal that does not read is counted, not dropped silently.
    pub signals: Vec<Value>,
    pub more: bool,
}

/// What a page of signals is asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Filter {
    pub event_type: Option<String>,
    pub subject: Option<String>,
    /// RFC 3339.
    pub from: Option<String>,
    pub to: Option<String>,
    pub before: Option<i64>,
}

pub fn list_request(filter: &Filter, limit: u32) -> HttpRequest {
    let mut query = url_pairs(filter);
    query.push(("limit", limit.to_string()));
    let encoded: Vec<String> = query.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
    HttpRequest {
        method: Method::Get,
        url: format!("/signals.json?{}", encoded.join("&")),
        headers: Vec::new(),
        body: RequestBody::None,
    }
}

fn url_pairs(filter: &Filter) -> Vec<(&'static str, String)> {
    let mut pairs = Vec::new();
    let mut put = |name: &'static str, value: Option<String>| {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            pairs.push((name, v));
        }
    };
    put("type", filter.event_type.clone());
    put("subject", filter.subject.clone());
    put("from", filter.from.clone());
    put("to", filter.to.clone());
    put("before", filter.before.map(|b| b.to_string()));
    pairs
}

/// The gateway's answer: a page, or its error (`{"code", "message"}`) or status.
pub fn parse_page(response: &HttpResponse) -> Result<Page, ApiError> {
    let status = response.status;
    if !response.is_success() {
        let message = serde_json::from_str::<Value>(&response.body)
            .ok()
            .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string));
        return Err(match message {
            Some(message) => ApiError::Vendor { status, code: None, message },
            None => ApiError::Http { status, excerpt: error_excerpt(&response.body, 160) },
        });
    }
    serde_json::from_str::<Page>(&response.body).map_err(|e| unreadable_body(status, e, &response.body))
}

/// The ID.me event a signal's claims name (an event payload's `event_id`), when they name one.
pub fn event_id_in(claims: &Value) -> Option<String> {
    claims
        .get("events")?
        .as_object()?
        .values()
        .find_map(|payload| payload.get("event_id").and_then(Value::as_str))
        .map(str::to_string)
}

/// The last segment of an event type URI (`account-disabled`).
pub fn short_type(uri: &str) -> &str {
    uri.trim_end_matches('/').rsplit('/').next().unwrap_or(uri)
}

/// The person a subject identifier names by UUID (`iss_sub`'s `sub`, `opaque`'s `id`), when it
/// does; a UUID's 32 hex digits, lower case.
pub fn person_of(subject: &Value) -> Option<String> {
    ["sub", "id"].iter().find_map(|member| subject.get(*member).and_then(Value::as_str)).and_then(|s| {
        let hex: String = s.trim().chars().filter(|c| *c != '-').collect();
        (hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then(|| hex.to_ascii_lowercase())
    })
}

/// One subject identifier as text: its format, then its values (`iss_sub: 0b7a…`).
pub fn subject_text(subject: &Value) -> String {
    let format = subject.get("format").and_then(Value::as_str).unwrap_or("subject");
    let values: Vec<String> = match subject.as_object() {
        Some(members) => members
            .iter()
            .filter(|(name, _)| *name != "format" && *name != "iss")
            .map(|(_, v)| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))
            .collect(),
        None => vec![subject.to_string()],
    };
    format!("{format}: {}", values.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_carries_the_filters_encoded() {
        let filter = Filter {
            event_type: Some("account-disabled".into()),
            subject: Some("ann+1@example.org".into()),
            from: Some("2026-12-01T00:00:00Z".into()),
            to: None,
            before: Some(42),
        };
        assert_eq!(
            list_request(&filter, 50).url,
            "/signals.json?type=account-disabled&subject=ann%2B1%40example.org&from=2026-12-01T00%3A00%3A00Z&before=42&limit=50"
        );
        assert_eq!(list_request(&Filter::default(), 100).url, "/signals.json?limit=100");
    }

    #[test]
    fn pages_and_errors_read_as_the_gateway_writes_them() {
        let page = parse_page(&HttpResponse::new(200, r#"{"signals":[{"id":1}],"more":true}"#)).unwrap();
        assert!(page.more && page.signals.len() == 1);
        let problem = parse_page(&HttpResponse::new(400, r#"{"code":"400","message":"from must be a time"}"#));
        assert_eq!(problem, Err(ApiError::Vendor { status: 400, code: None, message: "from must be a time".into() }));
        assert!(matches!(parse_page(&HttpResponse::new(200, "<html>")), Err(ApiError::Malformed { .. })));
    }

    #[test]
    fn subjects_as_text_and_the_person_they_name() {
        let iss_sub = serde_json::json!({"format": "iss_sub", "iss": "https://api.id.me", "sub": "0B7AC1E2-3D4F-4A5B-8C6D-7E8F90A1B2C3"});
        assert_eq!(subject_text(&iss_sub), "iss_sub: 0B7AC1E2-3D4F-4A5B-8C6D-7E8F90A1B2C3");
        assert_eq!(person_of(&iss_sub).as_deref(), Some("0b7ac1e23d4f4a5b8c6d7e8f90a1b2c3"));
        let email = serde_json::json!({"format": "email", "email": "ann@example.org"});
        assert_eq!(subject_text(&email), "email: ann@example.org");
        assert_eq!(person_of(&email), None);
        assert_eq!(short_type("https://schemas.openid.net/secevent/risc/event-type/account-purged"), "account-purged");
        let claims = serde_json::json!({"events": {"urn:x": {"event_id": "e-1"}}});
        assert_eq!(event_id_in(&claims).as_deref(), Some("e-1"));
        assert_eq!(event_id_in(&serde_json::json!({"events": {"urn:x": {}}})), None);
    }
}
