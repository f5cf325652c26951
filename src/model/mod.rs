//! One event model for every source: what every view renders. Conversions from each vendor's
//! wire type are pure functions (below); page-level data-quality checks (order, IP mismatch,
//! duplicates) run over a page of converted events.

pub mod detail;
pub mod interned;
pub mod raw_record;
pub mod severity;
pub mod signal;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::providers::{iden, idme, standfast};
use crate::rows::format::{ShownTime, shown_time};
pub use interned::interned;
pub use raw_record::RawRecord;

/// Which vendor an event came from.
pub use crate::providers::Vendor;

/// Iden's severity levels, which the other sources' events are given by NOTES.md's table.
pub use crate::providers::iden::Severity;

/// Whether the vendor sent the severity or Auditdeck derived it (NOTES.md's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeverityOrigin {
    Vendor,
    Derived,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Actor {
    /// user / system / service / iden_admin (Iden); None where the source does not say.
    pub kind: Option<String>,
    pub uuid: Option<String>,
    pub ip: Option<String>,
    /// A user agent (Iden) or a browser description (ID.me: "Chrome 76 on Windows").
    pub client: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Subject {
    pub kind: Option<String>,
    pub uuid: Option<String>,
}

/// Where the event happened: an application (ID.me), a workspace and conversation (Standfast).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Context {
    pub application: Option<String>,
    /// The application was base64 in the record and is shown decoded.
    pub application_decoded: bool,
    pub workspace: Option<String>,
    pub conversation: Option<String>,
}

/// NOTES.md's data-quality flags.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Flags {
    /// Standfast: the required fields its type's contract names that are missing.
    pub contract: Vec<&'static str>,
    /// updated_at before tracked_at, or createdAt far from occurredAt.
    pub clock: bool,
    /// Newer than the row before it on a page documented as newest first.
    pub order: bool,
    /// An IP search row whose ipaddress is not the searched IP.
    pub mismatch: bool,
    /// The same id seen twice while paging.
    pub duplicate: bool,
}

impl Flags {
    pub fn any(&self) -> bool {
        !self.contract.is_empty() || self.clock || self.order || self.mismatch || self.duplicate
    }
}

/// One audit event. Rows are copied between the view's page, the appended pages, the row
/// filters, the facets and the exports, so a copy shares the record instead of duplicating it:
/// with 100,000 rows loaded, a copy of them all is 100,000 pointers. The fields are fixed once
/// made, except the data-quality flags; changing a copy's flags gives it its own record.
#[derive(Debug, Clone)]
pub struct AuditEvent(Arc<Record>);

#[derive(Debug, Clone)]
struct Record {
    fields: EventFields,
    /// See [`AuditEvent::found_by`].
    found_by: Box<str>,
}

impl AuditEvent {
    pub fn new(fields: EventFields) -> Self {
        let found_by = found_by(&fields);
        AuditEvent(Arc::new(Record { fields, found_by }))
    }

    /// The same record (not merely equal fields).
    pub fn same(&self, other: &AuditEvent) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// The data-quality flags, which page-level checks set after the event is made.
    pub fn flags_mut(&mut self) -> &mut Flags {
        &mut Arc::make_mut(&mut self.0).fields.flags
    }

    /// What a text search finds the event by: its shown fields in lower case, each ended by a
    /// NUL (no needle holds one, so none matches across two fields). Made once with the event:
    /// lower-casing every field of 100,000 rows at each search is what made filtering slow.
    pub fn found_by(&self) -> &str {
        &self.0.found_by
    }
}

/// The fields a text search looks in (see [`AuditEvent::found_by`]), beside the severity and
/// the source, which are compared as they are (short, fixed words).
fn found_by(e: &EventFields) -> Box<str> {
    // The subject, when it is the actor, once.
    let subject = e.subject.as_ref().and_then(|s| s.uuid.as_ref()).filter(|s| Some(*s) != e.actor.uuid.as_ref());
    let fields = [
        Some(&e.event_type),
        Some(&e.id),
        e.actor.ip.as_ref(),
        e.actor.uuid.as_ref(),
        e.actor.client.as_ref(),
        subject,
        e.context.application.as_ref(),
        e.context.workspace.as_ref(),
    ];
    let mut text = String::new();
    let occurred = e.occurred.text();
    for field in fields.into_iter().flatten().map(String::as_str).chain([occurred.as_str()]) {
        text.push_str(&search_case(field));
        text.push('\0');
    }
    text.into_boxed_str()
}

