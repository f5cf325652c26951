//! ID.me records turned into table rows: readable times with their offsets, decoded
//! applications, browsers as text, and NOTES.md's data-quality flags. Pure.

use std::net::IpAddr;

use chrono::{DateTime, FixedOffset};

use crate::providers::idme::{WireEvent, decode_application};

/// A time as the vendor sent it, shown readably with its own offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownTime {
    /// `2019-08-26 20:03:59.650 -04:00`, or the raw text when it does not parse.
    pub text: String,
    pub raw: String,
    pub parsed: Option<DateTime<FixedOffset>>,
}

pub fn shown_time(raw: Option<&str>) -> ShownTime {
    let raw = raw.unwrap_or("").to_string();
    let parsed = DateTime::parse_from_rfc3339(raw.trim()).ok();
    let text = match parsed {
        Some(t) => t.format("%Y-%m-%d %H:%M:%S%.3f %:z").to_string(),
        None => raw.clone(),
    };
    ShownTime { text, raw, parsed }
}

/// NOTES.md "Data-quality flags": shown on the row, never hidden or "fixed".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flags {
    /// `updated_at` earlier than `tracked_at`.
    pub clock: bool,
    /// Newer than the row above it on a page documented as newest first.
    pub order: bool,
    /// `ipaddress` is not the searched IP.
    pub mismatch: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub event_type: String,
    pub ip: String,
    pub application: String,
    pub application_decoded: bool,
    pub application_raw: String,
    pub browser: String,
    pub tracked_at: ShownTime,
    pub updated_at: ShownTime,
    pub flags: Flags,
}

/// Rows for a page of an IP search, flags computed against the searched IP and page order.
pub fn ip_search_rows(events: &[WireEvent], searched: IpAddr) -> Vec<Row> {
    let mut previous: Option<DateTime<FixedOffset>> = None;
    events
        .iter()
        .map(|e| {
            let tracked_at = shown_time(e.tracked_at.as_deref());
            let updated_at = shown_time(e.updated_at.as_deref());
            let application = decode_application(e.application.as_deref().unwrap_or(""));
            let ip = e.ipaddress.clone().unwrap_or_default();
            let flags = Flags {
                clock: matches!((tracked_at.parsed, updated_at.parsed), (Some(t), Some(u)) if u < t),
                order: matches!((previous, tracked_at.parsed), (Some(p), Some(t)) if t > p),
                mismatch: ip.trim().parse::<IpAddr>().map_or(!ip.is_empty(), |parsed| parsed != searched),
            };
            if tracked_at.parsed.is_some() {
                previous = tracked_at.parsed;
            }
            Row {
                event_type: e.event.clone().unwrap_or_default(),
                ip,
                application: application.text,
                application_decoded: application.decoded_from_base64,
                application_raw: application.raw,
                browser: e.browser.as_ref().map(|b| b.display()).unwrap_or_default(),
                tracked_at,
                updated_at,
                flags,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::HttpResponse;
    use crate::providers::idme::parse_search;

    fn fixture_rows(name: &str, searched: &str) -> Vec<Row> {
        let body = std::fs::read_to_string(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let page = parse_search(&HttpResponse::new(200, body)).unwrap();
        ip_search_rows(&page.events, searched.parse().unwrap())
    }

    #[test]
    fn times_keep_their_offset() {
        assert_eq!(shown_time(Some("2019-08-26T20:03:59.650-04:00")).text, "2019-08-26 20:03:59.650 -04:00");
        let odd = shown_time(Some("yesterday"));
        assert_eq!(odd.text, "yesterday");
        assert!(odd.parsed.is_none());
    }

    #[test]
    fn sample_3_is_flagged_for_other_ips_and_order() {
        // Searched 104.57.85.214; every row reports another IP; row 4 is newer than row 3.
        let rows = fixture_rows("idme_search_by_ip_3.json", "104.57.85.214");
        assert!(rows.iter().all(|r| r.flags.mismatch));
        assert_eq!(rows.iter().map(|r| r.flags.order).collect::<Vec<_>>(), [false, false, false, true]);
    }

    #[test]
    fn user_sample_2_is_flagged_for_the_clock() {
        let rows = fixture_rows("idme_search_by_user_2.json", "152.130.15.18");
        assert!(rows.iter().all(|r| r.flags.clock));
    }

    #[test]
    fn sample_1_shows_the_decoded_application_and_a_clean_row() {
        let rows = fixture_rows("idme_search_by_ip_1.json", "152.133.18.33");
        assert_eq!(rows[0].application, "152.133.18.33SSOe SAML Consumer (SQA)");
        assert!(rows[0].application_decoded);
        assert_eq!(rows[0].flags, Flags::default());
        assert_eq!(rows[0].browser, "Chrome 76 on Generic Linux");
    }
}

/// `29823` → `29,823`: counts people read at a glance.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod thousands_tests {
    #[test]
    fn groups_by_three() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(29_823), "29,823");
        assert_eq!(super::thousands(1_234_567), "1,234,567");
    }
}
