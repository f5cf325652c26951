//! The pieces every view's URL is made of: a query builder, and parsers for the values views
//! share (UUIDs, instants, lists, source sets).

use crate::providers::Vendor;
use chrono::{DateTime, NaiveDateTime, Utc};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Characters a query value keeps as they are: commas and colons stay readable in lists and times.
const QUERY_VALUE: &AsciiSet =
    &NON_ALPHANUMERIC.remove(b'.').remove(b'-').remove(b'_').remove(b'~').remove(b',').remove(b':');

/// Builds `path?k=v&…`, leaving out absent and empty values.
#[derive(Debug, Clone)]
pub struct Href {
    path: String,
    pairs: Vec<String>,
}

impl Href {
    pub fn new(path: impl Into<String>) -> Self {
        Href { path: path.into(), pairs: Vec::new() }
    }

    /// A URL's path and query pairs, without the parameters in `dropping` (to set them anew).
    pub fn keeping<'a>(path: &str, pairs: impl IntoIterator<Item = (&'a str, &'a str)>, dropping: &[&str]) -> Self {
        pairs
            .into_iter()
            .filter(|(key, _)| !dropping.contains(key))
            .fold(Href::new(path), |href, (key, value)| href.param(key, Some(value)))
    }

    pub fn param(mut self, key: &str, value: Option<impl AsRef<str>>) -> Self {
        if let Some(v) = value {
            let v = v.as_ref();
            if !v.is_empty() {
                self.pairs.push(format!("{key}={}", utf8_percent_encode(v, QUERY_VALUE)));
            }
        }
        self
    }

    /// The facet filters over the loaded rows (`only`, `not`).
    pub fn row_filter(self, filter: &super::row_filter::RowFilter) -> Self {
        super::row_filter::PARAMS.iter().fold(self, |href, key| href.param(key, filter.query_value(key)))
    }

    pub fn build(self) -> String {
        if self.pairs.is_empty() { self.path } else { format!("{}?{}", self.path, self.pairs.join("&")) }
    }
}

/// A UUID as the views carry it: read once from what was typed or linked (32 hex digits, with
/// or without the 8-4-4-4-12 dashes, any case), held dashed and lower-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uuid(String);

impl Uuid {
    pub fn parse(text: &str) -> Result<Uuid, String> {
        let trimmed = text.trim();
        let hex: String = trimmed.chars().filter(|c| *c != '-').collect();
        let dashes_ok = match trimmed.len() {
            32 => !trimmed.contains('-'),
            36 => [8, 13, 18, 23].iter().all(|&i| trimmed.as_bytes()[i] == b'-') && trimmed.matches('-').count() == 4,
            _ => false,
        };
        if hex.len() != 32 || !dashes_ok || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "“{}” is not a UUID: use 32 hex digits, with or without dashes (8-4-4-4-12).",
                crate::providers::excerpt(trimmed, 60)
            ));
        }
        let h = hex.to_ascii_lowercase();
        Ok(Uuid(format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])))
    }

    /// The dashed form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 32-hex form (ID.me's documents write user UUIDs that way).
    pub fn hex(&self) -> String {
        self.0.chars().filter(|c| *c != '-').collect()
    }
}

impl std::fmt::Display for Uuid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An optional UUID filter from the URL or a form.
pub fn optional_uuid(value: Option<&str>, what: &str) -> Result<Option<Uuid>, String> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => Uuid::parse(v).map(Some).map_err(|e| format!("{what}: {e}")),
    }
}

/// A time from the URL or a `datetime-local` field, held as RFC 3339 in UTC to the second; a
/// message naming the parameter when it is not one.
pub fn instant_field(name: &str, value: Option<String>) -> Result<Option<String>, String> {
    match value.map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => parse_instant(&v)
            .map(|t| Some(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)))
            .map_err(|message| format!("{name}: {message}")),
    }
}

/// An instant from the URL (RFC 3339) or a `datetime-local` input (taken as UTC).
pub fn parse_instant(text: &str) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
    if let Ok(parsed) = DateTime::parse_from_rfc3339(t) {
        return Ok(parsed.to_utc());
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(t, format) {
            return Ok(naive.and_utc());
        }
    }
    Err(format!("“{}” is not a date and time (e.g. 2026-05-13T10:00:00Z).", crate::providers::excerpt(t, 40)))
}

pub fn optional_instant(value: Option<&str>, what: &str) -> Result<Option<DateTime<Utc>>, String> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => parse_instant(v).map(Some).map_err(|e| format!("{what}: {e}")),
    }
}

/// The URL form of an instant: RFC 3339 in UTC, seconds unless there are milliseconds.
pub fn instant_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// A `datetime-local` input's value for an instant (shown in UTC, as the form says).
pub fn input_text(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%dT%H:%M:%S").to_string()).unwrap_or_default()
}

/// A comma-separated list; empty items dropped.
pub fn list(value: Option<&str>) -> Vec<String> {
    value.unwrap_or("").split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
}

/// Which vendors a view includes (`sources=idme,iden,standfast`): a set of [`Vendor`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sources(u8);

impl Sources {
    pub const ALL: Sources = Sources::of(&Vendor::ALL);
    pub const NONE: Sources = Sources(0);

    pub const fn of(vendors: &[Vendor]) -> Sources {
        let mut bits = 0;
        let mut i = 0;
        while i < vendors.len() {
            bits |= Sources::bit(vendors[i]);
            i += 1;
        }
        Sources(bits)
    }

    const fn bit(vendor: Vendor) -> u8 {
        1 << vendor as u8
    }

