//! One source of a view: what the view asks of it is a small plan ([`SourcePlan`]); the section
//! does the rest the same way for every source and view. It keeps the rows in step with the URL
//! (one loader), says how the load goes (loading, the rate-limit countdown, an error with retry,
//! settings that are missing), draws the skeleton, the pager, the table, "Load more" and live
//! tail, and registers the rows it shows for the detail panel, export and chips while it is
//! shown: no page has to remember to.

use std::future::Future;

use leptos::prelude::*;

use crate::components::error_box::{settings_problem_view, unreadable_notice};
use crate::components::events_table::{EventsTable, TableSkeleton};
use crate::components::live_tail::LiveTail;
use crate::components::load_more::{LoadMore, NextPage};
use crate::components::load_status::LoadStatus;
use crate::components::standfast_table::StandfastTable;
use crate::connection::config::Vendor;
use crate::connection::settings::ResolvedConnection;
use crate::model::AuditEvent;
use crate::net::fetcher::{Loader, Ticket};
use crate::net::http::FetchFailure;
use crate::routes::view::ViewState;
use crate::views::current::PageView;
use crate::views::loading::{load_source, register_rows};
use crate::views::sources::{IdenPage, IdmePage, SignalsPage, StandfastPage};

/// A vendor's page as a section shows it.
pub trait SourcePage: Send + Sync + 'static {
    fn events(&self) -> &Vec<AuditEvent>;
    /// The vendor request that answered it (no header).
    fn request(&self) -> &String;
    /// Records that could not be read.
    fn unreadable(&self) -> usize;
}

macro_rules! source_page {
    ($($page:ty),*) => {$(
        impl SourcePage for $page {
            fn events(&self) -> &Vec<AuditEvent> {
                &self.events
            }
            fn request(&self) -> &String {
                &self.request
            }
            fn unreadable(&self) -> usize {
                self.unreadable
            }
        }
    )*};
}
source_page!(IdmePage, IdenPage, StandfastPage, SignalsPage);

/// The table a source's rows go into.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TableKind {
    Events,
    /// The Standfast document's own columns.
    Standfast,
}

/// A loaded page and what the view asked of the source for it.
pub type Loaded<P> = Loader<(<P as SourcePlan>::Key, <P as SourcePlan>::Page)>;

/// Newer events for live tail: where they start (None: not on the newest page) and how to ask.
pub struct Live<S: Send + Sync + 'static> {
    pub start: Signal<Option<S>>,
    pub poll: StoredValue<NextPage<S>, LocalStorage>,
    pub idle_note: &'static str,
}

/// What a view asks of one source, and what only that source knows about its pages.
pub trait SourcePlan: Copy + Send + Sync + 'static {
    type View: ViewState;
    /// What the view asks of the source (the view without what the source ignores): the page is
    /// fetched again only when it changes.
    type Key: Clone + PartialEq + Send + Sync + 'static;
    type Page: SourcePage;
    /// Where "Load more" continues after the view's page.
    type After: Clone + PartialEq + Send + Sync + 'static;
    /// Where live tail looks for newer events.
    type Since: Clone + PartialEq + Send + Sync + 'static;

    const PROVIDER: Vendor;

    /// The source's name in statuses and messages ("ID.me").
    fn what(self) -> &'static str;

    /// The section's heading, id and class suffix; None for a view with one source and no
    /// heading of its own.
    fn heading(self, _view: &Self::View) -> Option<String> {
        None
    }

    /// Whether the section shows at all (the source switched on).
    fn shown(self, view: &Self::View) -> bool {
        self.key(view).is_some()
    }

    /// What the view asks of the source; None when it asks nothing.
    fn key(self, view: &Self::View) -> Option<Self::Key>;

    fn fetch(
        self,
        connection: ResolvedConnection,
        key: Self::Key,
        ticket: Ticket,
    ) -> impl Future<Output = Result<Self::Page, FetchFailure>> + 'static;

    /// The rows of the page the table shows (a derived source narrows them).
    fn keeps(self, _view: &Self::View, _event: &AuditEvent) -> bool {
        true
    }

    fn table(self) -> TableKind {
        TableKind::Events
    }

    /// What the table holds, for screen readers.
    fn caption(self, key: &Self::Key, page: &Self::Page) -> String;

    /// Above the table: a note on what the section shows (a derived source's plan).
    fn note(self, _view: &Self::View) -> Option<String> {
        None
    }

    /// The pager links of the loaded page, drawn above and below the table.
    fn pager(self, _view: PageView<Self::View>, _key: &Self::Key, _page: &Self::Page) -> Option<AnyView> {
        None
    }

    /// What a page without rows (and without unreadable records) says: no events, past the end.
    fn empty(self, view: &Self::View, key: &Self::Key, page: &Self::Page) -> Option<AnyView>;

    /// What is said while the page shown stays on screen for another the view asks for.
    fn stale_note(self, _key: &Self::Key) -> Option<AnyView> {
        None
    }

    /// Below the table: how the results end.
    fn ending(self, _key: &Self::Key, _page: &Self::Page) -> Option<AnyView> {
        None
    }

    /// Where the view's page ends, for "Load more"; None without more.
    fn after(self, _page: &Self::Page) -> Option<Self::After> {
        None
    }

    /// The pages after `after`, when the source has "Load more".
    fn more(self, _view: PageView<Self::View>) -> Option<StoredValue<NextPage<Self::After>, LocalStorage>> {
        None
    }

    /// Live tail, when the source has one: `rows` are those shown.
    fn live(
        self,
        _view: PageView<Self::View>,
        _loaded: Loaded<Self>,
        _rows: Signal<Vec<AuditEvent>>,
    ) -> Option<Live<Self::Since>> {
        None
    }

    /// Called with each page as it arrives, before it is shown (a walk records its way back).
    fn arrived(self, _key: &Self::Key, _page: &mut Self::Page) {}
}

