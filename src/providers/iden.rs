//! Iden Events API (`iden-events-api.txt`): `GET {base}/org/{slug}/api/events/` with
//! `Authorization: Api-Key <key>`, filters that all combine, `limit` (default 50, max 200),
//! opaque cursors, `{next_cursor, previous_cursor, results}` newest first, 429 with
//! `Retry-After` at 60 requests a minute per key.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{
    ApiError, HttpRequest, HttpResponse, Method, RequestBody, encode, encode_segment, error_excerpt, retry_after_secs,
    unreadable_body,
};

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;
pub const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];
pub const CATEGORIES: [&str; 5] = ["authentication", "authorization", "application", "task", "user_lifecycle"];

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(default)]
pub struct Party {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub uuid: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// One event envelope. Every field is optional: a missing field is shown empty.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(default)]
pub struct WireEvent {
    pub event_id: Option<String>,
    pub event_type: Option<String>,
    pub event_version: Option<i64>,
    pub category: Option<String>,
    pub severity: Option<String>,
    pub occurred_at: Option<String>,
    pub ingested_at: Option<String>,
    pub actor: Option<Party>,
    pub subject: Option<Party>,
    pub source: Option<Party>,
    pub payload: Option<serde_json::Value>,
}

/// `results` is required: a 200 without it is not "no events", and the parse error names it.
/// The cursors may be absent (the document does not promise a `previous_cursor`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Page {
    #[serde(default)]
    pub next_cursor: Option<String>,
    #[serde(default)]
    pub previous_cursor: Option<String>,
    pub results: Vec<serde_json::Value>,
}

/// The document's severity levels ("Severity Mapping"; events it does not list are `info`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

impl Severity {
    pub const ALL: [Severity; 5] =
        [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

/// The filter parameters of the document's table; empty ones are left out of the request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    pub event_type: Option<String>,
    pub event_type_prefix: Option<String>,
    pub category: Option<String>,
    pub severities: Vec<Severity>,
    pub occurred_from: Option<DateTime<Utc>>,
    pub occurred_to: Option<DateTime<Utc>>,
    pub actor_uuid: Option<String>,
    pub subject_uuid: Option<String>,
    pub actor_ip: Option<String>,
}

impl Filter {
    /// Checks what the vendor would reject, before anything is sent.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(prefix) = self.event_type_prefix.as_deref().map(str::trim).filter(|p| !p.is_empty())
            && !prefix.ends_with('.')
        {
            return Err(format!("The event type prefix must end with “.” (e.g. “{prefix}.”)."));
        }
        Ok(())
    }
}

/// An organisation slug as Iden's URLs use it: letters, digits, `-` and `_`. It is a path
/// segment of every request, so nothing else may reach it.
pub fn check_org_slug(slug: &str) -> Result<(), String> {
    let ok = !slug.is_empty() && slug.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok { Ok(()) } else { Err(format!("the Iden organisation {slug:?} is not a slug (letters, digits, - and _)")) }
}

fn some_text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

pub fn list_request(
    base_url: &str,
    org_slug: &str,
    filter: &Filter,
    cursor: Option<&str>,
    limit: u32,
    authorization: Option<&str>,
) -> HttpRequest {
    let iso = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    let mut params: Vec<(&str, String)> = Vec::new();
    let severities: Vec<&str> = filter.severities.iter().map(|s| s.as_str()).collect();
    let pairs: [(&str, Option<String>); 9] = [
        ("event_type", some_text(&filter.event_type).map(String::from)),
        ("event_type_prefix", some_text(&filter.event_type_prefix).map(String::from)),
        ("category", some_text(&filter.category).map(String::from)),
        ("severity", (!severities.is_empty()).then(|| severities.join(","))),
        ("occurred_at__gte", filter.occurred_from.map(iso)),
        ("occurred_at__lte", filter.occurred_to.map(iso)),
        ("actor_uuid", some_text(&filter.actor_uuid).map(String::from)),
        ("subject_uuid", some_text(&filter.subject_uuid).map(String::from)),
        ("actor_ip", some_text(&filter.actor_ip).map(String::from)),
    ];
    for (name, value) in pairs {
        if let Some(v) = value {
            params.push((name, v));
        }
    }
    if let Some(c) = cursor {
        params.push(("cursor", c.to_string()));
    }
    params.push(("limit", limit.clamp(1, MAX_LIMIT).to_string()));
    let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
    let url = format!(
        "{}/org/{}/api/events/?{}",
        base_url.trim_end_matches('/'),
        encode_segment(org_slug.trim()),
        query.join("&")
    );
    let mut headers = vec![("Accept".to_string(), "application/json".to_string())];
    if let Some(value) = authorization {
        headers.push(("Authorization".to_string(), value.to_string()));
    }
    HttpRequest { method: Method::Get, url, headers, body: RequestBody::None }
}

