//! Standfast identity events, as `standfast-identity-events.txt` describes them:
//! `GET /api/workspaces/{workspace_id}/identity-events?from=&to=&type=&contact=&before=&limit=`
//! with `Authorization: Bearer <key>`. from/to inclusive, `before` exclusive (NOTES.md), limit
//! 1–500 (default 100), newest first by occurredAt then id. The document names no error format;
//! the sandbox answers `{"message": "..."}`.
//!
//! Events can be added while the gateway runs ([`StandfastSandbox::insert_now`]): they are newer
//! than the generated history, so live tail (`from` = newest seen) has something to find.

pub mod data;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, SecondsFormat, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use super::dataset::Dataset;
use super::dataset::{format_uuid, parse_uuid, random_uuid};
use super::profile::{Bound, IdOrder, Profile, Profiles};
use data::{EVENT_TYPES, Event, TENANT_ID, WORKSPACES};

/// The sandbox's API key, in the document's key format.
pub const SANDBOX_KEY: &str = "sf_test_v1_auditdeck_sandbox";
pub const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = 500;

/// The generated history plus the events added while the gateway runs.
#[derive(Clone)]
pub struct StandfastSandbox {
    data: Arc<Dataset>,
    /// Per workspace: the added events, newest first (all newer than the generated ones).
    added: Arc<RwLock<Vec<Vec<Event>>>>,
    rng: Arc<Mutex<ChaCha8Rng>>,
    profiles: Profiles,
}

/// The query parameters the document names; strict mode refuses any other.
pub const PARAMETERS: [&str; 6] = ["from", "to", "type", "contact", "before", "limit"];

impl StandfastSandbox {
    pub fn new(data: Arc<Dataset>, profiles: Profiles) -> Self {
        let added = vec![Vec::new(); WORKSPACES.len()];
        StandfastSandbox {
            data,
            added: Arc::new(RwLock::new(added)),
            rng: Arc::new(Mutex::new(ChaCha8Rng::seed_from_u64(11))),
            profiles,
        }
    }

    pub fn router(&self) -> Router {
        Router::new().route("/api/workspaces/{workspace_id}/identity-events", get(list)).with_state(self.clone())
    }

    /// Adds `n` events happening now to a workspace, of one of its contacts; returns their
    /// ids, newest first (the order the API lists them in).
    pub fn insert_now(&self, workspace: usize, n: usize) -> Vec<String> {
        let (Ok(mut added), Ok(mut rng)) = (self.added.write(), self.rng.lock()) else { return Vec::new() };
        let Some(list) = added.get_mut(workspace) else { return Vec::new() };
        let generated = self.data.standfast.by_workspace.get(workspace).and_then(|l| l.first());
        let newest = list.first().or(generated).map_or(0, |e| e.occurred_s);
        let occurred_s = Utc::now().timestamp().max(newest);
        // A person's workspace is their index modulo the workspace count (data::generate).
        let contacts = (self.data.people.len().saturating_sub(workspace) / WORKSPACES.len()).max(1);
        for _ in 0..n {
            let person = (rng.random_range(0..contacts) * WORKSPACES.len() + workspace) as u32;
            list.push(Event {
                id: random_uuid(&mut *rng),
                conversation: random_uuid(&mut *rng),
                workspace: workspace as u8,
                person,
                occurred_s,
                created_delta_ms: rng.random_range(0..9),
                kind: rng.random_range(0..EVENT_TYPES.len()) as u8,
                variant: rng.random(),
                weight_milli: rng.random_range(50..1000),
                breaks_contract: false,
            });
        }
        list.sort_by(|a, b| b.occurred_s.cmp(&a.occurred_s).then(b.id.cmp(&a.id)));
        list.iter().filter(|e| e.occurred_s == occurred_s).map(|e| format_uuid(e.id)).collect()
    }

    /// Adds an event to the first workspace now and then while the gateway runs (live tail).
    pub fn spawn_live_events(&self) {
        let this = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(45));
            tick.tick().await;
            loop {
                tick.tick().await;
                this.insert_now(0, 1);
            }
        });
    }
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "message": message.into() }))).into_response()
}

