//! `/admin/access.json` and `/admin/access.csv`: the access log for the admin group, filtered
//! by user, connection and time range (the app's `/admin/access` view draws it).

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use serde::Deserialize;

use super::{AccessLog, Entry, Filter, Kind};
use crate::auth::{AuthConfig, SignedIn};

/// Rows a page of the admin view holds.
pub const PER_PAGE: u32 = 100;

#[derive(Clone)]
struct Admin {
    log: Arc<AccessLog>,
    auth: Option<AuthConfig>,
}

pub fn routes(log: Arc<AccessLog>, auth: Option<AuthConfig>) -> Router {
    Router::new()
        .route("/admin/access.json", get(page))
        .route("/admin/access.csv", get(csv))
        .with_state(Admin { log, auth })
}

/// The admin view's URL parameters (its own URL carries the same ones).
#[derive(Debug, Default, Deserialize)]
pub struct AccessQuery {
    user: Option<String>,
    connection: Option<String>,
    /// RFC 3339 instants; `to` is exclusive.
    from: Option<String>,
    to: Option<String>,
    page: Option<u32>,
}

impl AccessQuery {
    fn filter(&self) -> Result<Filter, String> {
        let text = |v: &Option<String>| v.as_ref().map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        Ok(Filter {
            user: text(&self.user),
            connection: text(&self.connection),
            from_ms: crate::web::query_instant_ms("from", self.from.as_deref())?,
            to_ms: crate::web::query_instant_ms("to", self.to.as_deref())?,
        })
    }
}

/// None for the admin; for everyone else, the answer that refuses them (and the refusal is
/// written down).
fn refusal(admin: &Admin, signed_in: Option<&SignedIn>, path: &str) -> Option<Response> {
    let Some(auth) = &admin.auth else {
        return Some(crate::web::json_problem(
            StatusCode::NOT_FOUND,
            "The access log is shown only when the gateway signs people in ([auth]).",
        ));
    };
    let who = signed_in.map(|SignedIn(who)| who.clone());
    if who.as_ref().is_some_and(|w| w.is_admin(auth)) {
        return None;
    }
    let mut entry = Entry::now(Kind::Denied, who.as_deref());
    entry.method = "GET".into();
    entry.path = path.into();
    entry.status = 403;
    entry.detail = "not in the admin group".into();
    admin.log.record(entry);
    Some(crate::web::json_problem(StatusCode::FORBIDDEN, "Only the admin group may open the access log."))
}

async fn page(
    State(admin): State<Admin>,
    signed_in: Option<Extension<SignedIn>>,
    Query(query): Query<AccessQuery>,
) -> Response {
    if let Some(refused) = refusal(&admin, signed_in.as_ref().map(|e| &e.0), "/admin/access.json") {
        return refused;
    }
    let filter = match query.filter() {
        Ok(filter) => filter,
        Err(message) => return crate::web::json_problem(StatusCode::BAD_REQUEST, &message),
    };
    // Entries recorded a moment ago are shown: they are committed first.
    admin.log.flush();
    match admin.log.page(&filter, query.page.unwrap_or(1).max(1), PER_PAGE) {
        Ok(page) => ([(header::CACHE_CONTROL, "no-store")], axum::Json(page)).into_response(),
        Err(message) => crate::web::json_problem(StatusCode::INTERNAL_SERVER_ERROR, &message),
    }
}

/// A cell a spreadsheet would run as a formula gets a leading `'`.
fn neutralised(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{cell}") } else { cell.to_string() }
}

async fn csv(
    State(admin): State<Admin>,
    signed_in: Option<Extension<SignedIn>>,
    Query(query): Query<AccessQuery>,
) -> Response {
    let who = signed_in.as_ref().map(|e| e.0.0.clone());
    if let Some(refused) = refusal(&admin, signed_in.as_ref().map(|e| &e.0), "/admin/access.csv") {
        return refused;
    }
    let filter = match query.filter() {
        Ok(filter) => filter,
        Err(message) => return crate::web::json_problem(StatusCode::BAD_REQUEST, &message),
    };
    admin.log.flush();
    let mut out = csv::Writer::from_writer(Vec::new());
    let header = [
        "time",
        "kind",
        "subject",
        "email",
        "connection",
        "method",
        "path",
        "query",
        "form",
        "status",
        "size",
        "from_cache",
        "detail",
    ];
    let _ = out.write_record(header);
    let mut rows = 0u64;
    let written = admin.log.each(&filter, |e| {
        rows += 1;
        let at = chrono::DateTime::from_timestamp_millis(e.at_ms)
            .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
            .unwrap_or_default();
        let cells = [
            at,
            e.kind.as_str().to_string(),
            e.subject,
            e.email,
            e.connection,
            e.method,
            e.path,
            e.query,
            e.form,
            e.status.to_string(),
            e.size.to_string(),
            e.from_cache.to_string(),
            e.detail,
        ];
        let _ = out.write_record(cells.iter().map(|c| neutralised(c)));
    });
    if let Err(message) = written {
        return crate::web::json_problem(StatusCode::INTERNAL_SERVER_ERROR, &message);
    }
    let body = out.into_inner().unwrap_or_default();
    let mut entry = Entry::now(Kind::Export, who.as_deref());
    entry.method = "GET".into();
    entry.path = "/admin/access.csv".into();
    entry.status = 200;
    entry.size = body.len() as u64;
    entry.detail = format!("{rows} access log entries");
    admin.log.record(entry);
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"auditdeck-access-log.csv\""),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(neutralised("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralised("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralised("alice@example.org"), "alice@example.org");
    }

    #[test]
    fn times_must_be_rfc3339() {
        let query = AccessQuery { from: Some("yesterday".into()), ..Default::default() };
        assert!(query.filter().unwrap_err().contains("from must be a time"));
        let query =
            AccessQuery { to: Some("2026-12-01T00:00:00Z".into()), user: Some("  ".into()), ..Default::default() };
        let filter = query.filter().unwrap();
        assert_eq!((filter.to_ms, filter.user), (Some(1_796_083_200_000), None));
    }
}
