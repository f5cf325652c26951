//! Live tail on Iden. The document never says whether the first page carries a
//! `previous_cursor` (NOTES.md): a Django-style cursor paginator, which its example cursor
//! resembles, answers null there. So a check follows `previous_cursor` where the vendor gives
//! one, and otherwise asks for `occurred_at__gte` = the newest `occurred_at` shown, walks that
//! listing with `next_cursor` until it reaches events already shown, and drops the `event_id`s
//! already shown (the bound is inclusive, so the newest instant's events come again).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::components::load_more::{MorePage, NextPage};
use crate::connection::config::Vendor;
use crate::model::AuditEvent;
use crate::net::fetcher::Ticket;
use crate::net::http::FetchFailure;
use crate::providers::iden::{Filter, MAX_LIMIT};
use crate::views::sources::{IdenPage, iden_list};

use crate::views::iden_listing::IdenQuery;
use crate::views::loading::connection_now;

/// Where the events added since begin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdenSince {
    /// The vendor's `previous_cursor`: it lists what came after the page it was given with.
    Cursor(String),
    /// The newest `occurred_at` shown: the events at or after it that are not shown yet.
    Time(DateTime<Utc>),
}

/// Where live tail starts for the newest page of a listing, or None when the listing cannot
/// grow at the top (its range has an end).
pub fn live_start(page: &IdenPage, filter: &Filter, now: DateTime<Utc>) -> Option<IdenSince> {
    if filter.occurred_to.is_some() {
        return None;
    }
    if let Some(cursor) = &page.previous_cursor {
        return Some(IdenSince::Cursor(cursor.clone()));
    }
    let newest = page.events.iter().filter_map(|e| e.occurred.parsed).map(|t| t.to_utc()).max();
    Some(IdenSince::Time(newest.or(filter.occurred_from).unwrap_or(now)))
}

/// The newest time among `events`, not before `since`.
fn newest_since(events: &[AuditEvent], since: DateTime<Utc>) -> DateTime<Utc> {
    events.iter().filter_map(|e| e.occurred.parsed).map(|t| t.to_utc()).fold(since, DateTime::max)
}

/// A check for events added since: `shown` are the rows the view shows now (their ids are not
/// shown twice).
pub fn iden_newer(ask: IdenQuery, shown: Signal<Vec<AuditEvent>>) -> StoredValue<NextPage<IdenSince>, LocalStorage> {
    let state = crate::connection::state::use_app_state();
    let next: NextPage<IdenSince> = std::rc::Rc::new(move |since: IdenSince, ticket: Ticket| {
        Box::pin(async move {
            let (filter, _) = ask.with_value(|ask| ask()).ok_or(FetchFailure::Aborted)?;
            let connection = connection_now(state, Vendor::Iden)?;
            let known: HashSet<String> = shown.with_untracked(|rows| rows.iter().map(|e| e.id.clone()).collect());
            let mut found = MorePage::<IdenSince>::end();
            let next = match since {
                IdenSince::Cursor(cursor) => {
                    let page = iden_list(&connection, &filter, Some(&cursor), MAX_LIMIT, &ticket).await?;
                    let previous = page.previous_cursor.clone();
                    take_new(&mut found, page, &known);
                    // A vendor that stops giving the cursor still has a time to go on from.
                    match previous {
                        Some(cursor) => IdenSince::Cursor(cursor),
                        None => IdenSince::Time(newest_since(&found.events, newest_shown(&shown))),
                    }
                }
                IdenSince::Time(from) => {
                    let bound = filter.occurred_from.map_or(from, |f| f.max(from));
                    let since_filter = Filter { occurred_from: Some(bound), ..filter };
                    let mut cursor = None::<String>;
                    // Every page goes through the rate budget, so a long walk waits rather than
                    // spending more than the vendor allows; it ends at the events shown already.
                    loop {
                        let page = iden_list(&connection, &since_filter, cursor.as_deref(), MAX_LIMIT, &ticket).await?;
                        let reached_shown = page.events.iter().any(|e| known.contains(&e.id));
                        let older = page.next_cursor.clone();
                        take_new(&mut found, page, &known);
                        match older {
                            Some(c) if !reached_shown => cursor = Some(c),
                            _ => break,
                        }
                    }
                    IdenSince::Time(newest_since(&found.events, from))
                }
            };
            found.next = Some(next);
            Ok(found)
        })
    });
    StoredValue::new_local(next)
}

fn newest_shown(shown: &Signal<Vec<AuditEvent>>) -> DateTime<Utc> {
    shown.with_untracked(|rows| newest_since(rows, DateTime::<Utc>::MIN_UTC))
}

/// Adds a page's events that are not shown yet (newest first, as the vendor lists them).
fn take_new(into: &mut MorePage<IdenSince>, page: IdenPage, known: &HashSet<String>) {
    into.events.extend(page.events.into_iter().filter(|e| !known.contains(&e.id)));
    into.requests.push(page.request);
    into.unreadable += page.unreadable;
}