fn authorize(headers: &HeaderMap) -> Result<(), (StatusCode, &'static str)> {
    let value = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    match value.and_then(|v| v.strip_prefix("Bearer ")) {
        None => Err((StatusCode::UNAUTHORIZED, "Missing or malformed Authorization header: expected Bearer <key>")),
        Some(key) if key.trim() == SANDBOX_KEY => Ok(()),
        Some(_) => Err((StatusCode::FORBIDDEN, "API key is not valid for this workspace")),
    }
}

/// The filters of one request, validated.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub types: Option<Vec<u8>>,
    pub contact: Option<u128>,
    pub before_ms: Option<i64>,
    pub limit: usize,
}

fn parse_time(name: &str, value: &str) -> Result<i64, String> {
    DateTime::parse_from_rfc3339(value.trim())
        .map(|t| t.timestamp_millis())
        .map_err(|_| format!("{name}: {value:?} is not an ISO-8601 date-time (e.g. 2026-05-13T10:14:32Z)"))
}

pub fn parse_filter(params: &HashMap<String, String>) -> Result<Filter, String> {
    let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.trim().is_empty());
    let types = match get("type") {
        None => None,
        Some(list) => {
            let mut kinds = Vec::new();
            for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let k = EVENT_TYPES.iter().position(|t| *t == name).ok_or_else(|| {
                    format!("type: unknown event type {name:?}; expected one of {}", EVENT_TYPES.join(", "))
                })?;
                kinds.push(k as u8);
            }
            Some(kinds)
        }
    };
    let limit = match get("limit") {
        None => DEFAULT_LIMIT,
        Some(text) => match text.trim().parse::<usize>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => return Err(format!("limit: must be an integer from 1 to {MAX_LIMIT}, got {text:?}")),
        },
    };
    let contact = match get("contact") {
        None => None,
        Some(text) => Some(parse_uuid(text).ok_or_else(|| format!("contact: {text:?} is not a UUID"))?),
    };
    Ok(Filter {
        from_ms: get("from").map(|v| parse_time("from", v)).transpose()?,
        to_ms: get("to").map(|v| parse_time("to", v)).transpose()?,
        types,
        contact,
        before_ms: get("before").map(|v| parse_time("before", v)).transpose()?,
        limit,
    })
}

/// Fields a type's contract requires (the document's table), in wire names.
pub fn required_fields(kind: u8) -> &'static [&'static str] {
    match EVENT_TYPES[kind as usize] {
        "factor_added" | "factor_failed" => &["factorCategory", "factorType", "factorBoundToPrincipal", "evidenceRef"],
        "kbv_question_asked" | "kbv_question_passed" | "kbv_question_failed" => {
            &["factorCategory", "factorBoundToPrincipal", "evidenceRef"]
        }
        "identity_locked_per_call" | "identity_locked_per_24h" | "verification_agent_context_used" => {
            &["factorBoundToPrincipal", "evidenceRef"]
        }
        "assurance_level_reached" => &["factorBoundToPrincipal", "scopeDimension", "scopeValues"],
        "ani_blocked" | "verification_not_configured" | "scope_set" => &["scopeDimension", "scopeValues"],
        _ => &["riskSignalName", "riskSignalWeight"], // risk_signal_raised / risk_signal_resolved
    }
}

/// The required field a contract-breaking event leaves out (None for a conforming event).
pub fn missing_field(e: &Event) -> Option<&'static str> {
    let required = required_fields(e.kind);
    e.breaks_contract.then(|| required[e.variant as usize % required.len()])
}

fn iso_seconds(s: i64) -> String {
    DateTime::<Utc>::from_timestamp(s, 0).map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)).unwrap_or_default()
}

fn iso_millis(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
        .unwrap_or_default()
}

const TOOLS: [&str; 4] = ["lookup_orders", "lookup_account", "lookup_address", "lookup_payments"];
const FACTORS: [(&str, &str); 5] = [
    ("knowledge", "kba_dynamic"),
    ("possession", "magic_link"),
    ("possession", "sms_otp"),
    ("inherence", "voice_biometric"),
    ("possession", "totp"),
];
const SIGNALS: [&str; 4] = ["pad_synthetic_indicator", "ani_mismatch", "suspicious_geo", "velocity_spike"];

/// Milliseconds within its second an event's `occurredAt` has under the sub-second reading
/// (stable per event; whole seconds otherwise).
fn sub_second_ms(e: &Event) -> i64 {
    (e.id % 1000) as i64
}

