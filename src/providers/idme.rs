//! ID.me Event & Audit Logging (`idme-event-audit-logging-api.md`, decisions in NOTES.md):
//! `POST {base}/api/v1/events/search` with form field `ipaddress`, `POST
//! {base}/api/v1/events/user/{uuid}`, both with `page` (50 events a page), errors as
//! `{"code", "message"}`.

use std::net::IpAddr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Deserialize;

use super::{ApiError, HttpRequest, HttpResponse, Method, RequestBody, error_excerpt, unreadable_body};

pub const PAGE_SIZE: u64 = 50;

/// NOTES.md: the request path carries the `/api/v1` prefix (the samples), not the headings' bare
/// `/events/...`. One place, so a server that disagrees is a one-line change.
pub const PATH_PREFIX: &str = "/api/v1";

/// The two Authorization schemes the document uses (prose vs. samples).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthScheme {
    /// `Authorization: ID.me <base64-encoded-key>`: the document's prose (default).
    #[default]
    IdMe,
    /// `Authorization: Bearer ID.me <key>`: every sample request.
    BearerIdMe,
}

impl AuthScheme {
    pub fn prefix(self) -> &'static str {
        match self {
            AuthScheme::IdMe => "ID.me",
            AuthScheme::BearerIdMe => "Bearer ID.me",
        }
    }

    pub const ALL: [AuthScheme; 2] = [AuthScheme::IdMe, AuthScheme::BearerIdMe];

    /// Its name in kept preferences and in the settings form.
    pub fn key(self) -> &'static str {
        match self {
            AuthScheme::IdMe => "IdMe",
            AuthScheme::BearerIdMe => "BearerIdMe",
        }
    }

    /// The scheme [`AuthScheme::key`] names; None for any other text.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// The Authorization header for a shared secret: base64 of the raw secret unless the user says
/// it is already encoded. None for an empty secret.
pub fn authorization(scheme: AuthScheme, secret: &str, already_encoded: bool) -> Option<String> {
    let secret = secret.trim();
    if secret.is_empty() {
        return None;
    }
    let token = if already_encoded { secret.to_string() } else { BASE64.encode(secret) };
    Some(format!("{} {token}", scheme.prefix()))
}

fn form_request(url: String, authorization: Option<&str>, fields: Vec<(String, String)>) -> HttpRequest {
    let mut headers = vec![("Accept".to_string(), "application/json".to_string())];
    if let Some(value) = authorization {
        headers.push(("Authorization".to_string(), value.to_string()));
    }
    HttpRequest { method: Method::Post, url, headers, body: RequestBody::Multipart(fields) }
}

fn join(base_url: &str, path: &str) -> String {
    format!("{}{PATH_PREFIX}{path}", base_url.trim_end_matches('/'))
}

/// Search by IP address: `POST {base}/api/v1/events/search`, fields `ipaddress` and `page`.
/// `authorization` is None when the gateway adds the credential itself.
pub fn search_by_ip(base_url: &str, ip: IpAddr, page: u64, authorization: Option<&str>) -> HttpRequest {
    form_request(
        join(base_url, "/events/search"),
        authorization,
        vec![("ipaddress".into(), ip.to_string()), ("page".into(), page.to_string())],
    )
}

/// Search by user UUID: `POST {base}/api/v1/events/user/{uuid}`, field `page`. The UUID is sent
/// as given (NOTES.md), after validation by the caller.
pub fn search_by_user(base_url: &str, uuid: &str, page: u64, authorization: Option<&str>) -> HttpRequest {
    form_request(
        join(base_url, &format!("/events/user/{uuid}")),
        authorization,
        vec![("page".into(), page.to_string())],
    )
}

/// `browser`: documented as a string, sent as an object by every sample. Both are accepted.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum WireBrowser {
    Object {
        #[serde(default)]
        platform: Option<String>,
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        version: Option<String>,
    },
    Text(String),
}

