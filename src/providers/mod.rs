//! Vendor adapters. Each module has the same shape: wire types, request builders, pagination,
//! error mapping. All pure: requests are described as data ([`HttpRequest`]) and executed by
//! `crate::net::http` in the browser, so every protocol rule is tested natively.

pub mod iden;
pub mod idme;
pub mod idme_events;
pub mod signals;
pub mod standfast;

use std::fmt;

/// The vendors Auditdeck speaks: a connection's provider, an event's source, a view's sources.
/// `Signals` is the gateway's own store of pushed security signals: a source of events, not a
/// connection a person sets up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Vendor {
    Idme,
    Standfast,
    Iden,
    Signals,
}

impl Vendor {
    /// The vendors a person connects to.
    pub const ALL: [Vendor; 3] = [Vendor::Idme, Vendor::Standfast, Vendor::Iden];
    /// Every source a view can include.
    pub const SOURCES: [Vendor; 4] = [Vendor::Idme, Vendor::Standfast, Vendor::Iden, Vendor::Signals];

    /// Stable key for ids, storage, `/config.json` and `sources=` in URLs.
    pub fn key(self) -> &'static str {
        match self {
            Vendor::Idme => "idme",
            Vendor::Standfast => "standfast",
            Vendor::Iden => "iden",
            Vendor::Signals => "signals",
        }
    }

    /// The vendor by its key (any case); None for one this build does not speak.
    pub fn from_key(key: &str) -> Option<Vendor> {
        Vendor::ALL.into_iter().find(|v| v.key().eq_ignore_ascii_case(key.trim()))
    }

    /// A view's source by its key (`sources=`): a vendor, or `signals`.
    pub fn source_from_key(key: &str) -> Option<Vendor> {
        Vendor::SOURCES.into_iter().find(|v| v.key().eq_ignore_ascii_case(key.trim()))
    }

    /// The API's name, for settings and messages about a connection.
    pub fn title(self) -> &'static str {
        match self {
            Vendor::Idme => "ID.me Event & Audit Logging",
            Vendor::Standfast => "Standfast identity events",
            Vendor::Iden => "Iden Events API",
            Vendor::Signals => "Security signals (SSF)",
        }
    }

    /// The vendor's name, as rows, sections and statuses show it.
    pub fn label(self) -> &'static str {
        match self {
            Vendor::Idme => "ID.me",
            Vendor::Standfast => "Standfast",
            Vendor::Iden => "Iden",
            Vendor::Signals => "Signals",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestBody {
    None,
    /// Form fields sent as multipart/form-data (the browser picks the boundary).
    Multipart(Vec<(String, String)>),
    /// A JSON document (the gateway's own endpoints; no vendor takes one).
    Json(String),
}

/// A request as data: what `crate::net::http` sends.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: RequestBody,
}

/// What a credential prints as in debug output.
pub const REDACTED: &str = "[redacted]";

/// The Authorization header's value is a credential: debug output shows that it is there, not
/// what it is.
impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), if k.eq_ignore_ascii_case("authorization") { REDACTED } else { v.as_str() }))
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body", &self.body)
            .finish()
    }
}

impl HttpRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A response as data: what adapters parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub content_type: Option<String>,
    /// The `Retry-After` header, when the response has one (rate limits).
    pub retry_after: Option<String>,
    pub body: String,
}

impl HttpResponse {
    /// A response without the optional headers (what most tests need).
    pub fn new(status: u16, body: impl Into<String>) -> Self {
        HttpResponse { status, content_type: None, retry_after: None, body: body.into() }
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Every way a vendor call can fail, with what the user needs to act on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The vendor (or the gateway on its behalf) answered with its documented error shape.
    Vendor { status: u16, code: Option<String>, message: String },
    /// An error status without the documented error shape (an HTML error page, plain text).
    Http { status: u16, excerpt: String },
    /// A success status whose body is not what the document describes.
    Malformed { status: u16, detail: String },
    /// No response at all: the network, the gateway, CORS or CSP refused or failed.
    Network { detail: String },
    /// 429: the vendor's rate limit; `retry_after_secs` from its `Retry-After` header.
    RateLimited { retry_after_secs: Option<u64>, message: String },
}

impl ApiError {
    /// What the vendor's status means, per its document (None when it documents nothing).
    fn status_meaning(status: u16) -> &'static str {
        match status {
            401 => "not authenticated",
            403 => "credentials do not have access",
            404 => "not found",
            422 => "invalid or missing input parameters",
            429 => "rate limited",
            500 => "internal service error",
            502 => "bad gateway",
            503 => "service unavailable",
            504 => "gateway timeout",
            _ => "request failed",
        }
    }

