//! Iden events for the sandbox: the document's whole catalog, actors and subjects drawn from the
//! shared people and IPs (an Iden user UUID is the person's UUID in dashed form).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::super::dataset::{Person, SEED, random_uuid};

/// The Event Type Catalog, in the document's order.
pub const EVENT_TYPES: [&str; 44] = [
    "session.login.succeeded",
    "session.login.failed",
    "session.logout",
    "session.ip_blocked",
    "session.expired",
    "warp.login.attempted",
    "warp.login.failed",
    "api_key.created",
    "api_key.revoked",
    "api_key.used",
    "account.provisioned",
    "account.deprovisioned",
    "account.activated",
    "account.suspended",
    "account.unsuspended",
    "account.group.added",
    "account.group.removed",
    "ticket.created",
    "ticket.approved",
    "ticket.denied",
    "app.created",
    "app.connected",
    "app.disconnected",
    "app.sync.started",
    "app.sync.completed",
    "app.sync.failed",
    "app.sync.paused",
    "app.connection_request.created",
    "task.created",
    "task.dispatched",
    "task.completed",
    "task.failed",
    "task.retried",
    "task.preempted",
    "task.cancelled",
    "task.dispatch_blocked",
    "user.created",
    "user.updated",
    "user.deactivated",
    "user.reactivated",
    "user.deleted",
    "user.identity_type.changed",
    // Two more the API may send that the catalog omits: kept so the app's "unknown type" path is
    // exercised (NOTES.md: unknown event types are kept, not rejected).
    "session.mfa.challenged",
    "app.permissions.changed",
];

pub const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];
pub const CATEGORIES: [&str; 5] = ["authentication", "authorization", "application", "task", "user_lifecycle"];

/// Severity Mapping table; everything not listed is info.
pub fn severity(event_type: &str) -> &'static str {
    match event_type {
        "session.ip_blocked" => "critical",
        "session.login.failed" | "task.failed" | "ticket.denied" | "user.deactivated" | "account.deprovisioned" => {
            "high"
        }
        "app.sync.failed" | "task.dispatch_blocked" => "medium",
        "session.login.succeeded" | "session.logout" | "task.completed" | "user.updated" | "app.created" => "low",
        _ => "info",
    }
}

/// Categories table: computed from the event type's prefix.
pub fn category(event_type: &str) -> &'static str {
    match event_type.split('.').next().unwrap_or("") {
        "session" | "warp" | "api_key" => "authentication",
        "account" | "ticket" => "authorization",
        "app" => "application",
        "task" => "task",
        "user" => "user_lifecycle",
        _ => "other",
    }
}

pub const ACTOR_TYPES: [&str; 4] = ["user", "system", "service", "iden_admin"];
pub const SUBJECT_TYPES: [&str; 7] = ["iden_user", "app_user", "app", "app_group", "task", "ticket", "system"];
pub const SOURCE_TYPES: [&str; 6] = ["user_action", "system", "sync", "schedule", "api", "task"];
pub const USER_AGENTS: [&str; 4] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "iden-cli/2.4.1 python-requests/2.32",
];

/// A user agent that is a spreadsheet formula: about one event in a hundred with a user agent
/// carries it, so exports show their CSV cells neutralised (values are rendered as text).
pub const FORMULA_USER_AGENT: &str = "=HYPERLINK(\"https://attacker.example/\",\"open\")";

/// The user agent an event reports.
pub fn user_agent(e: &Event) -> Option<&'static str> {
    e.user_agent.map(|u| if e.variant.is_multiple_of(101) { FORMULA_USER_AGENT } else { USER_AGENTS[u as usize] })
}

/// One Iden event, compact. `seq` orders events that share an instant and is unique.
#[derive(Debug, Clone, Copy)]
pub struct Event {
    pub seq: u64,
    pub event_id: u128,
    pub occurred_ms: i64,
    pub ingest_delay_ms: u16,
    pub kind: u8,
    pub actor_type: u8,
    /// The person acting (user / iden_admin actors); None for system and service actors.
    pub actor: Option<u32>,
    pub actor_ip: Option<u32>,
    pub user_agent: Option<u8>,
    pub subject_type: u8,
    pub subject: u128,
    pub source_type: u8,
    pub variant: u16,
}

/// 2025-06-01T00:00:00Z .. 2026-11-01T00:00:00Z.
const SPAN_START_MS: i64 = 1_748_736_000_000;
const SPAN_END_MS: i64 = 1_793_491_200_000;
const EVENT_COUNT: usize = 110_000;