/// An event's `occurredAt` in milliseconds, as the profile writes it.
pub fn occurred_ms(e: &Event, profile: &Profile) -> i64 {
    e.occurred_s * 1000 + if profile.standfast_sub_second { sub_second_ms(e) } else { 0 }
}

/// The wire JSON of one event: every field present, null where the type has no value.
pub fn render(data: &Dataset, e: &Event, profile: &Profile) -> Value {
    let at_ms = occurred_ms(e, profile);
    let contact = format_uuid(data.people[e.person as usize].uuid_value());
    let v = e.variant as usize;
    let name = EVENT_TYPES[e.kind as usize];
    let mut f = json!({
        "id": format_uuid(e.id),
        "tenantId": TENANT_ID,
        "conversationId": format_uuid(e.conversation),
        "occurredAt": if profile.standfast_sub_second { iso_millis(at_ms) } else { iso_seconds(e.occurred_s) },
        "eventType": name,
        "factorCategory": null,
        "factorType": null,
        "factorBoundToPrincipal": null,
        "riskSignalName": null,
        "riskSignalWeight": null,
        "scopeDimension": null,
        "scopeValues": null,
        "evidenceRef": null,
        "promptVersion": (["v3", "v4", "v4.1"][v % 3]),
        "createdAt": iso_millis(at_ms + i64::from(e.created_delta_ms)),
    });
    let tool = TOOLS[v % TOOLS.len()];
    match name {
        "factor_added" | "factor_failed" => {
            let (category, factor) = FACTORS[v % FACTORS.len()];
            f["factorCategory"] = category.into();
            f["factorType"] = factor.into();
            f["factorBoundToPrincipal"] = contact.into();
            f["evidenceRef"] = match factor {
                "kba_dynamic" => format!("tool:{tool}"),
                "magic_link" => format!("magic_link:{}", format_uuid(e.id.rotate_left(17))),
                other => format!("{other}:{}", v % 1000),
            }
            .into();
        }
        "kbv_question_asked" | "kbv_question_passed" | "kbv_question_failed" => {
            f["factorCategory"] = "knowledge".into();
            f["factorType"] = "kba_dynamic".into();
            f["factorBoundToPrincipal"] = contact.into();
            f["evidenceRef"] = format!("tool:{tool}").into();
        }
        "identity_locked_per_call" => {
            f["factorBoundToPrincipal"] = contact.into();
            f["evidenceRef"] = "lockout:per_call:cap=3".into();
        }
        "identity_locked_per_24h" => {
            f["factorBoundToPrincipal"] = contact.into();
            f["evidenceRef"] = "lockout:per_24h:cap=5".into();
        }
        "ani_blocked" => {
            f["scopeDimension"] = "caller_ani".into();
            f["scopeValues"] = json!([format!("+1555{:07}", (e.person as usize * 7919 + v) % 10_000_000)]);
        }
        "assurance_level_reached" => {
            f["factorBoundToPrincipal"] = contact.into();
            f["scopeDimension"] = "assurance_level".into();
            f["scopeValues"] = json!([(["identified", "high-assurance"][v % 2])]);
        }
        "verification_not_configured" => {
            f["scopeDimension"] = "workspace_id".into();
            f["scopeValues"] = json!([WORKSPACES[e.workspace as usize].0]);
        }
        "verification_agent_context_used" => {
            f["factorBoundToPrincipal"] = contact.into();
            f["evidenceRef"] = format!("tool:{tool}").into();
        }
        "scope_set" => {
            f["scopeDimension"] = "account_id".into();
            let n = 1 + v % 3;
            f["scopeValues"] = (0..n).map(|i| format_uuid(e.conversation.rotate_left(8 * i as u32 + 3))).collect();
        }
        _ => {
            f["riskSignalName"] = SIGNALS[v % SIGNALS.len()].into();
            f["riskSignalWeight"] = json!(f64::from(e.weight_milli) / 1000.0);
        }
    }
    if let Some(field) = missing_field(e) {
        f[field] = Value::Null;
    }
    f
}

/// The contact the event is bound to on the wire (what the `contact` filter matches).
fn bound_contact(data: &Dataset, e: &Event) -> Option<u128> {
    let binds = required_fields(e.kind).contains(&"factorBoundToPrincipal");
    (binds && missing_field(e) != Some("factorBoundToPrincipal")).then(|| data.people[e.person as usize].uuid_value())
}