    /// One line a person can read: status, vendor code, vendor message.
    pub fn headline(&self) -> String {
        match self {
            ApiError::Vendor { status, code: Some(code), message } => {
                format!("{status} {} (code {code}): {message}", Self::status_meaning(*status))
            }
            ApiError::Vendor { status, code: None, message } => {
                format!("{status} {}: {message}", Self::status_meaning(*status))
            }
            ApiError::Http { status, excerpt } if excerpt.is_empty() => {
                format!("{status} {} (empty response body)", Self::status_meaning(*status))
            }
            ApiError::Http { status, excerpt } => {
                format!(
                    "{status} {}; the response was not in the vendor's error format: {excerpt}",
                    Self::status_meaning(*status)
                )
            }
            ApiError::Malformed { status, detail } => {
                format!("The vendor answered {status} but the response could not be read: {detail}")
            }
            ApiError::Network { detail } => format!("No response from the vendor: {detail}"),
            ApiError::RateLimited { retry_after_secs: Some(secs), message } => {
                format!("429 rate limited: {message} (retry in {secs} s)")
            }
            ApiError::RateLimited { retry_after_secs: None, message } => format!("429 rate limited: {message}"),
        }
    }

    /// What to do about it, when there is something to do.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            ApiError::Vendor { status: 401 | 403, .. } => {
                Some("Check the secret and the auth scheme in Settings, then test the connection.")
            }
            ApiError::Network { .. } => Some(
                "Check that the gateway is running. A custom base URL must send CORS headers and be allowed by the gateway's connect-src.",
            ),
            _ => None,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.headline())
    }
}

/// Characters a query value or path segment may carry as they are (RFC 3986 unreserved).
const UNRESERVED: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, UNRESERVED).to_string()
}

/// Unreserved characters but the dot: a path segment encoded with it can never read as `.` or
/// `..`, whatever the value.
const SEGMENT: &percent_encoding::AsciiSet = &UNRESERVED.add(b'.');

/// Percent-encodes one path segment, dots included.
pub fn encode_segment(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, SEGMENT).to_string()
}

/// Parses a `Retry-After` value given in seconds (the form the vendors use).
/// `Retry-After` in seconds, read now (RFC 9110: delay-seconds or an HTTP-date).
pub fn retry_after_secs(value: Option<&str>) -> Option<u64> {
    retry_after_secs_at(value, clock_now())
}

/// `Retry-After` as seconds from `now`: delay-seconds, or an HTTP-date in any of RFC 9110's three
/// forms (IMF-fixdate, RFC 850, asctime); a date already past is 0. None when unreadable.
pub fn retry_after_secs_at(value: Option<&str>, now: chrono::DateTime<chrono::Utc>) -> Option<u64> {
    let text = value?.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Some(secs);
    }
    let at = chrono::DateTime::parse_from_rfc2822(text).map(|t| t.to_utc()).ok().or_else(|| {
        ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"]
            .iter()
            .find_map(|format| chrono::NaiveDateTime::parse_from_str(text, format).ok())
            .map(|t| t.and_utc())
    })?;
    let millis = (at - now).num_milliseconds().max(0) as u64;
    Some(millis.div_ceil(1000))
}

#[cfg(target_arch = "wasm32")]
fn clock_now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

#[cfg(not(target_arch = "wasm32"))]
fn clock_now() -> chrono::DateTime<chrono::Utc> {
    std::time::SystemTime::now().into()
}

