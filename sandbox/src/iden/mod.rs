//! Iden Events API, as `iden-events-api.txt` describes it: `GET /org/{slug}/api/events/` with
//! `Authorization: Api-Key <key>`, every filter of its table (all combinable), `limit` (default
//! 50, max 200), opaque cursors, `{next_cursor, previous_cursor, results}` newest first, and a
//! rate limit of 60 requests a minute per key (429, `Retry-After`, `{"detail": ...}`).
//!
//! Cursors are keyset positions (occurred_at, sequence), so paging stays exact while events are
//! added. `previous_cursor` is null where there is nothing newer than the page, the first page
//! included, as a Django REST framework cursor paginator answers (the document's example cursor
//! has that shape). The profile `iden_first_page_previous_cursor` gives every page one pointing
//! above its first event instead: following it later returns the events added since.

pub mod data;

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use chrono::{DateTime, SecondsFormat, Utc};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use super::dataset::Dataset;
use super::dataset::{format_uuid, parse_uuid};
use super::profile::{BadRequest, Profiles, RetryAfter};
use data::{ACTOR_TYPES, CATEGORIES, EVENT_TYPES, Event, SEVERITIES, SOURCE_TYPES, SUBJECT_TYPES};

pub const SANDBOX_KEY: &str = "iden_sandbox_auditdeck_key";
pub const ORG_SLUG: &str = "auditdeck-sandbox";
pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 200;
/// The vendor's limit: requests a minute per API key.
pub const VENDOR_RATE_LIMIT: u32 = 60;

/// The live store (the generated history plus events added while the gateway runs) and the
/// rate limiter.
#[derive(Clone)]
pub struct IdenSandbox {
    data: Arc<Dataset>,
    events: Arc<RwLock<Vec<Event>>>,
    limiter: Arc<Mutex<HashMap<String, VecDeque<Instant>>>>,
    /// Requests a minute per key; 0 turns the limit off.
    rate_limit: u32,
    /// Every request before this instant is throttled ([`IdenSandbox::throttle_for`]).
    forced_until: Arc<Mutex<Option<Instant>>>,
    /// The next request starts a throttle of this length ([`IdenSandbox::throttle_from_next_request`]).
    forced_from_next: Arc<Mutex<Option<Duration>>>,
    /// This many next requests are throttled, each told to wait 1 s ([`IdenSandbox::throttle_next`]).
    forced_next: Arc<std::sync::atomic::AtomicU32>,
    rng: Arc<Mutex<ChaCha8Rng>>,
    profiles: Profiles,
}

/// The query parameters the document names; strict mode refuses any other.
pub const PARAMETERS: [&str; 11] = [
    "event_type",
    "event_type_prefix",
    "category",
    "severity",
    "occurred_at__gte",
    "occurred_at__lte",
    "actor_uuid",
    "subject_uuid",
    "actor_ip",
    "cursor",
    "limit",
];

impl IdenSandbox {
    pub fn new(data: Arc<Dataset>, rate_limit: u32, profiles: Profiles) -> Self {
        let events = data.iden.clone();
        IdenSandbox {
            data,
            events: Arc::new(RwLock::new(events)),
            limiter: Arc::new(Mutex::new(HashMap::new())),
            rate_limit,
            forced_until: Arc::new(Mutex::new(None)),
            forced_from_next: Arc::new(Mutex::new(None)),
            forced_next: Arc::default(),
            rng: Arc::new(Mutex::new(ChaCha8Rng::seed_from_u64(7))),
            profiles,
        }
    }

    pub fn router(&self) -> Router {
        Router::new().route("/org/{slug}/api/events/", get(list)).with_state(self.clone())
    }

