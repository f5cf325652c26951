//! The ID.me Event & Audit Logging API, as `idme-event-audit-logging-api.md` describes it:
//! `POST /api/v1/events/search` (form field `ipaddress`) and `POST /api/v1/events/user/{uuid}`,
//! both with an optional `page`, 50 events a page, the `meta` block, and `{code, message}` errors.
//! Both auth schemes of NOTES.md are accepted: `ID.me <base64>` and `Bearer ID.me <base64>`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::dataset::{APPLICATIONS, BROWSERS, Dataset, IDME_EVENT_TYPES, IdmeEvent, quirk};
use super::profile::{ErrorCode, PastEnd, Profile, Profiles};

pub const PAGE_SIZE: usize = 50;

/// The sandbox's shared secret: printed by `serve`, offered to the app by `/config.json`.
pub const SANDBOX_SECRET: &str = "auditdeck-sandbox-secret";
/// A test credential (the document: "test credentials can be used for testing various
/// scenarios"): every request made with it fails with 500, the document's internal error.
pub const SANDBOX_SECRET_INTERNAL_ERROR: &str = "auditdeck-sandbox-error-500";

#[derive(Clone)]
pub struct IdmeSandbox {
    data: Arc<Dataset>,
    /// The Events API's index from the id the sandbox issued to an event, built on first use.
    ids: Arc<OnceLock<HashMap<String, u32>>>,
    profiles: Profiles,
}

/// The form fields the document names; strict mode refuses any other.
pub const FORM_FIELDS: [&str; 2] = ["ipaddress", "page"];

pub fn router(data: Arc<Dataset>, profiles: Profiles) -> Router {
    let error_code = profiles.clone();
    Router::new()
        .route("/api/v1/events/search", post(search_by_ip))
        .route("/api/v1/events/user/{uuid}", post(search_by_user))
        .route("/api/v1/events/{id}", get(lookup))
        .with_state(IdmeSandbox { data, ids: Arc::default(), profiles })
        .layer(axum::middleware::from_fn(move |request, next| without_code(error_code.clone(), request, next)))
}

/// The profile where 422 and 500 bodies are `{"message": …}` only.
async fn without_code(profiles: Profiles, request: Request, next: axum::middleware::Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let drop_code = profiles.current().idme_error_code == ErrorCode::MessageOnly
        && matches!(status, StatusCode::UNPROCESSABLE_ENTITY | StatusCode::INTERNAL_SERVER_ERROR);
    if !drop_code {
        return response;
    }
    let bytes = axum::body::to_bytes(response.into_body(), 64 * 1024).await.unwrap_or_default();
    let mut body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    if let Some(object) = body.as_object_mut() {
        object.remove("code");
    }
    (status, Json(body)).into_response()
}

/// A page past the last one, in the profile where that is invalid input (None: answer it).
fn past_end(s: &IdmeSandbox, matches: usize, page: usize) -> Result<(), IdmeError> {
    let last = matches.div_ceil(PAGE_SIZE).max(1);
    if page > last && s.profiles.current().idme_past_end == PastEnd::Unprocessable {
        return Err(IdmeError::unprocessable(format!("page {page} is out of range (the last page is {last})")));
    }
    Ok(())
}

/// The Events API id the sandbox gives the `index`th ID.me event: ID.me's own id for the event,
/// which the audit-log records never carry (a user brings it from elsewhere). A UUID made from
/// the index, so tests and `serve` can name one.
pub fn issued_id(index: usize) -> String {
    let digest = Sha256::digest(format!("idme-events-api:{index}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    // Version 4 and RFC 4122 variant bits, so it reads as the UUID it claims to be.
    let value = (u128::from_be_bytes(bytes) & !(0xf << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62);
    super::dataset::format_uuid(value)
}

/// `{"code": "...", "message": "..."}` with a status: the document's one error shape.
pub struct IdmeError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl IdmeError {
    fn unprocessable(message: impl Into<String>) -> Self {
        IdmeError { status: StatusCode::UNPROCESSABLE_ENTITY, code: "422", message: message.into() }
    }
}

impl IntoResponse for IdmeError {
    fn into_response(self) -> Response {
        (self.status, Json(serde_json::json!({ "code": self.code, "message": self.message }))).into_response()
    }
}

fn forbidden() -> IdmeError {
    IdmeError {
        status: StatusCode::FORBIDDEN,
        code: "122",
        message: "Header Auth token is not associated with any account".into(),
    }
}

/// Checks the Authorization header against the sandbox secret (both schemes of NOTES.md).
fn authorize(headers: &HeaderMap) -> Result<(), IdmeError> {
    let value = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).ok_or_else(forbidden)?;
    let encoded =
        value.strip_prefix("Bearer ID.me ").or_else(|| value.strip_prefix("ID.me ")).ok_or_else(forbidden)?.trim();
    let secret = BASE64.decode(encoded).map_err(|_| forbidden())?;
    check_secret(&secret)
}

/// The Events API takes the secret as a plain bearer token; the audit schemes work too.
fn authorize_bearer(headers: &HeaderMap) -> Result<(), IdmeError> {
    let value = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).ok_or_else(forbidden)?;
    match value.strip_prefix("Bearer ") {
        Some(token) if !token.starts_with("ID.me ") => check_secret(token.trim().as_bytes()),
        _ => authorize(headers),
    }
}

fn check_secret(secret: &[u8]) -> Result<(), IdmeError> {
    match secret {
        s if s == SANDBOX_SECRET.as_bytes() => Ok(()),
        s if s == SANDBOX_SECRET_INTERNAL_ERROR.as_bytes() => Err(IdmeError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "500",
            message: "Internal service error".into(),
        }),
        _ => Err(forbidden()),
    }
}