/// Whether an event matches the filter (paging bounds included), its time as the profile
/// writes it.
pub fn matches(data: &Dataset, e: &Event, f: &Filter, profile: &Profile) -> bool {
    let at = occurred_ms(e, profile);
    let under_before = |before: i64| match profile.standfast_before {
        Bound::Exclusive => at < before,
        Bound::Inclusive => at <= before,
    };
    f.from_ms.is_none_or(|from| at >= from)
        && f.to_ms.is_none_or(|to| at <= to)
        && f.before_ms.is_none_or(under_before)
        && f.types.as_ref().is_none_or(|types| types.contains(&e.kind))
        && f.contact.is_none_or(|c| bound_contact(data, e) == Some(c))
}

/// One page over a list stored newest second first: binary search to the second of the upper
/// bound, then whole seconds at a time (ordered as the profile lists them: time descending,
/// then id descending or ascending) until `limit` events match.
pub fn query<'a>(data: &Dataset, events: &'a [Event], f: &Filter, profile: &Profile) -> Vec<&'a Event> {
    let upper = [f.before_ms, f.to_ms].into_iter().flatten().min();
    let start = upper.map_or(0, |u| events.partition_point(|e| e.occurred_s * 1000 > u));
    let mut page: Vec<&Event> = Vec::new();
    let mut rest = &events[start..];
    while let Some(first) = rest.first() {
        if page.len() >= f.limit || f.from_ms.is_some_and(|from| first.occurred_s * 1000 + 999 < from) {
            break;
        }
        let second = rest.partition_point(|e| e.occurred_s == first.occurred_s);
        let mut group: Vec<&Event> = rest[..second].iter().filter(|e| matches(data, e, f, profile)).collect();
        group.sort_by(|a, b| {
            let by_time = occurred_ms(b, profile).cmp(&occurred_ms(a, profile));
            by_time.then(match profile.standfast_ids {
                IdOrder::Descending => b.id.cmp(&a.id),
                IdOrder::Ascending => a.id.cmp(&b.id),
            })
        });
        page.extend(group);
        rest = &rest[second..];
    }
    page.truncate(f.limit);
    page
}

impl StandfastSandbox {
    /// Every event of a workspace that `filter` matches (its `limit` aside), in the order the
    /// API lists them under the profile in force: what a complete walk must show.
    pub fn listing(&self, workspace: usize, filter: &Filter) -> Vec<String> {
        let profile = self.profiles.current();
        let all = Filter { limit: usize::MAX, ..filter.clone() };
        let added = self.added.read().map(|a| a.get(workspace).cloned().unwrap_or_default()).unwrap_or_default();
        let mut ids: Vec<String> =
            query(&self.data, &added, &all, &profile).iter().map(|e| format_uuid(e.id)).collect();
        if let Some(list) = self.data.standfast.by_workspace.get(workspace) {
            ids.extend(query(&self.data, list, &all, &profile).iter().map(|e| format_uuid(e.id)));
        }
        ids
    }
}

async fn list(
    State(sandbox): State<StandfastSandbox>,
    Path(workspace_id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err((status, message)) = authorize(&headers) {
        return error(status, message);
    }
    let data = &sandbox.data;
    let Some(workspace) = data.standfast.workspace_index(&workspace_id) else {
        return error(StatusCode::NOT_FOUND, format!("workspace {workspace_id} not found"));
    };
    if let Some(unknown) = sandbox.profiles.current().refused(params.keys().map(String::as_str), &PARAMETERS) {
        return error(StatusCode::UNPROCESSABLE_ENTITY, format!("unknown query parameter {unknown:?}"));
    }
    let filter = match parse_filter(&params) {
        Ok(f) => f,
        Err(message) => return error(StatusCode::UNPROCESSABLE_ENTITY, message),
    };
    // The added events are newer than the generated ones: they come first.
    let profile = sandbox.profiles.current();
    let added = sandbox.added.read().map(|a| a[workspace].clone()).unwrap_or_default();
    let mut page = query(data, &added, &filter, &profile);
    if page.len() < filter.limit {
        let rest = Filter { limit: filter.limit - page.len(), ..filter.clone() };
        page.extend(query(data, &data.standfast.by_workspace[workspace], &rest, &profile));
    }
    let events: Vec<Value> = page.into_iter().map(|e| render(data, e, &profile)).collect();
    Json(json!({ "events": events })).into_response()
}