    pub fn len(&self) -> usize {
        self.events.read().map(|e| e.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds `n` new events happening now (newer than everything stored); returns their ids.
    pub fn insert_now(&self, n: usize) -> Vec<String> {
        let (Ok(mut events), Ok(mut rng)) = (self.events.write(), self.rng.lock()) else { return Vec::new() };
        let mut ids = Vec::with_capacity(n);
        for _ in 0..n {
            let (last_ms, last_seq) = events.last().map(|e| (e.occurred_ms, e.seq)).unwrap_or((0, 0));
            let at = Utc::now().timestamp_millis().max(last_ms);
            let kind = rand::Rng::random_range(&mut *rng, 0..EVENT_TYPES.len()) as u8;
            let event = data::make_event(&mut *rng, &self.data.people, self.data.ips.len(), kind, at, last_seq + 1);
            ids.push(format_uuid(event.event_id));
            events.push(event);
        }
        ids
    }

    /// Adds a few events a minute while the gateway runs (live tail, paging during inserts).
    pub fn spawn_live_events(&self) {
        let this = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(20));
            loop {
                tick.tick().await;
                this.insert_now(1);
            }
        });
    }

    /// Answers every request with 429 for `period`, as if the key's budget were spent (tests and
    /// demos of the rate-limit handling, without waiting for 60 real requests).
    pub fn throttle_for(&self, period: Duration) {
        if let Ok(mut until) = self.forced_until.lock() {
            *until = Some(Instant::now() + period);
        }
    }

    /// Answers the next `n` requests with 429 and `Retry-After: 1`, until the guard is dropped at
    /// the latest: a client that retries without end, or gives up too soon, shows.
    #[must_use = "the throttle ends when the guard is dropped"]
    pub fn throttle_next(&self, n: u32) -> Throttle {
        self.forced_next.store(n, std::sync::atomic::Ordering::SeqCst);
        Throttle { sandbox: self.clone() }
    }

    /// Like [`IdenSandbox::throttle_for`], until the guard is dropped at the latest (a test that
    /// fails half-way leaves no throttle behind).
    #[must_use = "the throttle ends when the guard is dropped"]
    pub fn throttle_while(&self, period: Duration) -> Throttle {
        self.throttle_for(period);
        Throttle { sandbox: self.clone() }
    }

    /// Like [`IdenSandbox::throttle_while`], but the `period` starts with the next request, not
    /// now: the first answer's `Retry-After` is the whole period, however long the client took
    /// to ask (a page still loading its code, on a busy machine).
    #[must_use = "the throttle ends when the guard is dropped"]
    pub fn throttle_from_next_request(&self, period: Duration) -> Throttle {
        if let Ok(mut armed) = self.forced_from_next.lock() {
            *armed = Some(period);
        }
        Throttle { sandbox: self.clone() }
    }

    /// Counts a request against the key's budget; Err(seconds to wait) when it is spent.
    fn throttle(&self, key: &str) -> Result<(), u64> {
        use std::sync::atomic::Ordering;
        if self.forced_next.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
            return Err(1);
        }
        if let Some(period) = self.forced_from_next.lock().ok().and_then(|mut armed| armed.take()) {
            self.throttle_for(period);
        }
        if let Ok(until) = self.forced_until.lock()
            && let Some(until) = *until
        {
            let left = until.saturating_duration_since(Instant::now());
            if !left.is_zero() {
                return Err(left.as_secs_f64().ceil().max(1.0) as u64);
            }
        }
        if self.rate_limit == 0 {
            return Ok(());
        }
        let Ok(mut limiter) = self.limiter.lock() else { return Ok(()) };
        let now = Instant::now();
        let window = limiter.entry(key.to_string()).or_default();
        while window.front().is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60)) {
            window.pop_front();
        }
        if window.len() >= self.rate_limit as usize {
            let oldest = window.front().copied().unwrap_or(now);
            let wait = Duration::from_secs(60).saturating_sub(now.duration_since(oldest));
            return Err(wait.as_secs_f64().ceil().max(1.0) as u64);
        }
        window.push_back(now);
        Ok(())
    }
}

/// A forced throttle that ends when dropped.
pub struct Throttle {
    sandbox: IdenSandbox,
}

impl Drop for Throttle {
    fn drop(&mut self) {
        if let Ok(mut until) = self.sandbox.forced_until.lock() {
            *until = None;
        }
        if let Ok(mut armed) = self.sandbox.forced_from_next.lock() {
            *armed = None;
        }
        self.sandbox.forced_next.store(0, std::sync::atomic::Ordering::SeqCst);
    }
}

fn detail(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "detail": message.into() }))).into_response()
}

/// A position between events: (occurred_at ms, sequence).
type Position = (i64, u64);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    /// Older than the position (next page).
    Older,
    /// Newer than the position (previous page, or new events since).
    Newer,
}

fn encode_cursor(direction: Direction, (ms, seq): Position) -> String {
    let d = if direction == Direction::Newer { "r=1&" } else { "" };
    B64.encode(format!("{d}p={ms}&s={seq}"))
}

