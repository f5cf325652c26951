//! Where a click on a value in a table leads: an IP to the IP search (ID.me and Iden), a user
//! UUID to the timeline, an event type to the view that can filter by it. None when the value
//! cannot be searched (then it is shown as plain text).

use super::identity::IdentityEvents;
use super::ip::{IpSearch, parse_ip};
use super::query::Uuid;
use super::severity::SeverityView;
use super::user::UserTimeline;
use crate::model::Vendor;
use crate::providers::standfast;

pub fn ip_href(ip: &str) -> Option<String> {
    let ip = parse_ip(ip).ok()?;
    Some(IpSearch { sources: super::query::Sources::of(&[Vendor::Idme, Vendor::Iden]), ..IpSearch::new(ip) }.href())
}

pub fn user_href(uuid: &str) -> Option<String> {
    Uuid::parse(uuid).ok().map(|u| UserTimeline::new(u).href())
}

/// ID.me's API cannot filter by event type, so its types lead nowhere.
pub fn type_href(source: Vendor, event_type: &str) -> Option<String> {
    if event_type.trim().is_empty() {
        return None;
    }
    match source {
        Vendor::Iden => {
            Some(SeverityView { event_type: Some(event_type.to_string()), ..SeverityView::default() }.href())
        }
        Vendor::Standfast => Some(
            IdentityEvents {
                filter: standfast::Filter { types: vec![event_type.to_string()], ..Default::default() },
                limit: standfast::DEFAULT_LIMIT,
                ..Default::default()
            }
            .href(),
        ),
        Vendor::Signals => Some(
            crate::routes::signals::SignalsView { event_type: Some(event_type.to_string()), ..Default::default() }
                .href(),
        ),
        Vendor::Idme => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pivots_land_on_the_matching_view() {
        assert_eq!(ip_href("203.0.113.42").as_deref(), Some("/ip/203.0.113.42?sources=idme,iden"));
        assert_eq!(ip_href("not an ip"), None);
        assert_eq!(
            user_href("AC28B80D7AC14B0DB51B5BEF6281F3C2").as_deref(),
            Some("/users/ac28b80d-7ac1-4b0d-b51b-5bef6281f3c2")
        );
        assert_eq!(user_href("<contact-uuid>"), None);
        assert_eq!(
            type_href(Vendor::Iden, "session.login.failed").as_deref(),
            Some("/severity?type=session.login.failed")
        );
        assert_eq!(type_href(Vendor::Standfast, "scope_set").as_deref(), Some("/identity-events?types=scope_set"));
        assert_eq!(type_href(Vendor::Signals, "account-purged").as_deref(), Some("/signals?type=account-purged"));
        assert_eq!(type_href(Vendor::Idme, "session.signin"), None);
    }
}
