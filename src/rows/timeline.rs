//! The user timeline's grouping: newest first, by day (in the zone shown), then into sessions:
//! runs of events from the same IP with no gap longer than [`SESSION_GAP_MINUTES`].

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Offset, Utc};

use crate::model::AuditEvent;

/// Events closer than this, from one IP, belong to one session.
pub const SESSION_GAP_MINUTES: i64 = 10;

#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub ip: Option<String>,
    /// Newest first.
    pub events: Vec<AuditEvent>,
}

impl Session {
    /// Minutes from the first to the last event.
    pub fn span_minutes(&self) -> i64 {
        let times: Vec<DateTime<FixedOffset>> = self.events.iter().filter_map(|e| e.occurred.parsed).collect();
        match (times.iter().min(), times.iter().max()) {
            (Some(a), Some(b)) => (*b - *a).num_minutes(),
            _ => 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Day {
    /// None for events whose time could not be read.
    pub date: Option<NaiveDate>,
    pub count: usize,
    pub sessions: Vec<Session>,
}

/// Groups newest-first events. `offset_minutes` gives the zone's offset at an instant.
pub fn group(events: Vec<AuditEvent>, offset_minutes: impl Fn(DateTime<Utc>) -> i32) -> Vec<Day> {
    let mut days: Vec<Day> = Vec::new();
    let mut last_time: Option<DateTime<Utc>> = None;
    for e in events {
        let at = e.occurred.parsed.map(|t| t.to_utc());
        let date = at.map(|t| {
            let offset = FixedOffset::east_opt(offset_minutes(t) * 60).unwrap_or(Utc.fix());
            t.with_timezone(&offset).date_naive()
        });
        if days.last().is_none_or(|d| d.date != date) {
            days.push(Day { date, count: 0, sessions: Vec::new() });
            last_time = None;
        }
        let Some(day) = days.last_mut() else { continue };
        day.count += 1;
        let ip = e.actor.ip.clone();
        let close = match (last_time, at) {
            (Some(previous), Some(now)) => (previous - now).abs() <= Duration::minutes(SESSION_GAP_MINUTES),
            _ => false,
        };
        match day.sessions.last_mut() {
            Some(session) if close && session.ip == ip => session.events.push(e),
            _ => day.sessions.push(Session { ip, events: vec![e] }),
        }
        last_time = at;
    }
    days
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Actor, Context, EventFields, Flags, Severity, SeverityOrigin, Vendor};
    use crate::rows::format::shown_time;

    fn event(at: &str, ip: &str) -> AuditEvent {
        AuditEvent::new(EventFields {
            source: Vendor::Iden,
            connection: "c".into(),
            id: at.into(),
            id_derived: false,
            occurred: shown_time(Some(at)),
            recorded: shown_time(None),
            event_type: "t".into(),
            category: "c".into(),
            severity: Severity::Info,
            severity_origin: SeverityOrigin::Vendor,
            actor: Actor { ip: Some(ip.into()), ..Actor::default() },
            subject: None,
            context: Context::default(),
            flags: Flags::default(),
            raw: crate::model::RawRecord::default(),
        })
    }

    #[test]
    fn days_then_sessions_by_ip_and_gap() {
        let events = vec![
            event("2026-05-13T10:20:00Z", "1.1.1.1"),
            event("2026-05-13T10:15:00Z", "1.1.1.1"),
            event("2026-05-13T10:14:00Z", "2.2.2.2"),
            event("2026-05-13T09:00:00Z", "2.2.2.2"),
            event("2026-05-12T23:59:00Z", "2.2.2.2"),
        ];
        let days = group(events.clone(), |_| 0);
        assert_eq!(days.len(), 2);
        assert_eq!((days[0].count, days[0].sessions.len()), (4, 3), "IP change, then a 74-minute gap");
        assert_eq!(days[0].sessions[0].events.len(), 2);
        assert_eq!(days[0].sessions[0].span_minutes(), 5);
        assert_eq!(days[1].date, NaiveDate::from_ymd_opt(2026, 5, 12));
        // Two hours east, the last event falls on the 13th too.
        let east = group(events, |_| 120);
        assert_eq!(east.len(), 1);
        assert_eq!(east[0].count, 5);
    }
}
