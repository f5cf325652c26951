//! One page of events from each vendor, for the views: request (through the fetcher's cache and
//! rate budget), vendor parsing, conversion to the event model, data-quality flags.

use std::net::IpAddr;

use crate::connection::settings::ResolvedConnection;
use crate::model::signal::from_signal;
use crate::model::{AuditEvent, convert_page, flag_ip_mismatch, flag_order, from_iden, from_idme, from_standfast};
use crate::net::fetcher::{RatePolicy, Ticket, fetch};
use crate::net::http::FetchFailure;
use crate::providers::standfast::{Position, Step};
use crate::providers::{ApiError, HttpResponse, iden, idme, idme_events, signals, standfast};
use crate::rows::export::describe_request;

/// A page of ID.me's page-numbered search.
#[derive(Debug, Clone, PartialEq)]
pub struct IdmePage {
    pub events: Vec<AuditEvent>,
    /// The vendor request that answered it (no header), for export manifests.
    pub request: String,
    /// Records that could not be read (counted, never dropped silently).
    pub unreadable: usize,
    pub meta: idme::Meta,
    /// The page asked for.
    pub page: u64,
}

/// A page of Iden's cursor listing.
#[derive(Debug, Clone, PartialEq)]
pub struct IdenPage {
    pub events: Vec<AuditEvent>,
    /// The vendor request that answered it (no header), for export manifests.
    pub request: String,
    pub unreadable: usize,
    pub next_cursor: Option<String>,
    pub previous_cursor: Option<String>,
}

/// A page of Standfast's walk back.
#[derive(Debug, Clone, PartialEq)]
pub struct StandfastPage {
    pub events: Vec<AuditEvent>,
    /// The vendor request that answered it (no header), for export manifests.
    pub request: String,
    pub unreadable: usize,
    /// Where the next older page starts; None at the end.
    pub older: Option<Position>,
    /// One instant holds more events than the vendor returns at once (its time).
    pub tie_too_large: Option<String>,
}

/// A page of the gateway's security signals.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalsPage {
    pub events: Vec<AuditEvent>,
    /// The request that answered it, for export manifests.
    pub request: String,
    pub unreadable: usize,
    /// The number of the oldest signal shown, when older ones follow.
    pub older_than: Option<i64>,
}

/// A page of signals, from the app's cache like a vendor's page (the timeline, the severity
/// view), or, `fresh`, asked of the gateway again (the signals view, where they arrive while it
/// is open).
pub async fn signals_list(
    filter: &signals::Filter,
    limit: u32,
    ticket: &Ticket,
    fresh: bool,
) -> Result<SignalsPage, FetchFailure> {
    let request = signals::list_request(filter, limit);
    let ticket = if fresh { ticket.fresh() } else { ticket.clone() };
    let page = fetch(&request, &ticket, None, signals::parse_page).await?;
    let oldest = page.signals.last().and_then(|s| s.get("id")).and_then(serde_json::Value::as_i64);
    let (events, unreadable) = convert_page(&page.signals, from_signal);
    Ok(SignalsPage {
        events,
        request: describe_request(&request),
        unreadable,
        older_than: oldest.filter(|_| page.more),
    })
}

fn failed(e: ApiError) -> FetchFailure {
    FetchFailure::Failed(e)
}

pub async fn idme_by_ip(
    connection: &ResolvedConnection,
    ip: IpAddr,
    page: u64,
    ticket: &Ticket,
) -> Result<IdmePage, FetchFailure> {
    let request = idme::search_by_ip(&connection.base_url, ip, page, connection.authorization.as_deref());
    let parsed = fetch(&request, ticket, None, idme::parse_search).await?;
    let mut result = idme_page(parsed, &connection.label, page, describe_request(&request));
    flag_ip_mismatch(&mut result.events, ip);
    Ok(result)
}

/// `uuid` in any accepted form; ID.me gets the 32-hex form its documents use.
pub async fn idme_by_user(
    connection: &ResolvedConnection,
    uuid: &crate::routes::query::Uuid,
    page: u64,
    ticket: &Ticket,
) -> Result<IdmePage, FetchFailure> {
    let hex = uuid.hex();
    let request = idme::search_by_user(&connection.base_url, &hex, page, connection.authorization.as_deref());
    let parsed = fetch(&request, ticket, None, idme::parse_search).await?;
    Ok(idme_page(parsed, &connection.label, page, describe_request(&request)))
}

