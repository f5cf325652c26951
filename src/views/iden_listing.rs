//! Iden's cursor listing as a source of a view: pager links from its cursors, "Load more" by
//! `next_cursor`, live tail on the newest page of a range without an end.

use leptos::prelude::*;

use crate::components::cursor_pager::CursorPager;
use crate::components::load_more::{MorePage, NextPage};
use crate::connection::config::Vendor;
use crate::connection::settings::ResolvedConnection;
use crate::model::AuditEvent;
use crate::net::fetcher::{Ticket, now_ms};
use crate::net::http::FetchFailure;
use crate::providers::iden::Filter;
use crate::routes::view::ViewState;
use crate::views::current::PageView;
use crate::views::iden_live::{IdenSince, iden_newer, live_start};
use crate::views::loading::{connection_now, record};
use crate::views::section::{Live, Loaded, SourcePlan};
use crate::views::sources::{IdenPage, iden_list};

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

    const PROVIDER: Vendor = Vendor::Iden;

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
    fn asks(self, view: PageView<V>) -> IdenQuery {
        iden_query(move || {
            let current = view.current.get_untracked()?;
            let key = (self.key)(&current)?;
            let IdenAsk { filter, limit, .. } = (self.ask)(&key);
            Some((filter, limit))
        })
    }
}

/// What an Iden listing asks (its filter and page size), read when a request is made; None
/// when the view no longer asks Iden.
pub type IdenQuery = StoredValue<std::rc::Rc<dyn Fn() -> Option<(crate::providers::iden::Filter, u32)>>, LocalStorage>;

pub fn iden_query(ask: impl Fn() -> Option<(crate::providers::iden::Filter, u32)> + 'static) -> IdenQuery {
    StoredValue::new_local(std::rc::Rc::new(ask))
}

/// Iden's next pages for "Load more", following `next_cursor`.
pub fn iden_more(ask: IdenQuery) -> StoredValue<NextPage<String>, LocalStorage> {
    let state = crate::connection::state::use_app_state();
    let next: NextPage<String> = std::rc::Rc::new(move |cursor: String, ticket: Ticket| {
        Box::pin(async move {
            let (filter, limit) = ask.with_value(|ask| ask()).ok_or(FetchFailure::Aborted)?;
            let connection = connection_now(state, Vendor::Iden)?;
            let page = crate::views::sources::iden_list(&connection, &filter, Some(&cursor), limit, &ticket).await?;
            record(state, Vendor::Iden, &Ok::<(), FetchFailure>(()));
            Ok(MorePage {
                events: page.events,
                next: page.next_cursor,
                requests: vec![page.request],
                unreadable: page.unreadable,
            })
        })
    });
    StoredValue::new_local(next)
}