fn decode_cursor(text: &str) -> Option<(Direction, Position)> {
    let raw = String::from_utf8(B64.decode(text.trim()).ok()?).ok()?;
    let mut direction = Direction::Older;
    let (mut ms, mut seq) = (None, None);
    for part in raw.split('&') {
        match part.split_once('=')? {
            ("r", "1") => direction = Direction::Newer,
            ("p", v) => ms = v.parse().ok(),
            ("s", v) => seq = v.parse().ok(),
            _ => return None,
        }
    }
    Some((direction, (ms?, seq?)))
}

#[derive(Debug, Default)]
struct Filter {
    event_type: Option<String>,
    prefix: Option<String>,
    category: Option<String>,
    severities: Option<Vec<String>>,
    gte_ms: Option<i64>,
    lte_ms: Option<i64>,
    actor: Option<u128>,
    subject: Option<u128>,
    actor_ip: Option<IpAddr>,
}

fn uuid_param(name: &'static str, v: &str) -> Result<u128, (&'static str, String)> {
    parse_uuid(v).ok_or_else(|| (name, format!("{name}: {v:?} is not a valid UUID.")))
}

/// The filter, or the parameter that is wrong and why.
fn parse_filter(params: &HashMap<String, String>) -> Result<Filter, (&'static str, String)> {
    let get = |k: &str| params.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let time = |k: &'static str| {
        get(k)
            .map(|v| {
                DateTime::parse_from_rfc3339(v)
                    .map(|t| t.timestamp_millis())
                    .map_err(|_| (k, format!("{k}: {v:?} is not an ISO 8601 date-time.")))
            })
            .transpose()
    };
    if let Some(prefix) = get("event_type_prefix")
        && !prefix.ends_with('.')
    {
        return Err(("event_type_prefix", format!("event_type_prefix must end with '.' (got {prefix:?}).")));
    }
    if let Some(c) = get("category")
        && !CATEGORIES.contains(&c)
    {
        return Err(("category", format!("category: {c:?} is not one of {}.", CATEGORIES.join(", "))));
    }
    let severities = match get("severity") {
        None => None,
        Some(list) => {
            let items: Vec<String> = list.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
            if let Some(bad) = items.iter().find(|s| !SEVERITIES.contains(&s.as_str())) {
                return Err(("severity", format!("severity: {bad:?} is not one of {}.", SEVERITIES.join(", "))));
            }
            Some(items)
        }
    };
    Ok(Filter {
        event_type: get("event_type").map(String::from),
        prefix: get("event_type_prefix").map(String::from),
        category: get("category").map(String::from),
        severities,
        gte_ms: time("occurred_at__gte")?,
        lte_ms: time("occurred_at__lte")?,
        actor: get("actor_uuid").map(|v| uuid_param("actor_uuid", v)).transpose()?,
        subject: get("subject_uuid").map(|v| uuid_param("subject_uuid", v)).transpose()?,
        actor_ip: get("actor_ip")
            .map(|v| v.parse::<IpAddr>().map_err(|_| ("actor_ip", format!("actor_ip: {v:?} is not an IP address."))))
            .transpose()?,
    })
}

impl IdenSandbox {
    fn matches(&self, e: &Event, f: &Filter) -> bool {
        let name = EVENT_TYPES[e.kind as usize];
        f.event_type.as_deref().is_none_or(|t| t == name)
            && f.prefix.as_deref().is_none_or(|p| name.starts_with(p))
            && f.category.as_deref().is_none_or(|c| data::category(name) == c)
            && f.severities.as_ref().is_none_or(|s| s.iter().any(|s| s == data::severity(name)))
            && f.gte_ms.is_none_or(|t| e.occurred_ms >= t)
            && f.lte_ms.is_none_or(|t| e.occurred_ms <= t)
            && f.actor.is_none_or(|u| e.actor.is_some_and(|p| self.data.people[p as usize].uuid_value() == u))
            && f.subject.is_none_or(|u| e.subject_type != 6 && e.subject == u)
            && f.actor_ip.is_none_or(|ip| e.actor_ip.is_some_and(|i| self.data.ips[i as usize] == ip))
    }

