//! The ID.me Events API (`idme-events-overview.txt`): one event by its id with a bearer token.
//! The document gives neither the path nor the response; NOTES.md decides
//! `GET {base}/api/v1/events/{id}`, with the path template configurable per connection. The
//! body is read as the event record itself, or the record under `event` or `data` (the shapes
//! such lookups commonly take); errors share the audit-logging API's `{code, message}` shape.

use serde_json::Value;

use super::{ApiError, HttpRequest, HttpResponse, Method, RequestBody, encode_segment, excerpt};

/// NOTES.md's decision; a connection may set another template.
pub const DEFAULT_PATH_TEMPLATE: &str = "/api/v1/events/{id}";
const ID_PLACEHOLDER: &str = "{id}";

/// Checks a path template: it starts with "/", names `{id}` exactly once, and can neither
/// climb out of the base (`..`, a backslash) nor carry a query or a fragment.
pub fn check_template(template: &str) -> Result<(), String> {
    let template = template.trim();
    if !template.starts_with('/') {
        return Err(format!("the event path template must start with “/”: {template:?}"));
    }
    if let Some(bad) = ["..", "?", "#", "\\"].into_iter().find(|bad| template.contains(bad)) {
        return Err(format!("the event path template may not contain “{bad}”: {template:?}"));
    }
    match template.matches(ID_PLACEHOLDER).count() {
        1 => Ok(()),
        _ => Err(format!("the event path template must contain {ID_PLACEHOLDER} once: {template:?}")),
    }
}

/// The template in use: the connection's, or the default when it is empty.
pub fn template_or_default(template: &str) -> &str {
    match template.trim() {
        "" => DEFAULT_PATH_TEMPLATE,
        t => t,
    }
}

/// The `Authorization` header for a bearer token (None for an empty one).
pub fn authorization(token: &str) -> Option<String> {
    let token = token.trim();
    (!token.is_empty()).then(|| format!("Bearer {token}"))
}

/// `GET {base}{template with the id}`; the id is percent-encoded as one path segment.
pub fn lookup_request(
    base_url: &str,
    template: &str,
    id: &str,
    authorization: Option<&str>,
) -> Result<HttpRequest, String> {
    let template = template_or_default(template);
    check_template(template)?;
    let id = id.trim();
    if id.is_empty() {
        return Err("the event id is empty".into());
    }
    let path = template.replacen(ID_PLACEHOLDER, &encode_segment(id), 1);
    let mut headers = vec![("Accept".to_string(), "application/json".to_string())];
    if let Some(value) = authorization {
        headers.push(("Authorization".to_string(), value.to_string()));
    }
    Ok(HttpRequest {
        method: Method::Get,
        url: format!("{}{path}", base_url.trim_end_matches('/')),
        headers,
        body: RequestBody::None,
    })
}

/// The event record of a lookup's answer (the object itself, or under `event` or `data`).
pub fn parse_lookup(response: &HttpResponse) -> Result<Value, ApiError> {
    let status = response.status;
    if !response.is_success() {
        return Err(super::idme::error_of(response));
    }
    let malformed = |detail: String| ApiError::Malformed { status, detail };
    let body: Value =
        serde_json::from_str(&response.body).map_err(|e| super::unreadable_body(status, e, &response.body))?;
    let record = ["event", "data"].iter().find_map(|k| body.get(*k).filter(|v| v.is_object())).unwrap_or(&body);
    if record.is_object() {
        Ok(record.clone())
    } else {
        Err(malformed(format!("expected an event object, got {}", excerpt(&body.to_string(), 80))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_follows_the_template_and_sends_a_bearer_token() {
        let auth = authorization(" tok ");
        let r = lookup_request("https://events.idmelabs.com/", "", "idme-ab/c", auth.as_deref()).unwrap();
        assert_eq!(r.method, Method::Get);
        assert_eq!(r.url, "https://events.idmelabs.com/api/v1/events/idme-ab%2Fc");
        assert_eq!(r.header("authorization"), Some("Bearer tok"));
        let r = lookup_request("/gw", "/v2/event/{id}/detail", "e1", None).unwrap();
        assert_eq!((r.url.as_str(), r.header("authorization")), ("/gw/v2/event/e1/detail", None));
        assert!(lookup_request("/gw", "v2/{id}", "e1", None).is_err());
        assert!(lookup_request("/gw", "/v2/events", "e1", None).unwrap_err().contains("{id}"));
        assert!(lookup_request("/gw", "", " ", None).is_err());
        assert_eq!(authorization(""), None);
        // An id is one segment whatever it holds; a template cannot climb or add a query.
        assert_eq!(lookup_request("/gw", "", "..", None).unwrap().url, "/gw/api/v1/events/%2E%2E");
        for bad in ["/../admin/{id}", "/events/{id}?all=1", "/events/{id}#x", "/events\\{id}"] {
            assert!(lookup_request("/gw", bad, "e1", None).unwrap_err().contains("may not contain"), "{bad}");
        }
    }

    #[test]
    fn answers_bare_or_wrapped_and_errors_in_the_documented_shape() {
        let record = r#"{"event":"session.signin","ipaddress":"1.2.3.4"}"#;
        assert_eq!(parse_lookup(&HttpResponse::new(200, record)).unwrap()["event"], "session.signin");
        let wrapped = format!(r#"{{"data":{record}}}"#);
        assert_eq!(parse_lookup(&HttpResponse::new(200, wrapped)).unwrap()["ipaddress"], "1.2.3.4");
        // `event` is the record's type when it is a string, the wrapper only when it is an object.
        let nested = format!(r#"{{"event":{record}}}"#);
        assert_eq!(parse_lookup(&HttpResponse::new(200, nested)).unwrap()["event"], "session.signin");
        assert!(matches!(parse_lookup(&HttpResponse::new(200, "[1]")), Err(ApiError::Malformed { .. })));
        assert!(matches!(parse_lookup(&HttpResponse::new(200, "")), Err(ApiError::Malformed { .. })));
        let missing = parse_lookup(&HttpResponse::new(404, r#"{"code":"404","message":"Event not found"}"#));
        assert_eq!(
            missing,
            Err(ApiError::Vendor { status: 404, code: Some("404".into()), message: "Event not found".into() })
        );
    }
}
