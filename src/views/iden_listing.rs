//! Iden's cursor listing as a source of a view: pager links from its cursors, "Load more" by
//! `next_cursor`, live tail on the newest page of a range without an end.

use leptos::prelude::*;

use crate::components::cursor_pager::CursorPager;
use crate::components::load_more::NextPage;
use crate::config::Provider;
use crate::fetcher::{Ticket, now_ms};
use crate::http::FetchFailure;
use crate::model::AuditEvent;
use crate::pages::common::{iden_ask, iden_more};
use crate::pages::iden_live::{IdenSince, iden_newer, live_start};
use crate::providers::iden::Filter;
use crate::routes::view::ViewState;
use crate::settings::ResolvedConnection;
use crate::sources::{IdenPage, iden_list};
use crate::views::current::PageView;
use crate::views::section::{Live, Loaded, SourcePlan};

/// What a view asks of Iden's listing.
#[derive(Debug, Clone, PartialEq)]
pub struct IdenAsk {
    pub filter: Filter,
    pub limit: u32,
    /// None: the newest page.
    pub cursor: Option<String>,
}

/// How a view uses Iden's listing.
pub struct IdenListing<V: ViewState> {
    /// The view as far as Iden's page depends on it (None: the view does not ask Iden).
    pub key: fn(&V) -> Option<V>,
    pub ask: fn(&V) -> IdenAsk,
    /// The view at another cursor (None: the newest page).
    pub at: fn(&V, Option<String>) -> V,
    pub heading: fn(&V) -> String,
    /// What no events means for the view asked, and what its table holds.
    pub empty: fn(&V) -> String,
    pub caption: fn(&V) -> String,
    pub live: bool,
}

impl<V: ViewState> Clone for IdenListing<V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V: ViewState> Copy for IdenListing<V> {}

const LIVE_IDLE: &str =
    "Live tail follows the newest page of a range without an end: go to « Newest and clear “To” to use it.";

impl<V: ViewState> SourcePlan for IdenListing<V> {
    type View = V;
    type Key = V;
    type Page = IdenPage;
    type After = String;
    type Since = IdenSince;

    const PROVIDER: Provider = Provider::Iden;

    fn what(self) -> &'static str {
        "Iden"
    }

    fn heading(self, view: &V) -> Option<String> {
        Some((self.heading)(view))
    }

    fn key(self, view: &V) -> Option<V> {
        (self.key)(view)
    }

    async fn fetch(self, connection: ResolvedConnection, key: V, ticket: Ticket) -> Result<IdenPage, FetchFailure> {
        let IdenAsk { filter, limit, cursor } = (self.ask)(&key);
        iden_list(&connection, &filter, cursor.as_deref(), limit, &ticket).await
    }

    fn caption(self, key: &V, _page: &IdenPage) -> String {
        (self.caption)(key)
    }

    fn pager(self, view: PageView<V>, key: &V, page: &IdenPage) -> Option<AnyView> {
        let at = move |cursor: Option<String>| view.href(|v| (self.at)(&v, cursor));
        let on_first = (self.ask)(key).cursor.is_none();
        // The first page's previous_cursor leads to events added since: not a newer page yet.
        let newer = if on_first { None } else { page.previous_cursor.clone().map(|c| at(Some(c))) };
        let count = page.events.len();
        Some(
            view! {
                <CursorPager
                    newest=(!on_first).then(|| at(None))
                    newer
                    older=page.next_cursor.clone().map(|c| at(Some(c)))
                    position=if on_first { format!("Newest {count} events") } else { format!("{count} older events") }
                />
            }
            .into_any(),
        )
    }

    fn empty(self, _view: &V, key: &V, _page: &IdenPage) -> Option<AnyView> {
        let text = match (self.ask)(key).cursor {
            None => (self.empty)(key),
            Some(_) => "No events on this page: the cursor is past the end.".to_string(),
        };
        Some(view! { <p class="empty" role="status">{text}</p> }.into_any())
    }

    fn after(self, page: &IdenPage) -> Option<String> {
        page.next_cursor.clone()
    }

    fn more(self, view: PageView<V>) -> Option<StoredValue<NextPage<String>, LocalStorage>> {
        Some(iden_more(self.asks(view)))
    }

    fn live(self, view: PageView<V>, loaded: Loaded<Self>, rows: Signal<Vec<AuditEvent>>) -> Option<Live<IdenSince>> {
        if !self.live {
            return None;
        }
        // Only the newest page can grow at the top.
        let start = Signal::derive(move || {
            loaded.data.with(|d| {
                let (key, page) = d.as_ref()?;
                let ask = (self.ask)(key);
                if ask.cursor.is_some() {
                    return None;
                }
                let now = chrono::DateTime::from_timestamp_millis(now_ms() as i64).unwrap_or_default();
                live_start(page, &ask.filter, now)
            })
        });
        Some(Live { start, poll: iden_newer(self.asks(view), rows), idle_note: LIVE_IDLE })
    }
}

impl<V: ViewState> IdenListing<V> {
    /// What the view in force asks, read when a request is made.
    fn asks(self, view: PageView<V>) -> crate::pages::common::IdenAsk {
        iden_ask(move || {
            let current = view.current.get_untracked()?;
            let key = (self.key)(&current)?;
            let IdenAsk { filter, limit, .. } = (self.ask)(&key);
            Some((filter, limit))
        })
    }
}
