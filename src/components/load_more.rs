//! "Load more": appends the vendor's next pages to the view's rows, up to a cap the user sees
//! and can raise, within the vendor's rate limit (the wait is shown), with progress and cancel.
//! The appended rows join the table, the facets, the histogram and exports.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use leptos::prelude::*;

use crate::components::load_status::LoadStatus;
use crate::model::AuditEvent;
use crate::net::fetcher::{Loader, Ticket};
use crate::net::http::FetchFailure;
use crate::rows::format::thousands;

/// What a continuation (a cursor, a page number…) led to.
pub struct MorePage<C> {
    pub events: Vec<AuditEvent>,
    /// Where the vendor continues after them; None at the end.
    pub next: Option<C>,
    /// The vendor requests made (no header), for export manifests.
    pub requests: Vec<String>,
    /// Records the vendor sent that could not be read (not in `events`).
    pub unreadable: usize,
}

impl<C> MorePage<C> {
    /// Nothing more: no rows, no continuation, no request made.
    pub fn end() -> Self {
        MorePage { events: Vec::new(), next: None, requests: Vec::new(), unreadable: 0 }
    }
}

/// The rows after a continuation and the continuation after them.
pub type NextPage<C> = Rc<dyn Fn(C, Ticket) -> Pin<Box<dyn Future<Output = Result<MorePage<C>, FetchFailure>>>>>;

pub const DEFAULT_CAP: usize = 10_000;
pub const MAX_CAP: usize = 100_000;

#[component]
pub fn LoadMore<C: Clone + PartialEq + Send + Sync + 'static>(
    /// Where the view's own page ends (None: the vendor has nothing after it).
    after: Signal<Option<C>>,
    next_page: StoredValue<NextPage<C>, LocalStorage>,
    /// The appended rows.
    extra: RwSignal<Vec<AuditEvent>>,
    /// Rows of the view's own page.
    page_rows: Signal<usize>,
    what: &'static str,
) -> impl IntoView {
    let cap = RwSignal::new(DEFAULT_CAP);
    // Where the appended rows end; None before anything is appended.
    let appended_until = RwSignal::new(None::<Option<C>>);
    let loader = Loader::<Option<C>>::new();
    let requests = RwSignal::new(Vec::<String>::new());
    // Records of the appended pages that could not be read: said, never silently dropped.
    let unreadable = RwSignal::new(0usize);
    let shown = crate::views::shown::ShownRows::use_context();
    // The appended rows are in the view's tables; their requests go with them.
    if let Some(shown) = shown {
        shown.register_requests(requests.into());
    }
    // A new page or filter starts over.
    Effect::new(move |_| {
        after.track();
        loader.stop();
        extra.set(Vec::new());
        requests.set(Vec::new());
        unreadable.set(0);
        appended_until.set(None);
    });
    let total = move || page_rows.get() + extra.with(Vec::len);
    let continuation = move || appended_until.get().unwrap_or_else(|| after.get());
    let start = move |_: ()| {
        let Some(from) = continuation().filter(|_| !loader.loading.get_untracked()) else { return };
        let limit = cap.get_untracked();
        loader.run(false, move |ticket| async move {
            let mut next = Some(from);
            while let Some(c) = next.clone() {
                if page_rows.get_untracked() + extra.with_untracked(Vec::len) >= limit {
                    break;
                }
                let page = next_page.with_value(|f| f(c, ticket.clone())).await?;
                extra.try_update(|rows| rows.extend(page.events));
                requests.try_update(|r| r.extend(page.requests));
                unreadable.try_update(|n| *n += page.unreadable);
                next = page.next;
                appended_until.try_set(Some(next.clone()));
            }
            Ok(next)
        });
    };
    let status = move || {
        let n = total();
        let more = continuation().is_some();
        if loader.loading.get() {
            format!("Loading… {} of up to {} rows", thousands(n as u64), thousands(cap.get() as u64))
        } else if !more {
            format!("All {} rows are loaded: the vendor has no more.", thousands(n as u64))
        } else if n >= cap.get() {
            format!("{} rows loaded: the cap. Raise it to load more.", thousands(n as u64))
        } else if extra.with(|x| !x.is_empty()) {
            format!("{} rows loaded; the vendor has more.", thousands(n as u64))
        } else {
            String::new()
        }
    };
    if let Some(shown) = shown {
        shown.register_pager(crate::views::shown::Pager {
            load_all: Callback::new(move |_| {
                cap.set(MAX_CAP);
                start(());
            }),
            cancel: Callback::new(move |_| loader.stop()),
            busy: loader.loading.into(),
            has_more: Signal::derive(move || continuation().is_some()),
            waiting: Signal::derive(move || loader.waiting.with(Option::is_some)),
        });
    }
    let cannot_start = move || loader.loading.get() || continuation().is_none() || total() >= cap.get();
    view! {
        <div class="load-more" role="group" aria-label=format!("Load more {what} rows")>
            <button type="button" class="load-more-start" on:click=move |_| start(()) disabled=cannot_start>
                "Load more"
            </button>
            <label>
                " up to "
                <input type="number" class="load-more-cap" min="100" max=MAX_CAP step="100" prop:value=move || cap.get().to_string()
                    on:change=move |e| {
                        // Half-typed or empty: the cap stays as it was.
                        if let Ok(value) = event_target_value(&e).trim().parse::<usize>() {
                            cap.set(value.clamp(100, MAX_CAP));
                        }
                    }/>
                " rows"
            </label>
            <Show when=move || loader.loading.get()>
                <progress max=move || cap.get() value=total></progress>
                <button type="button" class="load-more-cancel" on:click=move |_| loader.stop()>"Cancel"</button>
            </Show>
            <span class="load-more-status" role="status" aria-live="polite">{status}</span>
            {move || (unreadable.get() > 0).then(|| view! {
                <crate::components::error_box::Notice kind="unreadable" message=format!(
                    "{} appended record(s) could not be read (fields missing, null or of the wrong type) and are not shown.",
                    thousands(unreadable.get() as u64)
                )/>
            })}
            <LoadStatus what loading=loader.loading waiting=loader.waiting failure=loader.failure on_retry=Callback::new(move |_| start(()))/>
        </div>
    }
}
