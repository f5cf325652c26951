//! Display formatting shared by the views: times in the zone the URL asks for, counts.

use chrono::{DateTime, Datelike, FixedOffset, Offset, Timelike, Utc};

/// The zone times are shown in (`tz` in every view's URL). UTC is the default so that a link
/// pasted into a ticket shows the same text to everyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Zone {
    #[default]
    Utc,
    /// The browser's zone, with the offset in force at each instant.
    Local,
}

impl Zone {
    pub fn parse(value: Option<&str>) -> Zone {
        match value.map(str::trim) {
            Some(v) if v.eq_ignore_ascii_case("local") => Zone::Local,
            _ => Zone::Utc,
        }
    }

    /// The query value; None for the default.
    pub fn query_value(self) -> Option<&'static str> {
        match self {
            Zone::Utc => None,
            Zone::Local => Some("local"),
        }
    }
}

/// A time as the vendor sent it: the raw text, and the instant when it parses. (Its text is
/// made when shown: 100,000 events would otherwise keep two more strings each.)
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ShownTime {
    pub raw: String,
    pub parsed: Option<DateTime<FixedOffset>>,
}

impl ShownTime {
    /// In UTC: `2019-08-27 00:03:59.650 +00:00`, or the raw text when it does not parse.
    pub fn text(&self) -> String {
        self.in_zone(Zone::Utc)
    }

    /// The text in `zone`, always with its offset.
    pub fn in_zone(&self, zone: Zone) -> String {
        match (self.parsed, zone) {
            (Some(t), Zone::Local) => time_text(t, local_offset_minutes(t.to_utc())),
            (Some(t), Zone::Utc) => time_text(t, 0),
            (None, _) => self.raw.clone(),
        }
    }
}

/// `2019-08-27 00:03:59.650 +00:00` for an instant shown at `offset_minutes` east of UTC.
pub fn time_text(t: DateTime<FixedOffset>, offset_minutes: i32) -> String {
    // An offset out of range (never from a browser) falls back to UTC.
    let offset = FixedOffset::east_opt(offset_minutes * 60).unwrap_or(Utc.fix());
    // Written by hand: chrono's `format` reads its pattern again for every time, and a table
    // writes two times a row.
    let t = t.with_timezone(&offset);
    let east = offset.local_minus_utc() / 60;
    let sign = if east < 0 { '-' } else { '+' };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03} {sign}{:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.nanosecond() / 1_000_000 % 1_000,
        east.abs() / 60,
        east.abs() % 60
    )
}

/// The browser's offset at an instant (minutes east of UTC); 0 outside a browser.
pub fn local_offset_minutes(t: DateTime<Utc>) -> i32 {
    #[cfg(target_arch = "wasm32")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(t.timestamp_millis() as f64));
        -(date.get_timezone_offset() as i32)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = t;
        0
    }
}

pub fn shown_time(raw: Option<&str>) -> ShownTime {
    let raw = raw.unwrap_or("").to_string();
    let parsed = DateTime::parse_from_rfc3339(raw.trim()).ok();
    ShownTime { raw, parsed }
}

/// Milliseconds since the epoch as a UTC time to the millisecond (gateway records).
pub fn utc_millis_text(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S%.3f UTC").to_string())
        .unwrap_or_default()
}

/// Bytes as lower-case hex (digests, ids made from them).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
    fn times_are_shown_in_utc_or_an_offset_with_the_offset() {
        let t = shown_time(Some("2019-08-26T20:03:59.650-04:00"));
        assert_eq!(t.text(), "2019-08-27 00:03:59.650 +00:00");
        assert_eq!(time_text(t.parsed.unwrap(), -240), "2019-08-26 20:03:59.650 -04:00");
        assert_eq!(time_text(t.parsed.unwrap(), 330), "2019-08-27 05:33:59.650 +05:30");
        assert_eq!(time_text(t.parsed.unwrap(), -570), "2019-08-26 14:33:59.650 -09:30");
        assert_eq!(Zone::parse(Some("local")), Zone::Local);
        assert_eq!(Zone::parse(Some("mars")), Zone::Utc);
        assert_eq!(shown_time(Some("2026-05-13T10:14:32Z")).text(), "2026-05-13 10:14:32.000 +00:00");
        let odd = shown_time(Some("yesterday"));
        assert_eq!(odd.text(), "yesterday");
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