/// Makes one event of type `kind` at `occurred_ms`: who acts and what it is about follow the
/// type (logins are a user acting on themselves from one of their IPs, syncs are the system
/// acting on an app, …).
pub fn make_event(
    rng: &mut impl Rng,
    people: &[Person],
    ip_count: usize,
    kind: u8,
    occurred_ms: i64,
    seq: u64,
) -> Event {
    let name = EVENT_TYPES[kind as usize];
    let person_index = rng.random_range(0..people.len());
    let person = &people[person_index];
    let prefix = name.split('.').next().unwrap_or("");
    let (actor_type, subject_type, source_type) = match prefix {
        "session" | "warp" => (0, 0, 0),
        "api_key" => (if rng.random_range(0..5) == 0 { 3 } else { 0 }, 0, 4),
        "account" => {
            if rng.random_range(0..3) == 0 {
                (1, 1, 2)
            } else {
                (0, if name.contains("group") { 3 } else { 1 }, 0)
            }
        }
        "ticket" => (0, 5, 0),
        "app" => (if name.contains("sync") { 1 } else { 0 }, 2, if name.contains("sync") { 3 } else { 0 }),
        // Scheduled housekeeping tasks act on the system itself, not on an entity.
        "task" if rng.random_range(0..6) == 0 => (1, 6, 3),
        "task" => (if rng.random_range(0..2) == 0 { 2 } else { 1 }, 4, 5),
        // Some lifecycle changes are automated (e.g. deactivation after an HR feed change).
        "user" if rng.random_range(0..6) == 0 => (1, 0, 1),
        "user" => (if rng.random_range(0..4) == 0 { 3 } else { 0 }, 0, 0),
        _ => (1, 6, 1),
    };
    let human = matches!(actor_type, 0 | 3);
    let subject = match subject_type {
        0 => {
            // About a user: themselves for sessions, often someone else for admin actions.
            let target = if prefix == "session" || prefix == "warp" || rng.random_range(0..2) == 0 {
                person
            } else {
                &people[rng.random_range(0..people.len())]
            };
            target.uuid_value()
        }
        6 => 0,
        _ => random_uuid(rng),
    };
    let has_ip = human && rng.random_range(0..20) != 0;
    Event {
        seq,
        event_id: random_uuid(rng),
        occurred_ms,
        ingest_delay_ms: rng.random_range(20..900),
        kind,
        actor_type,
        actor: human.then_some(person_index as u32),
        actor_ip: has_ip.then(|| {
            if rng.random_range(0..10) == 0 {
                rng.random_range(0..ip_count) as u32
            } else {
                person.home_ips[rng.random_range(0..person.home_ips.len())]
            }
        }),
        user_agent: has_ip.then(|| rng.random_range(0..USER_AGENTS.len()) as u8),
        subject_type,
        subject,
        source_type,
        variant: rng.random(),
    }
}

/// Relative frequencies: logins and tasks dominate, as in a real organisation.
fn pick_kind(rng: &mut impl Rng) -> u8 {
    let roll = rng.random_range(0..100);
    let pool: &[u8] = match roll {
        0..=39 => &[0, 0, 0, 1, 2, 4, 5],
        40..=64 => &[28, 29, 30, 30, 31, 32, 33, 34, 35],
        65..=79 => &[20, 21, 22, 23, 24, 24, 25, 26, 27],
        80..=89 => &[10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
        90..=96 => &[36, 37, 38, 39, 40, 41, 7, 8, 9, 9],
        _ => &[3, 6, 42, 43],
    };
    pool[rng.random_range(0..pool.len())]
}

/// The generated history, oldest first (the store appends live events after it).
pub fn generate(people: &[Person], ip_count: usize) -> Vec<Event> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED ^ 0x4944_454E); // "IDEN"
    let mut times: Vec<i64> = (0..EVENT_COUNT).map(|_| rng.random_range(SPAN_START_MS..SPAN_END_MS)).collect();
    // Bursts: a sync or a bulk task run writes many events in the same millisecond.
    for i in (0..EVENT_COUNT).step_by(997) {
        let at = times[i];
        for t in times.iter_mut().skip(i).take(12) {
            *t = at;
        }
    }
    times.sort_unstable();
    times
        .into_iter()
        .enumerate()
        .map(|(i, at)| {
            let kind = pick_kind(&mut rng);
            make_event(&mut rng, people, ip_count, kind, at, i as u64)
        })
        .collect()
}