/// The Events API (NOTES.md's path): one record, with its `id`, by the id the sandbox issued.
async fn lookup(
    State(s): State<IdmeSandbox>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, IdmeError> {
    authorize_bearer(&headers)?;
    let count = s.data.idme_events.len();
    let index = s.ids.get_or_init(|| (0..count).map(|i| (issued_id(i), i as u32)).collect());
    let not_found =
        || IdmeError { status: StatusCode::NOT_FOUND, code: "404", message: format!("Event {id:?} not found") };
    let i = *index.get(&id).ok_or_else(not_found)?;
    let mut record =
        serde_json::to_value(wire_event(&s.data, &s.data.idme_events[i as usize])).map_err(|_| not_found())?;
    record["id"] = serde_json::Value::String(id);
    Ok(Json(record))
}

#[derive(Default, serde::Deserialize)]
struct FormFields {
    ipaddress: Option<String>,
    page: Option<String>,
}

/// Reads the form fields from a multipart (`curl -F`) or urlencoded body; an empty body is an
/// empty form (the user search may send no field at all). Strict: only multipart, the
/// document's encoding (415 otherwise), and only the document's fields (422 otherwise).
async fn read_form(request: Request, profile: Profile) -> Result<FormFields, IdmeError> {
    let strict = profile.strict;
    let content_type =
        request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(request, &())
            .await
            .map_err(|e| IdmeError::unprocessable(format!("malformed multipart body: {e}")))?;
        let mut fields = FormFields::default();
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| IdmeError::unprocessable(format!("malformed multipart body: {e}")))?
        {
            let name = field.name().unwrap_or("").to_string();
            let value =
                field.text().await.map_err(|e| IdmeError::unprocessable(format!("malformed multipart field: {e}")))?;
            if let Some(unknown) = profile.refused([name.as_str()], &FORM_FIELDS) {
                return Err(IdmeError::unprocessable(format!("unknown form field {unknown:?}")));
            }
            match name.as_str() {
                "ipaddress" => fields.ipaddress = Some(value),
                "page" => fields.page = Some(value),
                _ => {}
            }
        }
        Ok(fields)
    } else if strict {
        let body = axum::body::to_bytes(request.into_body(), 64 * 1024)
            .await
            .map_err(|_| IdmeError::unprocessable("request body too large"))?;
        if body.is_empty() {
            return Ok(FormFields::default());
        }
        Err(IdmeError {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code: "415",
            message: format!("form fields must be sent as multipart/form-data, not {content_type:?}"),
        })
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        let Form(fields) = Form::<FormFields>::from_request(request, &())
            .await
            .map_err(|e| IdmeError::unprocessable(format!("malformed form body: {e}")))?;
        Ok(fields)
    } else {
        let body = axum::body::to_bytes(request.into_body(), 64 * 1024)
            .await
            .map_err(|_| IdmeError::unprocessable("request body too large"))?;
        if body.is_empty() {
            Ok(FormFields::default())
        } else {
            Err(IdmeError::unprocessable(
                "parameters must be sent as form fields (multipart/form-data or application/x-www-form-urlencoded)",
            ))
        }
    }
}

fn parse_page(page: Option<&str>) -> Result<usize, IdmeError> {
    match page.map(str::trim) {
        None | Some("") => Ok(1),
        Some(text) => match text.parse::<usize>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(IdmeError::unprocessable(format!("page must be a positive integer, got {text:?}"))),
        },
    }
}

async fn search_by_ip(State(s): State<IdmeSandbox>, request: Request) -> Result<Json<SearchResponse>, IdmeError> {
    authorize(request.headers())?;
    let fields = read_form(request, s.profiles.current()).await?;
    let page = parse_page(fields.page.as_deref())?;
    let ip_text = fields.ipaddress.as_deref().map(str::trim).unwrap_or("");
    if ip_text.is_empty() {
        return Err(IdmeError::unprocessable("ipaddress is missing"));
    }
    let ip: IpAddr = ip_text
        .parse()
        .map_err(|_| IdmeError::unprocessable(format!("ipaddress is not a valid IP address: {ip_text:?}")))?;
    let matches = s.data.idme_events_for_ip(&ip);
    past_end(&s, matches.len(), page)?;
    Ok(Json(render_page(&s.data, matches, page)))
}