/// A source's state in a view: its loader kept in step with the URL, why its settings are not
/// enough (when they are not), its retries, and the rows of its page the view keeps.
pub struct SourceState<P: SourcePlan> {
    pub loader: Loaded<P>,
    pub problem: RwSignal<Option<String>>,
    pub retries: RwSignal<u32>,
    /// The view shows the source at all.
    pub shown: Memo<bool>,
    /// The page on screen answers another question than the URL asks: it stays, dimmed.
    pub stale: Memo<bool>,
    pub page_rows: Signal<Vec<AuditEvent>>,
}

impl<P: SourcePlan> Clone for SourceState<P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P: SourcePlan> Copy for SourceState<P> {}

/// Keeps one source of the view loaded (see [`SourceState`]).
pub fn use_source<P: SourcePlan>(plan: P, view: PageView<P::View>) -> SourceState<P> {
    let current = view.current;
    let loader: Loaded<P> = Loader::new();
    let problem = RwSignal::new(None::<String>);
    let retries = RwSignal::new(0u32);
    load_source(
        loader,
        P::PROVIDER,
        problem,
        retries,
        move || current.with(|v| v.as_ref().and_then(|v| plan.key(v))),
        move |connection, key, ticket| async move {
            let mut page = plan.fetch(connection, key.clone(), ticket).await?;
            plan.arrived(&key, &mut page);
            Ok(page)
        },
    );
    let shown = Memo::new(move |_| current.with(|v| v.as_ref().is_some_and(|v| plan.shown(v))));
    let wanted = Memo::new(move |_| current.with(|v| v.as_ref().and_then(|v| plan.key(v))));
    let stale = Memo::new(move |_| {
        let wanted = wanted.get();
        loader.data.with(|d| d.as_ref().is_some_and(|(asked, _)| Some(asked) != wanted.as_ref()))
    });
    let page_rows: Signal<Vec<AuditEvent>> = Memo::new(move |_| {
        let Some(view) = current.get() else { return Vec::new() };
        loader.data.with(|d| {
            d.as_ref()
                .map(|(_, page)| page.events().iter().filter(|e| plan.keeps(&view, e)).cloned().collect())
                .unwrap_or_default()
        })
    })
    .into();
    SourceState { loader, problem, retries, shown, stale, page_rows }
}

impl<P: SourcePlan> SourceState<P> {
    /// The request behind the page (none before the first answer).
    pub fn requests(self) -> Signal<Vec<String>> {
        let loader = self.loader;
        Signal::derive(move || {
            loader.data.with(|d| d.as_ref().map(|(_, page)| vec![page.request().clone()]).unwrap_or_default())
        })
    }

    /// The loading, rate-limit and error status, with a retry.
    pub fn status(self, what: &'static str) -> impl IntoView {
        let (loader, retries) = (self.loader, self.retries);
        view! {
            <LoadStatus what loading=loader.loading waiting=loader.waiting failure=loader.failure
                on_retry=Callback::new(move |_| retries.update(|n| *n += 1))/>
        }
    }
}