/// A success answer whose body is not what the document describes: the parser's complaint
/// and how the body starts, or that there was no body at all.
pub fn unreadable_body(status: u16, error: impl fmt::Display, body: &str) -> ApiError {
    let detail = if body.trim().is_empty() {
        "the response body is empty".to_string()
    } else {
        format!("{error} (body starts: {})", excerpt(body, 80))
    };
    ApiError::Malformed { status, detail }
}

/// The first characters of an error body, on one line. An HTML page (a proxy's error page) is
/// reduced to its text: the markup says nothing to the reader.
pub fn error_excerpt(body: &str, max_chars: usize) -> String {
    if body.trim_start().starts_with('<') { excerpt(&markup_text(body), max_chars) } else { excerpt(body, max_chars) }
}

/// The first characters of a text, on one line.
pub fn excerpt(body: &str, max_chars: usize) -> String {
    let flat: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > max_chars {
        let cut: String = flat.chars().take(max_chars).collect();
        format!("{cut}…")
    } else {
        flat
    }
}

/// The text between the tags of an HTML page (no entity decoding: it is only shown as text).
fn markup_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                text.push(' ');
            }
            '>' if in_tag => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headline_names_status_code_and_message() {
        let e = ApiError::Vendor {
            status: 403,
            code: Some("122".into()),
            message: "Header Auth token is not associated with any account".into(),
        };
        assert_eq!(
            e.headline(),
            "403 credentials do not have access (code 122): Header Auth token is not associated with any account"
        );
        assert!(e.hint().is_some());
    }

    #[test]
    fn excerpt_flattens_and_cuts() {
        assert_eq!(excerpt("<html>\n  <h1>Bad   gateway</h1>", 100), "<html> <h1>Bad gateway</h1>");
        assert_eq!(error_excerpt("<html>\n  <h1>Bad   gateway</h1><hr><i>nginx</i></html>", 100), "Bad gateway nginx");
        assert_eq!(error_excerpt("not <html>", 100), "not <html>");
        assert_eq!(excerpt("abcdef", 3), "abc…");
    }

    #[test]
    fn a_segment_cannot_climb_or_split_the_path() {
        assert_eq!(encode_segment(".."), "%2E%2E");
        assert_eq!(encode_segment("a/b\\c?d#e"), "a%2Fb%5Cc%3Fd%23e");
        assert_eq!(encode_segment("acme-corp_1"), "acme-corp_1");
    }

    #[test]
    fn debug_output_never_shows_the_authorization_header() {
        let request = HttpRequest {
            method: Method::Get,
            url: "/x".into(),
            headers: vec![
                ("Accept".into(), "application/json".into()),
                ("Authorization".into(), "Api-Key s3cret".into()),
            ],
            body: RequestBody::None,
        };
        let shown = format!("{request:?}");
        assert!(
            !shown.contains("s3cret") && shown.contains("[redacted]") && shown.contains("application/json"),
            "{shown}"
        );
    }

    #[test]
    fn retry_after_in_seconds_or_any_http_date_form() {
        // RFC 9110's own example instant.
        let now = chrono::DateTime::parse_from_rfc3339("1994-11-06T08:49:07Z").unwrap().to_utc();
        assert_eq!(retry_after_secs_at(Some(" 120 "), now), Some(120));
        assert_eq!(retry_after_secs_at(Some("Sun, 06 Nov 1994 08:49:37 GMT"), now), Some(30));
        assert_eq!(retry_after_secs_at(Some("Sunday, 06-Nov-94 08:49:37 GMT"), now), Some(30));
        assert_eq!(retry_after_secs_at(Some("Sun Nov  6 08:49:37 1994"), now), Some(30));
        let later = now + chrono::Duration::milliseconds(29_500);
        assert_eq!(retry_after_secs_at(Some("Sun, 06 Nov 1994 08:49:37 GMT"), later), Some(1), "a part second waits");
        assert_eq!(retry_after_secs_at(Some("Sun, 06 Nov 1994 08:40:00 GMT"), now), Some(0), "already past");
        assert_eq!(retry_after_secs_at(Some("soon"), now), None);
        assert_eq!(retry_after_secs_at(Some("-5"), now), None);
        assert_eq!(retry_after_secs_at(None, now), None);
    }
}
