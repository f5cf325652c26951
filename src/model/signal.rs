//! A pushed security signal as an [`AuditEvent`], so the timeline and the severity view list it
//! beside the vendors' events: its `jti` is the id, the event time is when it occurred and the
//! received time when it was recorded, the event type is the URI's last segment (the claims keep
//! the whole URI), the severity is README's table ("derived"), and the subject is the person its
//! subject identifier names by UUID.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::severity::signal_severity;
use super::{Actor, AuditEvent, Context, EventFields, Flags, RawRecord, SeverityOrigin, Subject, Vendor, interned};
use crate::providers::signals::{WireSignal, person_of, short_type};
use crate::rows::format::shown_time;

/// Every signal's category.
pub const SIGNAL_CATEGORY: &str = "security signal";

fn rfc3339(ms: i64) -> Option<String> {
    DateTime::<Utc>::from_timestamp_millis(ms).map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// None for a record that is not a signal as the gateway writes them.
pub fn from_signal(raw: &Value) -> Option<AuditEvent> {
    let signal = WireSignal::deserialize(raw).ok()?;
    let first = signal.event_types.first()?;
    let severity = signal.event_types.iter().map(|t| signal_severity(t)).min().unwrap_or(super::Severity::Info);
    let person = signal.subjects.iter().find_map(person_of);
    Some(AuditEvent::new(EventFields {
        source: Vendor::Signals,
        connection: interned(&signal.receiver),
        id: signal.jti.clone(),
        id_derived: false,
        occurred: shown_time(rfc3339(signal.event_at_ms).as_deref()),
        recorded: shown_time(rfc3339(signal.received_at_ms).as_deref()),
        event_type: short_type(first).to_string(),
        category: interned(SIGNAL_CATEGORY),
        severity,
        severity_origin: SeverityOrigin::Derived,
        actor: Actor::default(),
        subject: person.map(|uuid| Subject { kind: Some("user".into()), uuid: Some(uuid) }),
        context: Context { application: Some(signal.issuer.clone()), ..Context::default() },
        flags: Flags::default(),
        raw: RawRecord::of(&signal.claims),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Severity;

    #[test]
    fn a_signal_reads_as_an_event_about_its_person() {
        let raw = serde_json::json!({
            "id": 7, "receiver": "idme", "issuer": "https://ssf.id.me", "jti": "j-1",
            "event_types": ["https://schemas.openid.net/secevent/risc/event-type/account-purged"],
            "subjects": [{"format": "iss_sub", "iss": "https://api.id.me", "sub": "0b7ac1e23d4f4a5b8c6d7e8f90a1b2c3"}],
            "event_at_ms": 1_764_547_200_000i64, "received_at_ms": 1_764_547_201_500i64, "event_id": null,
            "claims": {"jti": "j-1"}
        });
        let event = from_signal(&raw).unwrap();
        assert_eq!(event.source, Vendor::Signals);
        assert_eq!(event.id, "j-1");
        assert_eq!(event.event_type, "account-purged");
        assert_eq!(event.severity, Severity::Critical);
        assert_eq!(event.occurred.raw, "2025-12-01T00:00:00.000Z");
        assert_eq!(event.recorded.raw, "2025-12-01T00:00:01.500Z");
        assert_eq!(event.subject.as_ref().and_then(|s| s.uuid.as_deref()), Some("0b7ac1e23d4f4a5b8c6d7e8f90a1b2c3"));
        assert_eq!(event.context.application.as_deref(), Some("https://ssf.id.me"));
        assert!(from_signal(&serde_json::json!({"id": "not a signal"})).is_none());
    }
}