impl WireBrowser {
    /// "Chrome 76 on Generic Linux"; the parts that are missing are left out.
    pub fn display(&self) -> String {
        match self {
            WireBrowser::Text(text) => text.clone(),
            WireBrowser::Object { platform, name, version } => {
                let product = [name.as_deref(), version.as_deref()]
                    .into_iter()
                    .flatten()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                match platform.as_deref().filter(|p| !p.is_empty()) {
                    Some(p) if !product.is_empty() => format!("{product} on {p}"),
                    Some(p) => format!("on {p}"),
                    None => product,
                }
            }
        }
    }
}

/// One event record. Every field is optional: a missing field is shown empty, not a failure.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WireEvent {
    #[serde(default)]
    pub event: Option<String>,
    #[serde(default)]
    pub ipaddress: Option<String>,
    #[serde(default)]
    pub application: Option<String>,
    #[serde(default)]
    pub browser: Option<WireBrowser>,
    #[serde(default)]
    pub tracked_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
pub struct Meta {
    #[serde(default)]
    pub current_page: Option<u64>,
    #[serde(default)]
    pub next_page: Option<u64>,
    #[serde(default)]
    pub prev_page: Option<u64>,
    #[serde(default)]
    pub total_pages: Option<u64>,
    #[serde(default)]
    pub total_count: Option<u64>,
}

/// A page: the records as sent (the model keeps them raw for the detail view) and `meta`. Both
/// are required: a 200 without `events` is not "no events", and the parse error names the field.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SearchPage {
    pub events: Vec<serde_json::Value>,
    pub meta: Meta,
}

/// Reads one record; a record with a field of the wrong type is unreadable, not the page.
pub fn read_event(raw: &serde_json::Value) -> Option<WireEvent> {
    // Read in place: copying each record first cost about as much as parsing the whole page.
    WireEvent::deserialize(raw).ok()
}

#[derive(Deserialize)]
struct WireError {
    #[serde(default)]
    code: Option<serde_json::Value>,
    message: String,
}

/// Maps a response to a page or to the error a person can act on. Codes may come as strings or
/// numbers (the document prints `"code": "<code>"`; `122` is unquoted in its prose).
pub fn parse_search(response: &HttpResponse) -> Result<SearchPage, ApiError> {
    let status = response.status;
    if (200..300).contains(&status) {
        return serde_json::from_str::<SearchPage>(&response.body)
            .map_err(|e| unreadable_body(status, e, &response.body));
    }
    Err(error_of(response))
}

/// An error status as the document describes it (`{code, message}`), or the body's excerpt.
pub fn error_of(response: &HttpResponse) -> ApiError {
    let status = response.status;
    match serde_json::from_str::<WireError>(&response.body) {
        Ok(error) => ApiError::Vendor {
            status,
            code: error.code.and_then(|c| match c {
                serde_json::Value::String(s) => Some(s),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            }),
            message: error.message,
        },
        Err(_) => ApiError::Http { status, excerpt: error_excerpt(&response.body, 160) },
    }
}

/// An `application` value as the user should see it. Some records carry the name base64-encoded
/// with a trailing newline (the first search sample decodes to the IP followed by the name):
/// those are shown decoded and marked, the raw value kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub text: String,
    pub decoded_from_base64: bool,
    pub raw: String,
}