    fn render(&self, e: &Event) -> Value {
        let name = EVENT_TYPES[e.kind as usize];
        let actor_uuid = e.actor.map(|p| format_uuid(self.data.people[p as usize].uuid_value()));
        let time = |ms: i64| {
            DateTime::<Utc>::from_timestamp_millis(ms)
                .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
                .unwrap_or_default()
        };
        let v = e.variant as usize;
        let apps = ["Google Workspace", "Slack", "GitHub", "Salesforce", "Okta", "AWS"];
        let app = apps[v % apps.len()];
        let payload = match name.split('.').next().unwrap_or("") {
            "session" if name == "session.ip_blocked" => json!({
                "blocked_ip": e.actor_ip.map(|i| self.data.ips[i as usize].to_string()),
                "failed_attempts": 5 + v % 20,
            }),
            "session" | "warp" => {
                let method = ["google", "password", "okta", "saml"][v % 4];
                if name.ends_with("failed") {
                    json!({ "login_method": method, "reason": (["bad_password", "mfa_failed", "locked"][v % 3]) })
                } else {
                    json!({ "login_method": method })
                }
            }
            "api_key" => json!({ "key_prefix": format!("ik_{:06x}", v) }),
            "account" => json!({ "app_name": app, "account_email": format!("user{}@example.com", v % 5000) }),
            "ticket" => json!({ "app_name": app, "requested_role": (["viewer", "editor", "admin"][v % 3]) }),
            "app" if name.starts_with("app.sync") => {
                json!({ "app_name": app, "records_synced": v % 4000, "error": name.ends_with("failed").then_some("upstream timeout") })
            }
            "app" => json!({ "app_name": app }),
            "task" => {
                json!({ "task_type": (["provision_account", "sync_groups", "revoke_access"][v % 3]), "attempt": 1 + v % 3 })
            }
            "user" => {
                json!({ "changed_fields": ([&["domain_type"][..], &["manager"], &["domain_type", "manager"]][v % 3]) })
            }
            _ => json!({}),
        };
        json!({
            "event_id": format_uuid(e.event_id),
            "event_type": name,
            "event_version": 1,
            "category": data::category(name),
            "severity": data::severity(name),
            "occurred_at": time(e.occurred_ms),
            "ingested_at": time(e.occurred_ms + i64::from(e.ingest_delay_ms)),
            "actor": {
                "type": ACTOR_TYPES[e.actor_type as usize],
                "uuid": actor_uuid,
                "ip": e.actor_ip.map(|i| self.data.ips[i as usize].to_string()),
                "user_agent": data::user_agent(e),
            },
            "subject": {
                "type": SUBJECT_TYPES[e.subject_type as usize],
                "uuid": (e.subject_type != 6).then(|| format_uuid(e.subject)),
            },
            "source": {
                "type": SOURCE_TYPES[e.source_type as usize],
                "uuid": matches!(e.source_type, 2 | 5).then(|| format_uuid(e.event_id.rotate_left(29))),
            },
            "payload": payload,
        })
    }

    /// One page and its cursors.
    fn page(&self, filter: &Filter, cursor: Option<(Direction, Position)>, limit: usize) -> Value {
        let Ok(events) = self.events.read() else {
            return json!({"next_cursor": null, "previous_cursor": null, "results": []});
        };
        let pos = |e: &Event| (e.occurred_ms, e.seq);
        // Events are stored oldest first; `split` is the index of the first event after the position.
        let (mut page, more_older): (Vec<&Event>, bool) = match cursor {
            None | Some((Direction::Older, _)) => {
                let end = cursor.map_or(events.len(), |(_, p)| events.partition_point(|e| pos(e) < p));
                let mut found = events[..end].iter().rev().filter(|e| self.matches(e, filter));
                let page: Vec<&Event> = found.by_ref().take(limit).collect();
                let more = found.next().is_some();
                (page, more)
            }
            Some((Direction::Newer, p)) => {
                let start = events.partition_point(|e| pos(e) <= p);
                let mut page: Vec<&Event> =
                    events[start..].iter().filter(|e| self.matches(e, filter)).take(limit).collect();
                page.reverse();
                (page, true)
            }
        };
        // A "newer" page with nothing older than it still has older events (the ones we came from).
        let more_older = more_older && !page.is_empty();
        let next_cursor = more_older.then(|| page.last().map(|e| encode_cursor(Direction::Older, pos(e)))).flatten();
        let top = match (page.first(), cursor) {
            (Some(first), _) => Some(pos(first)),
            (None, Some((_, p))) => Some(p),
            (None, None) => None,
        };
        let always = self.profiles.current().iden_first_page_previous_cursor;
        let newer_exists = |p: Position| {
            let start = events.partition_point(|e| pos(e) <= p);
            events[start..].iter().any(|e| self.matches(e, filter))
        };
        let previous_cursor = top.filter(|p| always || newer_exists(*p)).map(|p| encode_cursor(Direction::Newer, p));
        let results: Vec<Value> = page.drain(..).map(|e| self.render(e)).collect();
        json!({ "next_cursor": next_cursor, "previous_cursor": previous_cursor, "results": results })
    }
}