/// Errors come as `{"detail": "..."}`; a 429 carries its Retry-After into the error.
pub fn parse_page(response: &HttpResponse) -> Result<Page, ApiError> {
    let status = response.status;
    if !response.is_success() {
        #[derive(Deserialize)]
        struct Detail {
            detail: String,
        }
        let detail = serde_json::from_str::<Detail>(&response.body)
            .ok()
            .map(|d| d.detail)
            .or_else(|| field_errors(&response.body));
        return Err(match (status, detail) {
            (429, message) => ApiError::RateLimited {
                retry_after_secs: retry_after_secs(response.retry_after.as_deref()),
                message: message.unwrap_or_else(|| "Too Many Requests".into()),
            },
            (_, Some(message)) => ApiError::Vendor { status, code: None, message },
            (_, None) => ApiError::Http { status, excerpt: error_excerpt(&response.body, 160) },
        });
    }
    serde_json::from_str::<Page>(&response.body).map_err(|e| unreadable_body(status, e, &response.body))
}

/// A Django REST framework validation error, `{"<parameter>": ["<message>", …], …}`, as one
/// line (the document shows `{"detail": …}` only for 429; a 400 may take this shape).
fn field_errors(body: &str) -> Option<String> {
    let fields: std::collections::BTreeMap<String, Vec<String>> = serde_json::from_str(body).ok()?;
    let parts: Vec<String> = fields.iter().map(|(name, messages)| format!("{name}: {}", messages.join(" "))).collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

pub fn read_event(raw: &serde_json::Value) -> Option<WireEvent> {
    // Read in place: copying each record first cost about as much as parsing the whole page.
    WireEvent::deserialize(raw).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_emits_only_the_documented_parameters() {
        let filter = Filter {
            event_type_prefix: Some("session.".into()),
            severities: vec![Severity::Critical, Severity::High],
            actor_ip: Some("203.0.113.42".into()),
            actor_uuid: Some("  ".into()),
            ..Default::default()
        };
        let req = list_request("/sandbox/iden/", "acme", &filter, Some("cD0y"), 500, Some("Api-Key KEY"));
        assert_eq!(
            req.url,
            "/sandbox/iden/org/acme/api/events/?event_type_prefix=session.&severity=critical%2Chigh\
             &actor_ip=203.0.113.42&cursor=cD0y&limit=200"
        );
        assert_eq!(req.header("authorization"), Some("Api-Key KEY"));
    }

    #[test]
    fn the_organisation_must_be_a_slug() {
        assert!(check_org_slug("auditdeck-sandbox").is_ok());
        assert!(check_org_slug("acme_2").is_ok());
        for bad in ["", "..", "a/b", "a.b", "a b", "a%2e"] {
            assert!(check_org_slug(bad).unwrap_err().contains("is not a slug"), "{bad}");
        }
    }

    #[test]
    fn prefix_must_end_with_a_dot_before_sending() {
        let f = Filter { event_type_prefix: Some("session".into()), ..Default::default() };
        assert!(f.validate().unwrap_err().contains("session."));
        assert!(Filter { event_type_prefix: Some("app.sync.".into()), ..Default::default() }.validate().is_ok());
    }

    #[test]
    fn document_sample_parses() {
        let body =
            std::fs::read_to_string(format!("{}/tests/fixtures/iden_events.json", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let page = parse_page(&HttpResponse::new(200, body)).unwrap();
        assert_eq!(page.next_cursor.as_deref(), Some("cD0yMDI2LTA0LTA4VDE0..."));
        let e = read_event(&page.results[0]).unwrap();
        assert_eq!(e.event_type.as_deref(), Some("session.login.succeeded"));
        assert_eq!(e.severity.as_deref(), Some("low"));
        let actor = e.actor.unwrap();
        assert_eq!(actor.kind.as_deref(), Some("user"));
        assert_eq!(actor.ip.as_deref(), Some("203.0.113.42"));
        assert_eq!(e.source.unwrap().uuid, None);
    }

    #[test]
    fn a_page_without_results_is_an_error_that_names_it() {
        let err = parse_page(&HttpResponse::new(200, "{}")).unwrap_err();
        assert!(
            matches!(&err, ApiError::Malformed { status: 200, detail } if detail.contains("missing field `results`")),
            "{err:?}"
        );
        let page = parse_page(&HttpResponse::new(200, r#"{"results": []}"#)).unwrap();
        assert_eq!((page.results.len(), page.previous_cursor), (0, None));
    }

    #[test]
    fn rate_limit_carries_retry_after() {
        let response = HttpResponse {
            retry_after: Some("42".into()),
            ..HttpResponse::new(429, r#"{"detail": "Request was throttled. Expected available in 42 seconds."}"#)
        };
        assert_eq!(
            parse_page(&response).unwrap_err(),
            ApiError::RateLimited {
                retry_after_secs: Some(42),
                message: "Request was throttled. Expected available in 42 seconds.".into()
            }
        );
        let err =
            parse_page(&HttpResponse::new(400, r#"{"detail":"event_type_prefix must end with '.'"}"#)).unwrap_err();
        assert!(matches!(err, ApiError::Vendor { status: 400, .. }));
        // The other reading of a 400: a validation error per parameter.
        let err =
            parse_page(&HttpResponse::new(400, r#"{"severity":["\"urgent\" is not a valid choice."]}"#)).unwrap_err();
        assert_eq!(
            err,
            ApiError::Vendor { status: 400, code: None, message: "severity: \"urgent\" is not a valid choice.".into() }
        );
    }
}