/// Text as a search compares it: lower case, NULs (the field separator) as U+FFFD.
pub fn search_case(text: &str) -> String {
    text.to_lowercase().replace('\0', "\u{FFFD}")
}

impl std::ops::Deref for AuditEvent {
    type Target = EventFields;
    fn deref(&self) -> &EventFields {
        &self.0.fields
    }
}

impl PartialEq for AuditEvent {
    fn eq(&self, other: &Self) -> bool {
        self.same(other) || self.0.fields == other.0.fields
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EventFields {
    pub source: Vendor,
    /// The connection (from `/config.json` or custom) the event came through.
    pub connection: Arc<str>,
    /// The vendor's id, or for ID.me audit records (which carry none) a derived one.
    pub id: String,
    pub id_derived: bool,
    pub occurred: ShownTime,
    /// When the vendor recorded it: updated_at (ID.me), createdAt (Standfast), ingested_at (Iden).
    pub recorded: ShownTime,
    pub event_type: String,
    pub category: Arc<str>,
    pub severity: Severity,
    pub severity_origin: SeverityOrigin,
    pub actor: Actor,
    pub subject: Option<Subject>,
    pub context: Context,
    pub flags: Flags,
    /// The record as the vendor sent it, for the detail view and the exports.
    pub raw: RawRecord,
}

/// NOTES.md: ID.me audit records carry no id; this one is stable across reloads and pages.
pub fn idme_derived_id(event: &idme::WireEvent) -> String {
    let mut hash = Sha256::new();
    for part in [&event.event, &event.ipaddress, &event.application, &event.tracked_at] {
        hash.update(part.as_deref().unwrap_or("").as_bytes());
        hash.update([0u8]);
    }
    let digest = hash.finalize();
    format!("idme-{}", crate::rows::format::hex(&digest[..12]))
}

/// How far createdAt may be from occurredAt before the clock flag is raised.
const CLOCK_TOLERANCE_MS: i64 = 60_000;

pub fn from_idme(raw: &Value, connection: &str) -> Option<AuditEvent> {
    let wire = idme::read_event(raw)?;
    if says_neither_what_nor_when(&wire.event, &wire.tracked_at) {
        return None;
    }
    let occurred = shown_time(wire.tracked_at.as_deref());
    let recorded = shown_time(wire.updated_at.as_deref());
    let event_type = wire.event.clone().unwrap_or_default();
    let application = wire.application.as_deref().map(idme::decode_application);
    // The Events API's records may carry the id; the audit-logging ones never do.
    let vendor_id = raw.get("id").and_then(Value::as_str).filter(|id| !id.is_empty()).map(String::from);
    Some(AuditEvent::new(EventFields {
        source: Vendor::Idme,
        connection: interned(connection),
        id_derived: vendor_id.is_none(),
        id: vendor_id.unwrap_or_else(|| idme_derived_id(&wire)),
        flags: Flags {
            clock: matches!((occurred.parsed, recorded.parsed), (Some(t), Some(u)) if u < t),
            ..Flags::default()
        },
        occurred,
        recorded,
        category: interned(severity::idme_category(&event_type)),
        severity: severity::idme_severity(&event_type),
        severity_origin: SeverityOrigin::Derived,
        event_type,
        actor: Actor {
            kind: None,
            uuid: None,
            ip: wire.ipaddress.clone(),
            client: wire.browser.as_ref().map(idme::WireBrowser::display),
        },
        subject: None,
        context: Context {
            application: application.as_ref().map(|a| a.text.clone()),
            application_decoded: application.is_some_and(|a| a.decoded_from_base64),
            ..Context::default()
        },
        raw: RawRecord::of(raw),
    }))
}

pub fn from_standfast(raw: &Value, connection: &str, workspace: &str) -> Option<AuditEvent> {
    let wire = standfast::read_event(raw)?;
    let occurred = shown_time(wire.occurred_at.as_deref());
    let recorded = shown_time(wire.created_at.as_deref());
    let event_type = wire.event_type.clone().unwrap_or_default();
    let clock = matches!((occurred.parsed, recorded.parsed),
        (Some(o), Some(c)) if (c - o).num_milliseconds().abs() > CLOCK_TOLERANCE_MS);
    Some(AuditEvent::new(EventFields {
        source: Vendor::Standfast,
        connection: interned(connection),
        id: wire.id.clone().unwrap_or_default(),
        id_derived: false,
        occurred,
        recorded,
        category: interned(severity::STANDFAST_CATEGORY),
        severity: severity::standfast_severity(&event_type, wire.risk_signal_weight),
        severity_origin: SeverityOrigin::Derived,
        flags: Flags { contract: wire.missing_required(), clock, ..Flags::default() },
        event_type,
        actor: Actor::default(),
        subject: wire
            .factor_bound_to_principal
            .clone()
            .map(|uuid| Subject { kind: Some("contact".into()), uuid: Some(uuid) }),
        context: Context {
            workspace: Some(workspace.to_string()),
            conversation: wire.conversation_id.clone(),
            ..Context::default()
        },
        raw: RawRecord::of(raw),
    }))
}

pub fn from_iden(raw: &Value, connection: &str) -> Option<AuditEvent> {
    let wire = iden::read_event(raw)?;
    if says_neither_what_nor_when(&wire.event_type, &wire.occurred_at) {
        return None;
    }
    let event_type = wire.event_type.clone().unwrap_or_default();
    let actor = wire.actor.clone().unwrap_or_default();
    Some(AuditEvent::new(EventFields {
        source: Vendor::Iden,
        connection: interned(connection),
        id: wire.event_id.clone().unwrap_or_default(),
        id_derived: false,
        occurred: shown_time(wire.occurred_at.as_deref()),
        recorded: shown_time(wire.ingested_at.as_deref()),
        category: interned(wire.category.as_deref().unwrap_or_default()),
        // An unknown severity word is kept as info rather than dropped; the raw JSON shows it.
        severity: wire.severity.as_deref().and_then(Severity::parse).unwrap_or(Severity::Info),
        severity_origin: SeverityOrigin::Vendor,
        event_type,
        actor: Actor { kind: actor.kind, uuid: actor.uuid, ip: actor.ip, client: actor.user_agent },
        subject: wire.subject.map(|s| Subject { kind: s.kind, uuid: s.uuid }),
        context: Context::default(),
        flags: Flags::default(),
        raw: RawRecord::of(raw),
    }))
}

/// A record that says neither what happened nor when is not an audit event: it is counted as
/// unreadable rather than shown as a blank row.
fn says_neither_what_nor_when(what: &Option<String>, when: &Option<String>) -> bool {
    what.is_none() && when.is_none()
}

/// Converts a page of raw records; records that cannot be read at all are counted, not shown.
pub fn convert_page(raws: &[Value], convert: impl Fn(&Value) -> Option<AuditEvent>) -> (Vec<AuditEvent>, usize) {
    let mut events = Vec::with_capacity(raws.len());
    let mut unreadable = 0;
    for raw in raws {
        match convert(raw) {
            Some(e) => events.push(e),
            None => unreadable += 1,
        }
    }
    (events, unreadable)
}

/// `order`: a row newer than the one before it on a page documented as newest first.
pub fn flag_order(events: &mut [AuditEvent]) {
    let mut previous = None;
    for e in events.iter_mut() {
        if let Some(t) = e.occurred.parsed {
            e.flags_mut().order = previous.is_some_and(|p| t > p);
            previous = Some(t);
        }
    }
}

/// `mismatch`: an IP search row whose IP is not the searched one.
pub fn flag_ip_mismatch(events: &mut [AuditEvent], searched: IpAddr) {
    for e in events.iter_mut() {
        e.flags_mut().mismatch = match e.actor.ip.as_deref().map(str::trim) {
            None | Some("") => false,
            Some(ip) => ip.parse::<IpAddr>() != Ok(searched),
        };
    }
}

/// `duplicate`: an id first shown on another page of the same walk. `first_seen` maps ids to
/// the page they were first shown on, so revisiting a page does not flag its own rows.
pub fn flag_repeats(events: &mut [AuditEvent], first_seen: &mut HashMap<String, String>, page: &str) {
    for e in events.iter_mut().filter(|e| !e.id.is_empty()) {
        let first = first_seen.entry(e.id.clone()).or_insert_with(|| page.to_string());
        e.flags_mut().duplicate = first != page;
    }
}

/// Each event with a unique key for keyed rendering: its id, and for an id repeated on the same
/// page (possible for derived ID.me ids) the id with its repeat number.
pub fn keyed(events: Vec<AuditEvent>) -> Vec<(String, AuditEvent)> {
    let mut seen = std::collections::HashMap::<String, usize>::new();
    events
        .into_iter()
        .map(|e| {
            let base = format!("{}:{}", e.source.label(), e.id);
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            let key = if *n == 1 { base } else { format!("{base}#{n}") };
            (key, e)
        })
        .collect()
}

/// Merges events of several sources into one newest-first list (events without a readable
/// time last, in their original order).
pub fn newest_first(mut events: Vec<AuditEvent>) -> Vec<AuditEvent> {
    events.sort_by(|a, b| match (a.occurred.parsed, b.occurred.parsed) {
        (Some(x), Some(y)) => y.cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Value {
        let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn idme_sample_converts_with_derived_severity_category_and_id() {
        let page = fixture("idme_search_by_ip_1.json");
        let e = from_idme(&page["events"][0], "idme-sandbox").unwrap();
        assert_eq!(e.source, Vendor::Idme);
        assert_eq!(e.event_type, "session.signin");
        assert_eq!((e.severity, e.severity_origin), (Severity::Low, SeverityOrigin::Derived));
        assert_eq!(&*e.category, "authentication");
        assert_eq!(e.context.application.as_deref(), Some("152.133.18.33SSOe SAML Consumer (SQA)"));
        assert!(e.context.application_decoded);
        assert_eq!(e.actor.client.as_deref(), Some("Chrome 76 on Generic Linux"));
        assert_eq!(e.occurred.text(), "2019-08-27 00:03:59.650 +00:00");
        assert!(e.id.starts_with("idme-") && e.id_derived);
        assert_eq!(e.id, from_idme(&page["events"][0], "other").unwrap().id, "stable");
        assert_eq!(e.raw.value(), page["events"][0]);
    }

    #[test]
    fn idme_record_with_neither_event_nor_time_is_unreadable() {
        let blank = serde_json::json!({"event": null, "ipaddress": null, "application": null, "browser": null,
            "tracked_at": null, "updated_at": null});
        assert!(from_idme(&blank, "c").is_none());
        let timeless = serde_json::json!({"event": "session.signin"});
        assert!(from_idme(&timeless, "c").is_some(), "a missing time alone is flagged, not dropped");
    }

    #[test]
    fn iden_record_with_neither_type_nor_time_is_unreadable() {
        let blank = serde_json::json!({"event_id": null, "event_type": null, "occurred_at": null,
            "severity": null, "actor": {"id": null, "ip": null}});
        assert!(from_iden(&blank, "c").is_none());
        let timeless = serde_json::json!({"event_id": "e1", "event_type": "session.login.failed"});
        assert!(from_iden(&timeless, "c").is_some(), "a missing time alone is shown, not dropped");
    }

    #[test]
    fn idme_page_flags_clock_order_and_mismatch() {
        let page = fixture("idme_search_by_ip_3.json");
        let (mut events, unreadable) = convert_page(page["events"].as_array().unwrap(), |r| from_idme(r, "c"));
        assert_eq!(unreadable, 0);
        flag_order(&mut events);
        flag_ip_mismatch(&mut events, "104.57.85.214".parse().unwrap());
        assert!(events.iter().all(|e| e.flags.mismatch));
        assert_eq!(events.iter().map(|e| e.flags.order).collect::<Vec<_>>(), [false, false, false, true]);
        let user2 = fixture("idme_search_by_user_2.json");
        let (events, _) = convert_page(user2["events"].as_array().unwrap(), |r| from_idme(r, "c"));
        assert!(events.iter().all(|e| e.flags.clock));
    }

    #[test]
    fn standfast_sample_and_a_contract_breaker() {
        let page = fixture("standfast_identity_events.json");
        let e = from_standfast(&page["events"][0], "standfast-sandbox", "ws").unwrap();
        assert_eq!(e.id, "<uuid>");
        assert_eq!((e.severity, e.severity_origin), (Severity::Low, SeverityOrigin::Derived));
        assert_eq!(e.subject.as_ref().unwrap().uuid.as_deref(), Some("<contact-uuid>"));
        assert!(!e.flags.any());
        let breaker = serde_json::json!({"id":"x","eventType":"risk_signal_raised","riskSignalWeight":0.9,
            "occurredAt":"2026-05-13T10:14:32Z","createdAt":"2026-05-13T12:14:32Z"});
        let e = from_standfast(&breaker, "c", "ws").unwrap();
        assert_eq!(e.flags.contract, vec!["riskSignalName"]);
        assert!(e.flags.clock, "createdAt two hours after occurredAt");
        assert_eq!(e.severity, Severity::High);
    }

    #[test]
    fn iden_sample_keeps_vendor_severity_and_parties() {
        let page = fixture("iden_events.json");
        let e = from_iden(&page["results"][0], "iden-sandbox").unwrap();
        assert_eq!((e.severity, e.severity_origin), (Severity::Low, SeverityOrigin::Vendor));
        assert_eq!(&*e.category, "authentication");
        assert_eq!(e.actor.ip.as_deref(), Some("203.0.113.42"));
        assert_eq!(e.subject.as_ref().unwrap().kind.as_deref(), Some("iden_user"));
        assert_eq!(e.recorded.text(), "2026-04-08 14:30:00.123 +00:00");
    }

    #[test]
    fn unreadable_records_are_counted_and_repeats_flagged() {
        let record = |id: &str| serde_json::json!({"event_id": id, "event_type": "session.login.succeeded"});
        let raws = vec![record("a"), serde_json::json!(5), record("b")];
        let (mut page1, unreadable) = convert_page(&raws, |r| from_iden(r, "c"));
        assert_eq!((page1.len(), unreadable), (2, 1));
        let mut first_seen = HashMap::new();
        flag_repeats(&mut page1, &mut first_seen, "p1");
        let (mut page2, _) = convert_page(&[record("b"), record("c")], |r| from_iden(r, "c"));
        flag_repeats(&mut page2, &mut first_seen, "p2");
        assert_eq!(page2.iter().map(|e| e.flags.duplicate).collect::<Vec<_>>(), [true, false]);
        flag_repeats(&mut page1, &mut first_seen, "p1");
        assert!(page1.iter().all(|e| !e.flags.duplicate), "going back to page 1 flags nothing");
    }

    #[test]
    fn keys_are_unique_and_merging_sorts_newest_first() {
        let idme = fixture("idme_search_by_ip_1.json");
        let e = from_idme(&idme["events"][0], "c").unwrap();
        let keys: Vec<String> = keyed(vec![e.clone(), e.clone()]).into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys[1], format!("{}#2", keys[0]));
        let iden = fixture("iden_events.json");
        let i = from_iden(&iden["results"][0], "c").unwrap();
        let merged = newest_first(vec![e.clone(), i.clone()]);
        assert_eq!(merged[0].source, Vendor::Iden, "2026 before 2019");
    }
}