/// One source of a view, kept mounted while the view changes (rows keyed by id are kept, not
/// redrawn) and hidden while the view does not show it.
#[component]
pub fn SourceSection<P: SourcePlan>(plan: P, view: PageView<P::View>) -> impl IntoView {
    let current = view.current;
    let state = use_source(plan, view);
    let slug = plan.what().to_ascii_lowercase().replace('.', "");
    let heading = move || current.with(|v| v.as_ref().and_then(|v| plan.heading(v)));
    let heading_id = format!("{slug}-heading");
    let class = format!("source-section source-{slug}");
    view! {
        <Show when=move || state.shown.get()>
            <section class=class.clone() aria-labelledby={
                let id = heading_id.clone();
                move || heading().is_some().then(|| id.clone())
            }>
                {
                    let id = heading_id.clone();
                    move || heading().map(|text| view! { <h2 id=id.clone() class="results-caption">{text}</h2> })
                }
                <SectionBody plan view state/>
            </section>
        </Show>
    }
}

/// A shown section: its status, rows and controls (made again when the source is switched
/// back on, so no appended or live rows outlive it).
#[component]
fn SectionBody<P: SourcePlan>(plan: P, view: PageView<P::View>, state: SourceState<P>) -> impl IntoView {
    let current = view.current;
    let SourceState { loader, problem, stale, page_rows, .. } = state;
    let GrowingRows { fresh, extra, all: rows } = growing_rows(page_rows);
    let requests = state.requests();
    // Before "Load more" and live tail register the requests behind the rows they add, so the
    // page's own request comes first in an export's manifest.
    register_rows(rows, requests);
    let first_load =
        move || loader.loading.get() && loader.failure.get().is_none() && loader.data.with(Option::is_none);
    let pager = move || {
        let _ = current.get()?;
        loader.data.with(|d| d.as_ref().and_then(|(key, page)| plan.pager(view, key, page)))
    };
    let empty = move || {
        let view = current.get()?;
        let stale = stale.get();
        let has_rows = !rows.with(Vec::is_empty);
        loader.data.with(|d| {
            let (key, page) = d.as_ref()?;
            let unreadable = page.unreadable();
            let stale_note = stale.then(|| plan.stale_note(key)).flatten();
            // Unreadable records are not "no events": the notice says what happened to them.
            let empty = (!has_rows && unreadable == 0).then(|| plan.empty(&view, key, page)).flatten();
            Some(view! { {stale_note} {unreadable_notice(unreadable)} {empty} })
        })
    };
    let ending = move || loader.data.with(|d| d.as_ref().and_then(|(key, page)| plan.ending(key, page)));
    let caption = Signal::derive(move || {
        loader.data.with(|d| d.as_ref().map(|(key, page)| plan.caption(key, page)).unwrap_or_default())
    });
    let busy = Signal::derive(move || loader.loading.get());
    let zone = view.zone;
    let table = move || match plan.table() {
        TableKind::Events => view! { <EventsTable events=rows zone busy caption/> }.into_any(),
        TableKind::Standfast => view! { <StandfastTable events=rows zone busy caption/> }.into_any(),
    };
    let load_more = plan.more(view).map(|next_page| {
        let after = Signal::derive(move || loader.data.with(|d| d.as_ref().and_then(|(_, page)| plan.after(page))));
        view! { <LoadMore after next_page extra page_rows=Signal::derive(move || page_rows.with(Vec::len)) what=plan.what()/> }
    });
    let live_tail = plan.live(view, loader, rows).map(|Live { start, poll, idle_note }| {
        view! { <LiveTail start poll fresh what=plan.what() idle_note/> }
    });
    let note = move || current.with(|v| v.as_ref().and_then(|v| plan.note(v)));
    view! {
        {move || note().map(|text| view! { <p class="help derived-note">{text}</p> })}
        {settings_problem_view(problem)}
        {state.status(plan.what())}
        <div class="results" class:stale=move || stale.get()>
            {move || first_load().then(|| view! { <TableSkeleton/> })}
            {empty}
            {live_tail}
            {pager}
            <Show when=move || !rows.with(Vec::is_empty)>
                {table}
                {pager}
            </Show>
            {load_more}
            {ending}
        </div>
    }
}

/// A page's rows with the rows live tail puts on top and "Load more" appends below.
#[derive(Clone, Copy)]
struct GrowingRows {
    fresh: RwSignal<Vec<AuditEvent>>,
    extra: RwSignal<Vec<AuditEvent>>,
    /// Fresh, then the page's, then the appended rows.
    all: Signal<Vec<AuditEvent>>,
}

fn growing_rows(page_rows: Signal<Vec<AuditEvent>>) -> GrowingRows {
    let fresh = RwSignal::new(Vec::<AuditEvent>::new());
    let extra = RwSignal::new(Vec::<AuditEvent>::new());
    let all = Memo::new(move |_| {
        let mut all = fresh.get();
        page_rows.with(|p| all.extend(p.iter().cloned()));
        extra.with(|x| all.extend(x.iter().cloned()));
        all
    });
    GrowingRows { fresh, extra, all: all.into() }
}