async fn search_by_user(
    State(s): State<IdmeSandbox>,
    Path(uuid): Path<String>,
    request: Request,
) -> Result<Json<SearchResponse>, IdmeError> {
    authorize(request.headers())?;
    let fields = read_form(request, s.profiles.current()).await?;
    let page = parse_page(fields.page.as_deref())?;
    if !is_user_uuid(&uuid) {
        return Err(IdmeError::unprocessable(format!("uuid is not a valid user UUID: {uuid:?}")));
    }
    let matches = s.data.idme_events_for_user(&uuid);
    past_end(&s, matches.len(), page)?;
    Ok(Json(render_page(&s.data, matches, page)))
}

/// 32 hex digits, or the dashed 8-4-4-4-12 form (NOTES.md: accept both).
fn is_user_uuid(text: &str) -> bool {
    let hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
    if text.len() == 32 {
        return hex(text);
    }
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 5 && parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12]) && parts.iter().all(|p| hex(p))
}

#[derive(Serialize)]
pub struct SearchResponse {
    pub events: Vec<WireEvent>,
    pub meta: Meta,
}

#[derive(Serialize, Debug, PartialEq, Eq)]
pub struct Meta {
    pub current_page: usize,
    pub next_page: Option<usize>,
    pub prev_page: Option<usize>,
    pub total_pages: usize,
    pub total_count: usize,
}

#[derive(Serialize)]
pub struct WireEvent {
    pub event: &'static str,
    pub ipaddress: String,
    pub application: String,
    pub browser: WireBrowser,
    pub tracked_at: String,
    pub updated_at: String,
}

#[derive(Serialize)]
pub struct WireBrowser {
    pub platform: &'static str,
    pub name: &'static str,
    pub version: &'static str,
}

/// Page meta as a Kaminari-style server reports it: `prev_page` null on page 1, `next_page` null
/// on the last page, and both null for a page past the end (out of range: no neighbours).
pub fn page_meta(total_count: usize, page: usize) -> Meta {
    let total_pages = total_count.div_ceil(PAGE_SIZE);
    let in_range = page <= total_pages;
    Meta {
        current_page: page,
        next_page: (in_range && page < total_pages).then_some(page + 1),
        prev_page: (in_range && page > 1).then(|| page - 1),
        total_pages,
        total_count,
    }
}

pub fn render_page(data: &Dataset, matches: &[u32], page: usize) -> SearchResponse {
    let start = (page - 1).saturating_mul(PAGE_SIZE).min(matches.len());
    let end = (start + PAGE_SIZE).min(matches.len());
    let events = matches[start..end].iter().map(|i| wire_event(data, &data.idme_events[*i as usize])).collect();
    SearchResponse { events, meta: page_meta(matches.len(), page) }
}

pub fn wire_event(data: &Dataset, e: &IdmeEvent) -> WireEvent {
    let ipaddress = data.ips[e.reported_ip as usize].to_string();
    let name = APPLICATIONS[e.application as usize];
    let application = if e.quirks & quirk::BASE64_APPLICATION != 0 {
        format!("{}\n", BASE64.encode(format!("{ipaddress}{name}")))
    } else {
        name.to_string()
    };
    let (platform, browser_name, version) = BROWSERS[e.browser as usize];
    WireEvent {
        event: IDME_EVENT_TYPES[e.kind as usize],
        ipaddress,
        application,
        browser: WireBrowser { platform, name: browser_name, version },
        tracked_at: format_time(e.tracked_at_ms, e.offset_min),
        updated_at: format_time(e.updated_at_ms, e.offset_min),
    }
}

/// `2019-08-26T20:03:59.650-04:00`: milliseconds and the offset, as the samples print times.
fn format_time(ms: i64, offset_min: i16) -> String {
    let (Some(offset), Some(at)) =
        (FixedOffset::east_opt(i32::from(offset_min) * 60), DateTime::from_timestamp_millis(ms))
    else {
        return String::new();
    };
    at.with_timezone(&offset).format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_has_nulls_at_the_ends() {
        assert_eq!(
            page_meta(120, 1),
            Meta { current_page: 1, next_page: Some(2), prev_page: None, total_pages: 3, total_count: 120 }
        );
        assert_eq!(
            page_meta(120, 3),
            Meta { current_page: 3, next_page: None, prev_page: Some(2), total_pages: 3, total_count: 120 }
        );
        assert_eq!(
            page_meta(120, 9),
            Meta { current_page: 9, next_page: None, prev_page: None, total_pages: 3, total_count: 120 }
        );
        assert_eq!(
            page_meta(0, 1),
            Meta { current_page: 1, next_page: None, prev_page: None, total_pages: 0, total_count: 0 }
        );
    }

    #[test]
    fn times_print_like_the_samples() {
        // 2019-08-27T00:03:59.650Z is the first search sample's tracked_at.
        assert_eq!(format_time(1_566_864_239_650, -240), "2019-08-26T20:03:59.650-04:00");
    }

    #[test]
    fn user_uuids_dashed_or_plain() {
        assert!(is_user_uuid("ac28b80d7ac14b0db51b5bef6281f3c2"));
        assert!(is_user_uuid("ac28b80d-7ac1-4b0d-b51b-5bef6281f3c2"));
        assert!(!is_user_uuid("ac28b80d7ac14b0db51b5bef6281f3c"));
        assert!(!is_user_uuid("not-a-uuid"));
    }
}
