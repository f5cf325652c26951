//! URL ⇄ view state, as pure functions: every filter and page lives in the URL, so a pasted
//! link reopens the same view. No credential ever goes into a URL.

use std::net::IpAddr;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// Characters left as they are in a path segment (IPv6 colons stay readable).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'.').remove(b':').remove(b'-').remove(b'_').remove(b'~');

/// The IP search view: `/ip/{ip}?page={page}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpSearch {
    pub ip: IpAddr,
    pub page: u64,
}

impl IpSearch {
    pub fn href(&self) -> String {
        ip_search_href(&self.ip.to_string(), self.page)
    }

    pub fn with_page(self, page: u64) -> Self {
        IpSearch { page, ..self }
    }
}

pub fn ip_search_href(ip: &str, page: u64) -> String {
    let segment = utf8_percent_encode(ip, SEGMENT);
    if page <= 1 { format!("/ip/{segment}") } else { format!("/ip/{segment}?page={page}") }
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

/// The IP search view from its path parameter and query value.
pub fn ip_search_from_url(ip_param: &str, page_param: Option<&str>) -> Result<IpSearch, String> {
    Ok(IpSearch { ip: parse_ip(ip_param)?, page: parse_page(page_param)? })
}

/// Where the IP search form sends what was typed.
pub fn ip_form_target(text: &str) -> Result<String, String> {
    parse_ip(text).map(|ip| ip_search_href(&ip.to_string(), 1))
}

/// Where the home search box sends what was typed.
pub fn home_search_target(text: &str) -> Result<String, String> {
    match parse_ip(text) {
        Ok(ip) => Ok(ip_search_href(&ip.to_string(), 1)),
        Err(_) if text.trim().is_empty() => Err("Enter an IP address to search for.".into()),
        Err(_) => Err(format!("“{}” is not an IP address. Enter an IPv4 or IPv6 address.", text.trim())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_url_to_view_to_url() {
        for href in ["/ip/152.133.18.33", "/ip/152.133.18.33?page=2", "/ip/2001:db8::1?page=7"] {
            let (path, query) = href.split_once('?').unwrap_or((href, ""));
            let ip = path.strip_prefix("/ip/").unwrap();
            let page = query.strip_prefix("page=");
            let view = ip_search_from_url(ip, page).unwrap();
            assert_eq!(view.href(), href);
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
    fn home_search_routes_an_ip_to_ip_search() {
        assert_eq!(home_search_target(" 10.1.2.3 ").unwrap(), "/ip/10.1.2.3");
        assert!(home_search_target("someone").unwrap_err().contains("not an IP address"));
        assert_eq!(ip_form_target("[2001:db8::1]").unwrap(), "/ip/2001:db8::1");
        assert!(ip_form_target("300.1.1.1").unwrap_err().contains("not a valid"));
    }
}
