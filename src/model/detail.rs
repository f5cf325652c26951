//! What the detail panel says about one event: every normalized field with its label, and the
//! data-quality flags explained in words.

use crate::rows::format::Zone;

use super::{AuditEvent, Flags, SeverityOrigin};

/// Each raised flag: its short name and what it means (NOTES.md's data-quality flags).
/// `searched` is the IP an IP search looked for, when there was one.
pub fn flag_explanations(flags: &Flags, searched: Option<&str>) -> Vec<(&'static str, String)> {
    let mut marks = Vec::new();
    if flags.mismatch {
        let searched = searched.map(|ip| format!(" {ip}")).unwrap_or_default();
        marks.push(("mismatch", format!("ipaddress differs from the searched IP{searched}")));
    }
    if flags.order {
        marks.push(("order", "newer than the row above: the page is not newest-first as documented".to_string()));
    }
    if flags.clock {
        marks.push(("clock", "the record time is inconsistent with the event time".to_string()));
    }
    if !flags.contract.is_empty() {
        marks.push(("contract", format!("missing required field: {}", flags.contract.join(", "))));
    }
    if flags.duplicate {
        marks.push(("duplicate", "this id was already seen on an earlier page".to_string()));
    }
    marks
}

/// What the detail says of an ID.me audit-log record's id.
pub const NO_VENDOR_ID: &str = "none: the ID.me audit log gives no event id";

/// The normalized fields, labelled, in reading order; fields the event lacks are left out.
pub fn fields(e: &AuditEvent, zone: Zone) -> Vec<(&'static str, String)> {
    // ID.me's audit log gives no id: the row's key is Auditdeck's own and is never shown as
    // the vendor's id (the Events API cannot know it).
    let (id, row_key) = if e.id_derived {
        (NO_VENDOR_ID.to_string(), Some(format!("{} (made by Auditdeck from the record's fields)", e.id)))
    } else {
        (e.id.clone(), None)
    };
    let severity = match e.severity_origin {
        SeverityOrigin::Vendor => e.severity.as_str().to_string(),
        SeverityOrigin::Derived => format!("{} (derived by Auditdeck from the type)", e.severity.as_str()),
    };
    let time = |t: &crate::rows::format::ShownTime| {
        if t.raw.is_empty() { String::new() } else { format!("{} (as sent: {})", t.in_zone(zone), t.raw) }
    };
    let application = e
        .context
        .application
        .clone()
        .map(|a| if e.context.application_decoded { format!("{a} (decoded from base64)") } else { a });
    let subject = e.subject.as_ref();
    let all = [
        ("Id", Some(id)),
        ("Row key", row_key),
        ("Source", Some(e.source.label().to_string())),
        ("Connection", Some(e.connection.to_string())),
        ("Occurred", Some(time(&e.occurred))),
        ("Recorded", Some(time(&e.recorded))),
        ("Event type", Some(e.event_type.clone())),
        ("Category", Some(e.category.to_string())),
        ("Severity", Some(severity)),
        ("Actor kind", e.actor.kind.clone()),
        ("Actor UUID", e.actor.uuid.clone()),
        ("IP address", e.actor.ip.clone()),
        ("Browser / client", e.actor.client.clone()),
        ("Subject kind", subject.and_then(|s| s.kind.clone())),
        ("Subject UUID", subject.and_then(|s| s.uuid.clone())),
        ("Application", application),
        ("Workspace", e.context.workspace.clone()),
        ("Conversation", e.context.conversation.clone()),
    ];
    all.into_iter().filter_map(|(label, value)| value.filter(|v| !v.is_empty()).map(|v| (label, v))).collect()
}

/// The record as the vendor sent it, indented.
pub fn pretty_raw(e: &AuditEvent) -> String {
    serde_json::to_string_pretty(&e.raw.value()).unwrap_or_else(|_| e.raw.text().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::from_idme;

    #[test]
    fn every_field_labelled_and_flags_in_words() {
        let raw = serde_json::json!({"event":"session.signin","ipaddress":"1.2.3.4",
            "application":"MS4yLjMuNFNTT2UgU0FNTCBDb25zdW1lciAoU1FBKQ==\n","browser":"Chrome",
            "tracked_at":"2019-08-26T20:03:59.650-04:00","updated_at":"2019-08-26T16:03:59.650-04:00"});
        let mut e = from_idme(&raw, "sandbox").unwrap();
        let shown = fields(&e, Zone::Utc);
        let get = |label: &str| shown.iter().find(|(l, _)| *l == label).map(|(_, v)| v.as_str());
        assert_eq!(get("Id"), Some("none: the ID.me audit log gives no event id"));
        assert!(get("Row key").unwrap().starts_with("idme-") && get("Row key").unwrap().contains("made by Auditdeck"));
        assert_eq!(get("Occurred"), Some("2019-08-27 00:03:59.650 +00:00 (as sent: 2019-08-26T20:03:59.650-04:00)"));
        assert_eq!(get("Severity"), Some("low (derived by Auditdeck from the type)"));
        assert_eq!(get("Application"), Some("1.2.3.4SSOe SAML Consumer (SQA) (decoded from base64)"));
        assert_eq!(get("Actor UUID"), None, "absent fields are left out");
        e.flags_mut().mismatch = true;
        let flags = flag_explanations(&e.flags, Some("9.9.9.9"));
        assert_eq!(flags.iter().map(|(n, _)| *n).collect::<Vec<_>>(), ["mismatch", "clock"]);
        assert_eq!(flags[0].1, "ipaddress differs from the searched IP 9.9.9.9");
        assert!(pretty_raw(&e).contains("\n  \"event\": \"session.signin\""));
    }
}
