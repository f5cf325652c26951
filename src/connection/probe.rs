//! "Test connection": one small, harmless request per provider, answered with what a person
//! needs to know (it worked, and what the vendor said; or the vendor's error).

use crate::connection::config::Vendor;
use crate::connection::settings::ResolvedConnection;
use crate::net::http::{FetchFailure, send};
use crate::providers::{ApiError, iden, idme, signals, standfast};

/// A documentation address (RFC 5737): harmless to search for anywhere.
const TEST_IP: &str = "192.0.2.1";

/// Ok(what the vendor answered) or the error; None when the request was aborted.
pub async fn run(provider: Vendor, c: &ResolvedConnection) -> Option<Result<String, ApiError>> {
    let auth = c.authorization.as_deref();
    let request = match provider {
        Vendor::Idme => idme::search_by_ip(&c.base_url, TEST_IP.parse().ok()?, 1, auth),
        Vendor::Standfast => {
            standfast::list_request(&c.base_url, &c.scope, &standfast::Filter::default(), None, 1, auth)
        }
        Vendor::Iden => iden::list_request(&c.base_url, &c.scope, &iden::Filter::default(), None, 1, auth),
        Vendor::Signals => signals::list_request(&signals::Filter::default(), 1),
    };
    let response = match send(&request, None).await {
        Ok(r) => r,
        Err(FetchFailure::Aborted) => return None,
        Err(FetchFailure::Failed(e)) => return Some(Err(e)),
    };
    let answered = match provider {
        Vendor::Idme => idme::parse_search(&response).map(|page| {
            let n = page.meta.total_count.unwrap_or(page.events.len() as u64);
            format!("a search for {TEST_IP} found {n} events")
        }),
        Vendor::Standfast => standfast::parse_list(&response)
            .map(|events| format!("workspace {} answered ({} event shown)", c.scope, events.len())),
        Vendor::Iden => iden::parse_page(&response)
            .map(|page| format!("organisation {} answered ({} event shown)", c.scope, page.results.len())),
        Vendor::Signals => signals::parse_page(&response).map(|page| format!("{} signal shown", page.signals.len())),
    };
    Some(answered.map(|what| format!("Connected to {}: the vendor accepted the credential; {what}.", c.label)))
}
