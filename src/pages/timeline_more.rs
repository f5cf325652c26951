//! "Load more" on the user timeline, which merges several sources paged independently. Each
//! step takes the next page of the source whose loaded events end latest, so the merged list
//! is complete down to the oldest event every source with more has reached: no source's gap
//! hides between another's rows.

use std::rc::Rc;

use leptos::prelude::*;

use crate::components::load_more::{MorePage, NextPage};
use crate::connection::config::Vendor;
use crate::model::AuditEvent;
use crate::net::fetcher::Ticket;
use crate::net::http::FetchFailure;
use crate::providers::{iden, standfast};
use crate::routes::query::Uuid;
use crate::views::loading::connection_now;
use crate::views::sources::{iden_list, idme_by_user, standfast_page};

/// Iden's largest page (its document's maximum).
const IDEN_PAGE: u32 = 200;
/// Standfast's largest page.
const STANDFAST_PAGE: u32 = standfast::MAX_LIMIT;

/// Where one source continues, and the time (ms) of the oldest event loaded from it (None:
/// nothing read yet, so it is asked first).
#[derive(Debug, Clone, PartialEq)]
pub struct Lane<P> {
    pub next: P,
    pub oldest: Option<i64>,
}

/// Where each source continues; a source without more has None.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TimelineMore {
    pub idme: Option<Lane<u64>>,
    pub actor: Option<Lane<String>>,
    pub subject: Option<Lane<String>>,
    pub standfast: Option<Lane<standfast::Position>>,
}

impl<P> Lane<P> {
    /// Where a source continues after `events`, when it does.
    pub fn after(next: Option<P>, events: &[AuditEvent]) -> Option<Lane<P>> {
        next.map(|next| Lane { next, oldest: oldest(events) })
    }
}

/// Which source to ask next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Idme,
    Actor,
    Subject,
    Standfast,
}

/// The oldest event time (ms) among `events`.
pub fn oldest(events: &[AuditEvent]) -> Option<i64> {
    events.iter().filter_map(|e| e.occurred.parsed).map(|t| t.timestamp_millis()).min()
}

impl TimelineMore {
    /// None when no source has more.
    pub fn or_none(self) -> Option<Self> {
        (self.idme.is_some() || self.actor.is_some() || self.subject.is_some() || self.standfast.is_some())
            .then_some(self)
    }

    /// The source whose loaded events end latest (one that has read nothing comes first).
    pub fn next(&self) -> Option<Next> {
        let key = |oldest: Option<i64>| oldest.unwrap_or(i64::MAX);
        [
            (Next::Idme, self.idme.as_ref().map(|l| key(l.oldest))),
            (Next::Actor, self.actor.as_ref().map(|l| key(l.oldest))),
            (Next::Subject, self.subject.as_ref().map(|l| key(l.oldest))),
            (Next::Standfast, self.standfast.as_ref().map(|l| key(l.oldest))),
        ]
        .into_iter()
        .filter_map(|(source, at)| Some((source, at?)))
        // The first of equals: max_by_key would take the last.
        .fold(None, |best: Option<(Next, i64)>, (source, at)| match best {
            Some((_, b)) if b >= at => best,
            _ => Some((source, at)),
        })
        .map(|(source, _)| source)
    }
}

/// A lane after a page: its continuation, and its oldest time moved down by the page's events.
fn advance<P>(lane: &Lane<P>, next: Option<P>, events: &[AuditEvent]) -> Option<Lane<P>> {
    let oldest = match (lane.oldest, oldest(events)) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    next.map(|next| Lane { next, oldest })
}

/// The timeline's next pages for the user `uuid()` asks about.
pub fn timeline_more(uuid: impl Fn() -> Option<Uuid> + 'static) -> StoredValue<NextPage<TimelineMore>, LocalStorage> {
    let state = crate::connection::state::use_app_state();
    let uuid = Rc::new(uuid);
    let next: NextPage<TimelineMore> = Rc::new(move |mut more: TimelineMore, ticket: Ticket| {
        let uuid = uuid.clone();
        Box::pin(async move {
            let uuid = uuid().ok_or(FetchFailure::Aborted)?;
            let (events, request, unreadable) = match more.next() {
                None => return Ok(MorePage::end()),
                Some(Next::Idme) => {
                    let Some(lane) = more.idme.take() else {
                        return Ok(MorePage::end());
                    };
                    let connection = connection_now(state, Vendor::Idme)?;
                    let page = idme_by_user(&connection, &uuid, lane.next, &ticket).await?;
                    more.idme = advance(&lane, page.meta.next_page, &page.events);
                    (page.events, page.request, page.unreadable)
                }
                Some(source @ (Next::Actor | Next::Subject)) => {
                    let as_subject = source == Next::Subject;
                    let slot = if as_subject { &mut more.subject } else { &mut more.actor };
                    let Some(lane) = slot.take() else {
                        return Ok(MorePage::end());
                    };
                    let filter = if as_subject {
                        iden::Filter { subject_uuid: Some(uuid.to_string()), ..Default::default() }
                    } else {
                        iden::Filter { actor_uuid: Some(uuid.to_string()), ..Default::default() }
                    };
                    let connection = connection_now(state, Vendor::Iden)?;
                    let page = iden_list(&connection, &filter, Some(&lane.next), IDEN_PAGE, &ticket).await?;
                    *slot = advance(&lane, page.next_cursor, &page.events);
                    (page.events, page.request, page.unreadable)
                }
                Some(Next::Standfast) => {
                    let Some(lane) = more.standfast.take() else {
                        return Ok(MorePage::end());
                    };
                    let connection = connection_now(state, Vendor::Standfast)?;
                    let filter = standfast::Filter { contact: Some(uuid.to_string()), ..Default::default() };
                    let page =
                        standfast_page(&connection, &connection.scope, &filter, &lane.next, STANDFAST_PAGE, &ticket)
                            .await?;
                    more.standfast = advance(&lane, page.older, &page.events);
                    (page.events, page.request, page.unreadable)
                }
            };
            Ok(MorePage { events, next: more.or_none(), requests: vec![request], unreadable })
        })
    });
    StoredValue::new_local(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lane<P>(next: P, oldest: Option<i64>) -> Option<Lane<P>> {
        Some(Lane { next, oldest })
    }

    #[test]
    fn the_source_whose_rows_end_latest_is_asked_first() {
        let more = TimelineMore {
            idme: lane(2, Some(1_000)),
            actor: lane("c".into(), Some(5_000)),
            subject: None,
            standfast: lane(Default::default(), Some(3_000)),
        };
        assert_eq!(more.next(), Some(Next::Actor));
        let none_read = TimelineMore { subject: lane("s".into(), None), ..more.clone() };
        assert_eq!(none_read.next(), Some(Next::Subject), "a source with nothing read yet comes first");
        let tie = TimelineMore { standfast: lane(Default::default(), Some(5_000)), ..more };
        assert_eq!(tie.next(), Some(Next::Actor), "ties go to the first source");
        assert_eq!(TimelineMore::default().next(), None);
        assert_eq!(TimelineMore::default().or_none(), None);
    }

    #[test]
    fn a_lane_moves_down_and_ends_without_a_continuation() {
        let start = Lane { next: 1u64, oldest: Some(10) };
        assert_eq!(advance(&start, Some(2), &[]), Some(Lane { next: 2, oldest: Some(10) }));
        assert_eq!(advance(&start, None, &[]), None);
        let unread = Lane { next: 1u64, oldest: None };
        assert_eq!(advance(&unread, Some(2), &[]).map(|l| l.oldest), Some(None));
    }
}
