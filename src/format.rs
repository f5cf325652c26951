//! Display formatting shared by the views: times as the vendor sent them, counts.

use chrono::{DateTime, FixedOffset};

/// A time as the vendor sent it, shown readably with its own offset.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
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
mod tests {
    use super::*;

    #[test]
    fn times_keep_their_offset() {
        assert_eq!(shown_time(Some("2019-08-26T20:03:59.650-04:00")).text, "2019-08-26 20:03:59.650 -04:00");
        assert_eq!(shown_time(Some("2026-05-13T10:14:32Z")).text, "2026-05-13 10:14:32.000 +00:00");
        let odd = shown_time(Some("yesterday"));
        assert_eq!(odd.text, "yesterday");
        assert!(odd.parsed.is_none());
    }

    #[test]
    fn groups_by_three() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(29_823), "29,823");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