pub fn decode_application(raw: &str) -> Application {
    let plain = || Application { text: raw.to_string(), decoded_from_base64: false, raw: raw.to_string() };
    let candidate = raw.trim_end_matches(['\n', '\r']);
    // Short or non-alphabet strings are names; base64 of a real name is long and padded right.
    let looks_encoded = candidate.len() >= 12
        && candidate.len().is_multiple_of(4)
        && candidate.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=');
    if !looks_encoded {
        return plain();
    }
    match BASE64.decode(candidate).ok().and_then(|bytes| String::from_utf8(bytes).ok()) {
        Some(text) if !text.is_empty() && text.chars().all(|c| !c.is_control()) => {
            Application { text, decoded_from_base64: true, raw: raw.to_string() }
        }
        _ => plain(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn ok(body: String) -> HttpResponse {
        HttpResponse { content_type: Some("application/json".into()), ..HttpResponse::new(200, body) }
    }

    #[test]
    fn an_error_without_code_keeps_status_and_message() {
        let err = parse_search(&HttpResponse::new(500, r#"{"message":"Internal service error"}"#)).unwrap_err();
        assert_eq!(err.headline(), "500 internal service error: Internal service error");
        let err =
            parse_search(&HttpResponse::new(422, r#"{"code":"422","message":"page 9 is out of range"}"#)).unwrap_err();
        assert_eq!(err.headline(), "422 invalid or missing input parameters (code 422): page 9 is out of range");
    }

    #[test]
    fn a_page_without_events_or_meta_is_an_error_that_names_it() {
        for (body, field) in [("{}", "events"), (r#"{"events": []}"#, "meta"), (r#"{"meta": {}}"#, "events")] {
            let err = parse_search(&HttpResponse::new(200, body)).unwrap_err();
            assert!(
                matches!(&err, ApiError::Malformed { status: 200, detail } if detail.contains(&format!("missing field `{field}`"))),
                "{body}: {err:?}"
            );
        }
    }

    #[test]
    fn search_request_is_a_multipart_post_with_the_documented_fields() {
        let auth = authorization(AuthScheme::IdMe, "secret", false);
        let req = search_by_ip("/sandbox/idme/", "152.133.18.33".parse().unwrap(), 2, auth.as_deref());
        assert_eq!(req.method, Method::Post);
        assert_eq!(req.url, "/sandbox/idme/api/v1/events/search");
        assert_eq!(req.header("authorization"), Some("ID.me c2VjcmV0"));
        assert_eq!(
            req.body,
            RequestBody::Multipart(vec![("ipaddress".into(), "152.133.18.33".into()), ("page".into(), "2".into())])
        );
    }

    #[test]
    fn user_request_puts_the_uuid_in_the_path_as_given() {
        let req = search_by_user("https://events.idmelabs.com", "ac28b80d-7ac1-4b0d-b51b-5bef6281f3c2", 3, None);
        assert_eq!(req.url, "https://events.idmelabs.com/api/v1/events/user/ac28b80d-7ac1-4b0d-b51b-5bef6281f3c2");
        assert_eq!(req.header("authorization"), None, "gateway adds it");
        assert_eq!(req.body, RequestBody::Multipart(vec![("page".into(), "3".into())]));
    }

    #[test]
    fn both_schemes_and_pre_encoded_secrets() {
        assert_eq!(authorization(AuthScheme::BearerIdMe, "secret", false).unwrap(), "Bearer ID.me c2VjcmV0");
        let sample = "0ikmIyOtoaQC6j6yh3AdxS1G69N+d0DKobbVNxzba+s=";
        assert_eq!(authorization(AuthScheme::BearerIdMe, sample, true).unwrap(), format!("Bearer ID.me {sample}"));
        assert_eq!(authorization(AuthScheme::IdMe, "  ", false), None);
    }

    #[test]
    fn document_sample_1_parses_and_decodes_its_application() {
        let page = parse_search(&ok(fixture("idme_search_by_ip_1.json"))).unwrap();
        assert_eq!(page.events.len(), 1);
        let e = &read_event(&page.events[0]).unwrap();
        assert_eq!(e.event.as_deref(), Some("session.signin"));
        assert_eq!(e.browser.as_ref().unwrap().display(), "Chrome 76 on Generic Linux");
        let app = decode_application(e.application.as_deref().unwrap());
        assert!(app.decoded_from_base64);
        assert_eq!(app.text, "152.133.18.33SSOe SAML Consumer (SQA)");
        assert_eq!(app.raw, "MTUyLjEzMy4xOC4zM1NTT2UgU0FNTCBDb25zdW1lciAoU1FBKQ==\n");
        assert_eq!(
            page.meta,
            Meta {
                current_page: Some(2),
                next_page: Some(3),
                prev_page: Some(1),
                total_pages: Some(8648),
                total_count: Some(432374)
            }
        );
    }

    #[test]
    fn every_document_sample_parses_with_values_as_printed() {
        for (name, rows, first_event, total) in [
            ("idme_search_by_ip_2.json", 5, "session.signin", 22883),
            ("idme_search_by_ip_3.json", 4, "session.signin", 71512),
            ("idme_search_by_ip_4.json", 5, "session.signin", 50632),
            ("idme_search_by_user_1.json", 1, "2fa.complete", 432374),
            ("idme_search_by_user_2.json", 4, "2fa.complete", 9946),
            ("idme_search_by_user_3.json", 5, "transaction.complete", 96272),
        ] {
            let page = parse_search(&ok(fixture(name))).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(page.events.len(), rows, "{name}");
            assert_eq!(read_event(&page.events[0]).unwrap().event.as_deref(), Some(first_event), "{name}");
            assert_eq!(page.meta.total_count, Some(total), "{name}");
        }
        let page = parse_search(&ok(fixture("idme_search_by_ip_2.json"))).unwrap();
        assert!(page.meta.prev_page.is_none(), "prev_page null on page 1");
        let user2 = parse_search(&ok(fixture("idme_search_by_user_2.json"))).unwrap();
        assert_eq!(read_event(&user2.events[0]).unwrap().updated_at.as_deref(), Some("2018-11-02T08:50:52.342-04:00"));
    }

    #[test]
    fn browser_as_string_and_missing_fields_are_tolerated() {
        let body =
            r#"{"events":[{"event":"session.signin","browser":"Firefox 68 on Windows"},{}],"meta":{"current_page":1}}"#;
        let page = parse_search(&ok(body.into())).unwrap();
        assert_eq!(read_event(&page.events[0]).unwrap().browser.unwrap().display(), "Firefox 68 on Windows");
        let empty = WireEvent {
            event: None,
            ipaddress: None,
            application: None,
            browser: None,
            tracked_at: None,
            updated_at: None,
        };
        assert_eq!(read_event(&page.events[1]).unwrap(), empty);
        let odd = r#"{"events":[{"event":"session.signin","tracked_at":12}],"meta":{}}"#;
        let page = parse_search(&ok(odd.into())).unwrap();
        assert_eq!(read_event(&page.events[0]), None, "a wrong-typed field makes that record unreadable only");
    }

    #[test]
    fn vendor_errors_map_to_code_and_message() {
        for (status, body, code) in [
            (403, r#"{"code":"122","message":"Header Auth token is not associated with any account"}"#, Some("122")),
            (403, r#"{"code":122,"message":"Header Auth token is not associated with any account"}"#, Some("122")),
            (422, r#"{"code":"422","message":"ipaddress is missing"}"#, Some("422")),
            (500, r#"{"message":"Internal service error"}"#, None),
        ] {
            let err = parse_search(&HttpResponse::new(status, body)).unwrap_err();
            match err {
                ApiError::Vendor { status: s, code: c, .. } => {
                    assert_eq!(s, status);
                    assert_eq!(c.as_deref(), code);
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn non_json_bodies_become_readable_errors() {
        let html = HttpResponse::new(502, "<html><h1>502 Bad Gateway</h1></html>");
        assert!(matches!(parse_search(&html), Err(ApiError::Http { status: 502, .. })));
        let truncated = ok(r#"{"events":[{"event":"#.into());
        assert!(matches!(parse_search(&truncated), Err(ApiError::Malformed { status: 200, .. })));
        let empty = ok(String::new());
        assert!(matches!(parse_search(&empty), Err(ApiError::Malformed { .. })));
    }

    #[test]
    fn plain_names_are_not_mistaken_for_base64() {
        for name in ["SSOe SAML Consumer (SQA)", "your VA application", "IRSOnline", "abcdabcdabcd"] {
            let app = decode_application(name);
            assert!(!app.decoded_from_base64, "{name} -> {}", app.text);
            assert_eq!(app.text, name);
        }
    }
}
