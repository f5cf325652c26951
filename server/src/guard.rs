//! What every request must pass before any route sees it, with or without sign-in:
//! - its Host is one the gateway serves (the public URL, the bind address, `localhost`), or it
//!   gets 421: a page on another site that re-points its own name at this address (DNS
//!   rebinding) is refused;
//! - a proxied or state-changing request that a browser says comes from another site gets 403:
//!   a page elsewhere cannot post a form to the gateway and spend its vendor credentials.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::access_log::{AccessLog, Entry, Kind};

/// The hosts the gateway answers to, and where its refusals are written down.
#[derive(Clone)]
pub struct Guard {
    log: Option<Arc<AccessLog>>,
    names: Vec<String>,
    addresses: Vec<IpAddr>,
    /// Bound to every address (0.0.0.0 or ::): any IP literal reaches it. Rebinding needs a
    /// name, so an address typed as digits is never an attacker's.
    any_address: bool,
}

impl Guard {
    pub fn new(bind: IpAddr, public_url: Option<&url::Url>, log: Option<Arc<AccessLog>>) -> Self {
        let mut names = vec!["localhost".to_string()];
        let mut addresses = Vec::new();
        match public_url.and_then(|u| u.host()) {
            Some(url::Host::Domain(name)) => names.push(name.to_ascii_lowercase()),
            Some(url::Host::Ipv4(ip)) => addresses.push(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => addresses.push(IpAddr::V6(ip)),
            None => {}
        }
        addresses.push(bind);
        Guard { log, names, addresses, any_address: bind.is_unspecified() }
    }

    /// True when `host` (a Host header: name or address, maybe a port) is one the gateway serves.
    pub fn serves(&self, host: &str) -> bool {
        let Some(name) = host_name(host) else { return false };
        match name.parse::<IpAddr>() {
            Ok(ip) => self.any_address || self.addresses.contains(&ip),
            Err(_) => self.names.contains(&name),
        }
    }
}

/// The name or address in a Host value, lower case, without port, brackets or a final dot.
fn host_name(host: &str) -> Option<String> {
    let authority: axum::http::uri::Authority = host.parse().ok()?;
    if !authority.as_str().eq_ignore_ascii_case(host) || host.contains('@') {
        return None;
    }
    let name = authority.host().trim_start_matches('[').trim_end_matches(']');
    Some(name.trim_end_matches('.').to_ascii_lowercase())
}

/// The request's Host: the header (HTTP/1.1) or the URI's authority (HTTP/2).
fn request_host(request: &Request) -> Option<String> {
    match request.headers().get(header::HOST) {
        Some(value) => value.to_str().ok().map(str::to_string),
        None => request.uri().authority().map(|a| a.as_str().to_string()),
    }
}

/// True when a browser says the request comes from a page on another site: `Sec-Fetch-Site`
/// other than `same-origin` or `none` (typed or bookmarked; `same-site` is refused too, since a
/// sibling subdomain may be someone else's), or an `Origin` other than this very host. A form
/// posted by one of our own pages carries `Origin: null` (our Referrer-Policy is `no-referrer`)
/// with `Sec-Fetch-Site: same-origin`: that is ours; `null` with nothing else is not.
pub fn cross_site(headers: &HeaderMap, host: &str) -> bool {
    let site = headers.get("sec-fetch-site").map(|s| s.to_str().unwrap_or(""));
    if site.is_some_and(|s| !matches!(s, "same-origin" | "none")) {
        return true;
    }
    match headers.get(header::ORIGIN).map(|o| o.to_str()) {
        None => false,
        Some(Err(_)) => true,
        Some(Ok("null")) => site != Some("same-origin"),
        Some(Ok(origin)) => match url::Url::parse(origin) {
            Ok(url) if url.origin().is_tuple() => {
                let authority = match (url.host_str(), url.port()) {
                    (Some(h), Some(p)) => format!("{h}:{p}"),
                    (Some(h), None) => h.to_string(),
                    (None, _) => return true,
                };
                !authority.eq_ignore_ascii_case(host)
            }
            _ => true,
        },
    }
}

impl Guard {
    /// Refuses the request, and writes the refusal down (no one is known yet at this point).
    fn refuse(&self, request: &Request, status: StatusCode, why: &str, message: String) -> Response {
        if let Some(log) = &self.log {
            let mut entry = Entry::now(Kind::Denied, None);
            entry.method = request.method().to_string();
            entry.path = request.uri().path().to_string();
            entry.query = request.uri().query().unwrap_or_default().to_string();
            entry.status = status.as_u16();
            entry.detail = why.to_string();
            log.record(entry);
        }
        (status, [(header::CACHE_CONTROL, "no-store")], message).into_response()
    }
}

pub async fn check(State(guard): State<Arc<Guard>>, request: Request, next: Next) -> Response {
    let Some(host) = request_host(&request) else {
        return guard.refuse(&request, StatusCode::BAD_REQUEST, "no Host", "The request names no Host.".into());
    };
    if !guard.serves(&host) {
        return guard.refuse(
            &request,
            StatusCode::MISDIRECTED_REQUEST,
            &format!("Host {host:?} is not one this gateway serves"),
            format!("This gateway does not serve {host:?}. Open it at its own address (its public_url, or localhost)."),
        );
    }
    let proxied = request.uri().path().starts_with("/upstream/");
    let changes_state = !request.method().is_safe();
    if (proxied || changes_state) && cross_site(request.headers(), &host) {
        let origin = request.headers().get(header::ORIGIN).and_then(|o| o.to_str().ok()).unwrap_or("").to_string();
        return guard.refuse(
            &request,
            StatusCode::FORBIDDEN,
            &format!("cross-site request (Origin {origin:?})"),
            "Refused: this request came from a page on another site. Open Auditdeck itself to use its connections."
                .into(),
        );
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (k, v) in pairs {
            headers.insert(*k, v.parse().unwrap());
        }
        headers
    }

    #[test]
    fn hosts_the_gateway_serves() {
        let loopback = Guard::new("127.0.0.1".parse().unwrap(), None, None);
        for ok in ["127.0.0.1:8080", "127.0.0.1", "localhost:8080", "LOCALHOST", "localhost.:8080"] {
            assert!(loopback.serves(ok), "{ok}");
        }
        for refused in ["evil.example:8080", "127.0.0.2:8080", "[::1]:8080", "user@127.0.0.1", "", "a b"] {
            assert!(!loopback.serves(refused), "{refused}");
        }
        let public = url::Url::parse("https://Auditdeck.Example.org").unwrap();
        let team = Guard::new("0.0.0.0".parse().unwrap(), Some(&public), None);
        for ok in ["auditdeck.example.org", "auditdeck.example.org:443", "10.1.2.3:8080", "[::1]:8080"] {
            assert!(team.serves(ok), "{ok}");
        }
        assert!(!team.serves("rebind.attacker.example"));
    }

    #[test]
    fn cross_site_requests_are_told_apart() {
        let host = "127.0.0.1:8080";
        assert!(!cross_site(&h(&[]), host), "a client that is not a browser");
        assert!(!cross_site(&h(&[("sec-fetch-site", "same-origin"), ("origin", "http://127.0.0.1:8080")]), host));
        assert!(!cross_site(&h(&[("sec-fetch-site", "none")]), host));
        assert!(!cross_site(&h(&[("sec-fetch-site", "same-origin"), ("origin", "null")]), host), "our own form");
        assert!(cross_site(&h(&[("sec-fetch-site", "cross-site"), ("origin", "http://127.0.0.1:8080")]), host));
        assert!(cross_site(&h(&[("sec-fetch-site", "same-origin"), ("origin", "https://evil.example")]), host));
        assert!(cross_site(&h(&[("sec-fetch-site", "cross-site")]), host));
        assert!(cross_site(&h(&[("sec-fetch-site", "same-site")]), host));
        assert!(cross_site(&h(&[("origin", "https://evil.example")]), host));
        assert!(cross_site(&h(&[("origin", "http://127.0.0.1:9999")]), host));
        assert!(cross_site(&h(&[("origin", "null")]), host));
        assert!(!cross_site(&h(&[("origin", "https://auditdeck.example.org")]), "auditdeck.example.org"));
    }
}