fn idme_page(parsed: idme::SearchPage, label: &str, page: u64, request: String) -> IdmePage {
    let (mut events, unreadable) = convert_page(&parsed.events, |raw| from_idme(raw, label));
    flag_order(&mut events);
    IdmePage { events, request, unreadable, meta: parsed.meta, page }
}

/// Iden's documented budget for this connection (requests from every view share it).
pub fn iden_rate_policy(connection: &ResolvedConnection) -> RatePolicy {
    RatePolicy {
        key: format!("iden {} {}", connection.label, connection.base_url),
        vendor: "Iden",
        per_minute: 60,
        message: |response| match iden::parse_page(response) {
            Err(ApiError::RateLimited { message, .. }) => message,
            _ => "Too Many Requests".into(),
        },
    }
}

pub async fn iden_list(
    connection: &ResolvedConnection,
    filter: &iden::Filter,
    cursor: Option<&str>,
    limit: u32,
    ticket: &Ticket,
) -> Result<IdenPage, FetchFailure> {
    filter.validate().map_err(|message| failed(ApiError::Vendor { status: 400, code: None, message }))?;
    let request = iden::list_request(
        &connection.base_url,
        &connection.scope,
        filter,
        cursor,
        limit,
        connection.authorization.as_deref(),
    );
    let page = fetch(&request, ticket, Some(&iden_rate_policy(connection)), iden::parse_page).await?;
    let (mut events, unreadable) = convert_page(&page.results, |raw| from_iden(raw, &connection.label));
    flag_order(&mut events);
    Ok(IdenPage {
        events,
        request: describe_request(&request),
        unreadable,
        next_cursor: page.next_cursor,
        previous_cursor: page.previous_cursor,
    })
}

pub async fn standfast_page(
    connection: &ResolvedConnection,
    workspace: &str,
    filter: &standfast::Filter,
    position: &Position,
    page_size: u32,
    ticket: &Ticket,
) -> Result<StandfastPage, FetchFailure> {
    let want = position.fetch(page_size);
    let request = standfast::list_request(
        &connection.base_url,
        workspace,
        filter,
        want.before.as_deref(),
        want.limit,
        connection.authorization.as_deref(),
    );
    let raws = fetch(&request, ticket, None, readable_standfast_page).await?;
    let (raws, older, tie_too_large) =
        match standfast::take_page(position, page_size, &want, raws, standfast::raw_occurred) {
            Step::Page { events, older } => (events, older, None),
            Step::End => (Vec::new(), None, None),
            Step::TieTooLarge { at } => (Vec::new(), None, Some(at)),
        };
    let (mut events, unreadable) = convert_page(&raws, |raw| from_standfast(raw, &connection.label, workspace));
    flag_order(&mut events);
    Ok(StandfastPage { events, request: describe_request(&request), unreadable, older, tie_too_large })
}

/// Standfast pages by time: a page none of whose records has a readable `occurredAt` can be
/// neither placed nor continued from, so it is an error (saying "no more events" would be a
/// lie), and it is not cached.
fn readable_standfast_page(response: &HttpResponse) -> Result<Vec<serde_json::Value>, ApiError> {
    let raws = standfast::parse_list(response)?;
    if !raws.is_empty() && raws.iter().all(|raw| standfast::raw_occurred(raw).is_none()) {
        return Err(ApiError::Malformed {
            status: response.status,
            detail: format!(
                "none of the {} records has a readable occurredAt, so paging cannot continue past them",
                raws.len()
            ),
        });
    }
    Ok(raws)
}

/// One ID.me event through the Events API (the connection's path template and bearer token).
pub async fn idme_event(
    connection: &ResolvedConnection,
    id: &str,
    ticket: &Ticket,
) -> Result<AuditEvent, FetchFailure> {
    let lookup = connection.event_lookup.as_ref().ok_or_else(|| {
        failed(ApiError::Malformed { status: 0, detail: "this connection has no ID.me Events API settings".into() })
    })?;
    let request =
        idme_events::lookup_request(&connection.base_url, &lookup.path_template, id, lookup.authorization.as_deref())
            .map_err(|message| failed(ApiError::Vendor { status: 400, code: None, message }))?;
    let (record, status) =
        fetch(&request, ticket, None, |r| idme_events::parse_lookup(r).map(|record| (record, r.status))).await?;
    from_idme(&record, &connection.label).ok_or_else(|| {
        failed(ApiError::Malformed { status, detail: "the record's fields are not of the documented types".into() })
    })
}
