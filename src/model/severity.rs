//! Severity and category for sources that send none: NOTES.md's table, as code, in one place.
//! Iden sends its own (the document's tables); ID.me and Standfast get these, marked "derived".

use super::Severity;

/// NOTES.md "Auditdeck's own severity", ID.me column.
pub fn idme_severity(event_type: &str) -> Severity {
    match event_type {
        "status.suspension.applied" | "status.revocation.applied" | "status.purge.applied" | "session.suspended" => {
            Severity::Critical
        }
        "status.lockout.applied"
        | "session.lockout.applied"
        | "account.lockout.delivery"
        | "2fa.recovery.failure"
        | "account.password.failure"
        | "2fa.revoke"
        | "consent.revoke" => Severity::High,
        "session.failed"
        | "session.limited"
        | "session.revoked"
        | "status.revocation.requested"
        | "consent.deny"
        | "federation.remove"
        | "email.remove" => Severity::Medium,
        t if t.starts_with("2fa.recovery.") || t.starts_with("account.password.") => Severity::Medium,
        "session.signin"
        | "session.signout"
        | "session.signup"
        | "2fa.complete"
        | "verification.complete"
        | "consent.allow"
        | "session.lockout.expired" => Severity::Low,
        t if t.starts_with("status.") && t.ends_with(".removed") => Severity::Low,
        _ => Severity::Info,
    }
}

/// NOTES.md's four categories for ID.me (`idme-events-overview.txt` names none).
pub fn idme_category(event_type: &str) -> &'static str {
    let t = event_type;
    let security = t.starts_with("status.")
        || t.starts_with("session.lockout.")
        || t == "session.suspended"
        || t == "session.revoked"
        || t.starts_with("account.lockout.")
        || t.starts_with("2fa.recovery.")
        || t == "2fa.revoke";
    if security {
        "security"
    } else if t.starts_with("session.") || t.starts_with("2fa.") {
        "authentication"
    } else if t.starts_with("account.") || t.starts_with("email.") || t.starts_with("federation.") {
        "account"
    } else if ["verification.", "consent.", "transaction.", "appointment."].iter().any(|p| t.starts_with(p)) {
        "identity"
    } else {
        "other"
    }
}

/// NOTES.md "Auditdeck's own severity", Standfast column.
pub fn standfast_severity(event_type: &str, risk_weight: Option<f64>) -> Severity {
    match event_type {
        "identity_locked_per_24h" => Severity::Critical,
        "identity_locked_per_call" | "ani_blocked" | "verification_agent_context_used" => Severity::High,
        "risk_signal_raised" if risk_weight.is_some_and(|w| w >= 0.7) => Severity::High,
        "factor_failed" | "kbv_question_failed" | "verification_not_configured" | "risk_signal_raised" => {
            Severity::Medium
        }
        "factor_added" | "kbv_question_passed" | "assurance_level_reached" | "scope_set" | "risk_signal_resolved" => {
            Severity::Low
        }
        _ => Severity::Info, // kbv_question_asked, and types the document does not list
    }
}

/// Standfast events are all steps of caller identity verification; NOTES.md gives no finer
/// split, so they share one category.
pub const STANDFAST_CATEGORY: &str = "verification";

/// README "Security signals": a pushed security signal's severity from its event type URI (RISC and
/// CAEP; the whole URI or its last segment). A transmitter sends none.
pub fn signal_severity(event_type: &str) -> Severity {
    let name = event_type.rsplit('/').next().unwrap_or(event_type);
    match name {
        "account-purged" | "credential-compromise" => Severity::Critical,
        "account-disabled"
        | "account-credential-change-required"
        | "recovery-activated"
        | "identifier-recycled"
        | "sessions-revoked"
        | "session-revoked" => Severity::High,
        "recovery-information-changed"
        | "identifier-changed"
        | "credential-change"
        | "assurance-level-change"
        | "device-compliance-change" => Severity::Medium,
        "account-enabled" | "token-claims-change" => Severity::Low,
        _ => Severity::Info,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idme_table_rows() {
        use Severity::*;
        for (t, s) in [
            ("status.purge.applied", Critical),
            ("session.suspended", Critical),
            ("2fa.revoke", High),
            ("account.password.failure", High),
            ("2fa.recovery.delivery", Medium),
            ("account.password.change", Medium),
            ("email.remove", Medium),
            ("status.lockout.removed", Low),
            ("session.lockout.expired", Low),
            ("2fa.initiate", Info),
            ("appointment.view", Info),
        ] {
            assert_eq!(idme_severity(t), s, "{t}");
        }
    }

    #[test]
    fn idme_categories() {
        for (t, c) in [
            ("status.lockout.applied", "security"),
            ("session.lockout.expired", "security"),
            ("session.revoked", "security"),
            ("2fa.recovery.failure", "security"),
            ("session.signin", "authentication"),
            ("2fa.complete", "authentication"),
            ("account.password.change", "account"),
            ("federation.connect", "account"),
            ("consent.allow", "identity"),
            ("transaction.complete", "identity"),
        ] {
            assert_eq!(idme_category(t), c, "{t}");
        }
    }

    #[test]
    fn standfast_table_rows_including_risk_weight() {
        use Severity::*;
        assert_eq!(standfast_severity("identity_locked_per_24h", None), Critical);
        assert_eq!(standfast_severity("risk_signal_raised", Some(0.7)), High);
        assert_eq!(standfast_severity("risk_signal_raised", Some(0.69)), Medium);
        assert_eq!(standfast_severity("risk_signal_raised", None), Medium);
        assert_eq!(standfast_severity("scope_set", None), Low);
        assert_eq!(standfast_severity("kbv_question_asked", None), Info);
        assert_eq!(standfast_severity("something_new", None), Info);
    }

    #[test]
    fn signal_severities_follow_notes() {
        let risc = "https://schemas.openid.net/secevent/risc/event-type/";
        assert_eq!(signal_severity(&format!("{risc}account-purged")), Severity::Critical);
        assert_eq!(signal_severity(&format!("{risc}credential-compromise")), Severity::Critical);
        assert_eq!(signal_severity(&format!("{risc}account-disabled")), Severity::High);
        assert_eq!(
            signal_severity("https://schemas.openid.net/secevent/caep/event-type/session-revoked"),
            Severity::High
        );
        assert_eq!(signal_severity(&format!("{risc}recovery-information-changed")), Severity::Medium);
        assert_eq!(signal_severity("account-enabled"), Severity::Low);
        assert_eq!(signal_severity("urn:example:something-else"), Severity::Info);
    }
}