async fn list(
    State(sandbox): State<IdenSandbox>,
    Path(slug): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let key = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Api-Key "));
    let Some(key) = key.map(str::trim) else {
        return detail(StatusCode::UNAUTHORIZED, "Authentication credentials were not provided.");
    };
    if key != SANDBOX_KEY {
        return detail(StatusCode::FORBIDDEN, "Invalid API key.");
    }
    if let Err(wait) = sandbox.throttle(key) {
        let mut response = detail(
            StatusCode::TOO_MANY_REQUESTS,
            format!("Request was throttled. Expected available in {wait} seconds."),
        );
        let retry_after = match sandbox.profiles.current().iden_retry_after {
            RetryAfter::Seconds => wait.to_string(),
            // RFC 9110's IMF-fixdate names a whole second: the next one after the wait, so the
            // wait it gives is never shorter.
            RetryAfter::HttpDate => (Utc::now() + chrono::Duration::seconds(wait as i64 + 1))
                .format("%a, %d %b %Y %H:%M:%S GMT")
                .to_string(),
        };
        if let Ok(value) = HeaderValue::from_str(&retry_after) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return response;
    }
    if slug != ORG_SLUG {
        return detail(StatusCode::NOT_FOUND, "Not found.");
    }
    if let Some(unknown) = sandbox.profiles.current().refused(params.keys().map(String::as_str), &PARAMETERS) {
        return detail(StatusCode::UNPROCESSABLE_ENTITY, format!("Unknown query parameter {unknown:?}."));
    }
    let filter = match parse_filter(&params) {
        Ok(f) => f,
        Err((parameter, message)) => {
            return match sandbox.profiles.current().iden_bad_request {
                BadRequest::Detail => detail(StatusCode::BAD_REQUEST, message),
                BadRequest::FieldErrors => {
                    (StatusCode::BAD_REQUEST, Json(json!({ parameter: [message] }))).into_response()
                }
            };
        }
    };
    let cursor = match params.get("cursor").map(|c| c.trim()).filter(|c| !c.is_empty()) {
        None => None,
        Some(text) => match decode_cursor(text) {
            Some(c) => Some(c),
            None => return detail(StatusCode::NOT_FOUND, "Invalid cursor"),
        },
    };
    // Like the vendor's paginator: a missing or unreadable limit is the default, a larger one the max.
    let limit = params
        .get("limit")
        .and_then(|l| l.trim().parse::<usize>().ok())
        .filter(|l| *l > 0)
        .map_or(DEFAULT_LIMIT, |l| l.min(MAX_LIMIT));
    Json(sandbox.page(&filter, cursor, limit)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        for (d, p) in [(Direction::Older, (1_700_000_000_123, 42)), (Direction::Newer, (5, 0))] {
            assert_eq!(decode_cursor(&encode_cursor(d, p)), Some((d, p)));
        }
        assert_eq!(decode_cursor("not-a-cursor"), None);
        assert_eq!(decode_cursor(&B64.encode("p=1&s=x")), None);
    }

    #[test]
    fn severity_and_category_follow_the_document_tables() {
        assert_eq!(data::severity("session.ip_blocked"), "critical");
        assert_eq!(data::severity("account.deprovisioned"), "high");
        assert_eq!(data::severity("task.dispatch_blocked"), "medium");
        assert_eq!(data::severity("app.created"), "low");
        assert_eq!(data::severity("app.connected"), "info");
        assert_eq!(data::category("warp.login.failed"), "authentication");
        assert_eq!(data::category("ticket.denied"), "authorization");
        assert_eq!(data::category("user.identity_type.changed"), "user_lifecycle");
    }
}