    pub fn only(vendor: Vendor) -> Sources {
        Sources::of(&[vendor])
    }

    pub fn has(self, vendor: Vendor) -> bool {
        self.0 & Sources::bit(vendor) != 0
    }

    pub fn with(self, vendor: Vendor, on: bool) -> Sources {
        if on { Sources(self.0 | Sources::bit(vendor)) } else { Sources(self.0 & !Sources::bit(vendor)) }
    }

    /// The sources included, in `Vendor::SOURCES`' order.
    pub fn vendors(self) -> impl Iterator<Item = Vendor> {
        Vendor::SOURCES.into_iter().filter(move |v| self.has(*v))
    }

    /// Absent means `default`; unknown names are an error so a mistyped link is not silently narrowed.
    pub fn parse(value: Option<&str>, default: Sources) -> Result<Sources, String> {
        let Some(value) = value.filter(|v| !v.trim().is_empty()) else { return Ok(default) };
        let mut sources = Sources::NONE;
        if value.trim() == "none" {
            return Ok(sources);
        }
        for name in list(Some(value)) {
            match Vendor::source_from_key(&name) {
                Some(vendor) => sources = sources.with(vendor, true),
                None => {
                    let name = name.to_ascii_lowercase();
                    return Err(format!("“{name}” is not a source (idme, standfast, iden, signals)."));
                }
            }
        }
        Ok(sources)
    }

    /// The query value; None when it is `default`.
    pub fn query_value(self, default: Sources) -> Option<String> {
        if self == default {
            return None;
        }
        let names: Vec<&str> = self.vendors().map(Vendor::key).collect();
        Some(if names.is_empty() { "none".into() } else { names.join(",") })
    }
}

/// A whole number in `min..=max` from the URL; absent means `default`.
pub fn bounded(value: Option<&str>, what: &str, min: u32, max: u32, default: u32) -> Result<u32, String> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => match v.parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(format!(
                "{what} must be a whole number from {min} to {max}, not “{}”.",
                crate::providers::excerpt(v, 20)
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Vendor;

    #[test]
    fn href_leaves_out_empty_values_and_encodes_the_rest() {
        let href = Href::new("/severity")
            .param("severity", Some("high,critical"))
            .param("type", None::<&str>)
            .param("actor_ip", Some(""))
            .param("from", Some("2026-05-13T10:00:00Z"))
            .param("q", Some("a&b=c d"))
            .build();
        assert_eq!(href, "/severity?severity=high,critical&from=2026-05-13T10:00:00Z&q=a%26b%3Dc%20d");
        assert_eq!(Href::new("/x").build(), "/x");
    }

    #[test]
    fn uuids_dashed_or_plain_are_normalised_and_others_rejected() {
        let dashed = "ac28b80d-7ac1-4b0d-b51b-5bef6281f3c2";
        assert_eq!(Uuid::parse("AC28B80D7AC14B0DB51B5BEF6281F3C2").unwrap().as_str(), dashed);
        assert_eq!(Uuid::parse(&format!(" {dashed} ")).unwrap().to_string(), dashed);
        assert_eq!(Uuid::parse(dashed).unwrap().hex(), "ac28b80d7ac14b0db51b5bef6281f3c2");
        for bad in
            ["", "ac28b80d", "ac28b80d-7ac14b0d-b51b-5bef6281f3c2", "zc28b80d7ac14b0db51b5bef6281f3c2", "<script>"]
        {
            assert!(Uuid::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn instants_from_urls_and_forms() {
        assert_eq!(instant_text(parse_instant("2026-05-13T12:00:00+02:00").unwrap()), "2026-05-13T10:00:00Z");
        assert_eq!(instant_text(parse_instant("2026-05-13T10:00").unwrap()), "2026-05-13T10:00:00Z");
        assert_eq!(input_text(Some(parse_instant("2026-05-13T10:00:00.5Z").unwrap())), "2026-05-13T10:00:00");
        assert!(parse_instant("yesterday").is_err());
    }

    #[test]
    fn sources_round_trip_and_reject_unknown_names() {
        let default = Sources::only(Vendor::Idme);
        assert_eq!(Sources::parse(None, default), Ok(default));
        let both = Sources::parse(Some("idme,iden"), default).unwrap();
        assert!(both.has(Vendor::Idme) && both.has(Vendor::Iden) && !both.has(Vendor::Standfast));
        assert_eq!(both.query_value(default).as_deref(), Some("idme,iden"));
        assert_eq!(default.query_value(default), None);
        assert_eq!(Sources::parse(Some("none"), default), Ok(Sources::NONE));
        assert_eq!(Sources::NONE.query_value(default).as_deref(), Some("none"));
        assert!(Sources::parse(Some("okta"), default).unwrap_err().contains("okta"));
    }

    #[test]
    fn bounded_numbers() {
        assert_eq!(bounded(None, "limit", 1, 500, 100), Ok(100));
        assert_eq!(bounded(Some("500"), "limit", 1, 500, 100), Ok(500));
        assert!(bounded(Some("501"), "limit", 1, 500, 100).is_err());
        assert!(bounded(Some("0"), "limit", 1, 500, 100).is_err());
    }
}

/// Splits a test href into its path and a query getter, as the router would.
#[cfg(test)]
pub(crate) mod tests_support {
    pub fn from_href(href: &str) -> (String, impl Fn(&str) -> Option<String> + use<>) {
        let (path, query) = href.split_once('?').unwrap_or((href, ""));
        let pairs: Vec<(String, String)> = query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), percent_encoding::percent_decode_str(v).decode_utf8_lossy().into_owned()))
            .collect();
        (path.to_string(), move |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()))
    }
}
