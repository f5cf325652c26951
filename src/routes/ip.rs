//! `/ip/{ip}?page=&sources=&cursor=&tz=`: ID.me search by IP (page numbers) beside Iden events
//! whose `actor_ip` is that address (cursors).

use std::net::IpAddr;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use super::query::{Href, Sources};
use super::row_filter::RowFilter;
use crate::model::Vendor;
use crate::rows::format::Zone;

/// Characters left as they are in a path segment (IPv6 colons stay readable).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'.').remove(b':').remove(b'-').remove(b'_').remove(b'~');

/// What the IP view shows when the URL names no sources.
pub const IP_DEFAULT_SOURCES: Sources = Sources::of(&[Vendor::Idme]);

/// The IP search view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpSearch {
    pub ip: IpAddr,
    /// ID.me's page number.
    pub page: u64,
    /// Iden's cursor (None: its newest page).
    pub cursor: Option<String>,
    pub sources: Sources,
    pub zone: Zone,
    /// Facet filters over the loaded rows.
    pub rows: RowFilter,
}

impl IpSearch {
    pub fn new(ip: IpAddr) -> Self {
        IpSearch { ip, page: 1, cursor: None, sources: IP_DEFAULT_SOURCES, zone: Zone::Utc, rows: RowFilter::default() }
    }

    pub fn href(&self) -> String {
        let segment = utf8_percent_encode(&self.ip.to_string(), SEGMENT).to_string();
        Href::new(format!("/ip/{segment}"))
            .param("page", (self.page > 1).then(|| self.page.to_string()))
            .param("sources", self.sources.query_value(IP_DEFAULT_SOURCES))
            .param("cursor", self.cursor.as_deref())
            .param("tz", self.zone.query_value())
            .row_filter(&self.rows)
            .build()
    }

    pub fn with_page(&self, page: u64) -> Self {
        IpSearch { page, ..self.clone() }
    }

    pub fn with_cursor(&self, cursor: Option<String>) -> Self {
        IpSearch { cursor, ..self.clone() }
    }

    pub fn with_source(&self, source: Vendor, on: bool) -> Self {
        IpSearch { sources: self.sources.with(source, on), ..self.clone() }
    }

    pub fn with_zone(&self, zone: Zone) -> Self {
        IpSearch { zone, ..self.clone() }
    }
}

/// Validates an IPv4 or IPv6 address typed by a person (surrounding spaces and IPv6 brackets
/// tolerated) or taken from the URL (percent-encoding tolerated).
pub fn parse_ip(text: &str) -> Result<IpAddr, String> {
    let decoded = percent_decode_str(text).decode_utf8_lossy();
    let trimmed = decoded.trim();
    let bare = trimmed.strip_prefix('[').and_then(|s| s.strip_suffix(']')).unwrap_or(trimmed);
    if bare.is_empty() {
        return Err("Enter an IP address.".into());
    }
    bare.parse::<IpAddr>().map_err(|_| format!("“{bare}” is not a valid IPv4 or IPv6 address."))
}

/// `page` from the query: absent means 1; anything but a whole number from 1 up is an error.
pub fn parse_page(value: Option<&str>) -> Result<u64, String> {
    match value.map(str::trim) {
        None | Some("") => Ok(1),
        Some(text) => match text.parse::<u64>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(format!("“{text}” is not a page number (pages start at 1).")),
        },
    }
}

/// The IP search view from its path parameter and query.
pub fn ip_search_from_url(ip_param: &str, get: impl Fn(&str) -> Option<String>) -> Result<IpSearch, String> {
    Ok(IpSearch {
        ip: parse_ip(ip_param)?,
        page: parse_page(get("page").as_deref())?,
        cursor: get("cursor").filter(|c| !c.is_empty()),
        sources: Sources::parse(get("sources").as_deref(), IP_DEFAULT_SOURCES)?,
        zone: Zone::parse(get("tz").as_deref()),
        rows: RowFilter::from_query(&get)?,
    })
}

/// Where the IP search form sends what was typed.
pub fn ip_form_target(text: &str) -> Result<String, String> {
    parse_ip(text).map(|ip| IpSearch::new(ip).href())
}

impl super::view::ViewState for IpSearch {
    const PATH_PARAM: Option<&'static str> = Some("ip");

    fn from_url(path: &str, get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        ip_search_from_url(path, get)
    }

    fn href(&self) -> String {
        IpSearch::href(self)
    }

    crate::zone_and_rows_fields!(IpSearch);

    fn searched(&self) -> Option<String> {
        Some(self.ip.to_string())
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    fn from_href(href: &str) -> Result<IpSearch, String> {
        let (path, get) = crate::routes::query::tests_support::from_href(href);
        ip_search_from_url(path.strip_prefix("/ip/").unwrap(), get)
    }

    #[test]
    fn round_trip_url_to_view_to_url() {
        for href in [
            "/ip/152.133.18.33",
            "/ip/152.133.18.33?page=2",
            "/ip/2001:db8::1?page=7&tz=local",
            "/ip/10.0.0.1?sources=idme,iden&cursor=cD0xJnM9Mg%3D%3D",
            "/ip/10.0.0.1?sources=iden",
        ] {
            assert_eq!(from_href(href).unwrap().href(), href);
        }
    }

    #[test]
    fn ipv4_and_ipv6_accepted_garbage_rejected() {
        assert!(parse_ip("152.133.18.33").is_ok());
        assert!(parse_ip(" 2001:db8::1 ").is_ok());
        assert!(parse_ip("[2001:db8::1]").is_ok());
        assert!(parse_ip("2001%3Adb8%3A%3A1").is_ok());
        for bad in ["", "300.1.1.1", "1.2.3", "01.2.3.4", "abc", "1.2.3.4/24", "<script>"] {
            assert!(parse_ip(bad).is_err(), "{bad}");
        }
        assert!(from_href("/ip/10.0.0.1?sources=okta").is_err());
    }

    #[test]
    fn page_must_be_a_whole_number_from_one() {
        assert_eq!(parse_page(None), Ok(1));
        assert_eq!(parse_page(Some("3")), Ok(3));
        for bad in ["0", "-1", "two", "1.5", "99999999999999999999999"] {
            assert!(parse_page(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_ip_form_validates_before_navigating() {
        assert_eq!(ip_form_target("[2001:db8::1]").unwrap(), "/ip/2001:db8::1");
        assert!(ip_form_target("300.1.1.1").unwrap_err().contains("not a valid"));
    }
}
