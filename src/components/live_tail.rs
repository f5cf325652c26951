//! Live tail: while on, asks the vendor every [`POLL_SECS`] (or what the gateway's config says)
//! for events newer than the newest one
//! shown and puts them on top, highlighted. It asks through the same rate budget as everything
//! else, and not at all while the tab is hidden.

use std::time::Duration;

use leptos::prelude::*;

use crate::components::detail_panel::row_element;
use crate::components::load_more::NextPage;
use crate::components::load_status::LoadStatus;
use crate::model::AuditEvent;
use crate::net::fetcher::Loader;
use crate::rows::format::thousands;

/// Within the 30–60 s the issue asks for: one request a poll, 2 of Iden's 60 a minute.
pub const POLL_SECS: u64 = 30;

/// Seconds between checks: the gateway's `live_tail_secs`, else [`POLL_SECS`].
fn poll_secs() -> u64 {
    let configured = crate::connection::state::use_app_state().config.with_untracked(|c| match c {
        crate::connection::state::ConfigState::Loaded(config) => config.live_tail_secs,
        _ => None,
    });
    configured.map_or(POLL_SECS, u64::from).clamp(1, 3600)
}

fn clock_now() -> String {
    chrono::DateTime::from_timestamp_millis(crate::net::fetcher::now_ms() as i64)
        .map(|t| t.format("%H:%M:%S UTC").to_string())
        .unwrap_or_default()
}

fn tab_hidden() -> bool {
    web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden())
}

/// Marks the rows of `ids` as new for a moment (a CSS animation), once they are drawn.
pub fn highlight(ids: Vec<String>) {
    let mark = move || {
        for row in ids.iter().filter_map(|id| row_element(id)) {
            let _ = row.class_list().add_1("live-new");
        }
    };
    set_timeout(mark, Duration::from_millis(50));
}

#[component]
pub fn LiveTail<C: Clone + PartialEq + Send + Sync + 'static>(
    /// Where newer events start (None: the view is not on its newest page).
    start: Signal<Option<C>>,
    poll: StoredValue<NextPage<C>, LocalStorage>,
    /// The new events, newest first, shown above the page's rows.
    fresh: RwSignal<Vec<AuditEvent>>,
    what: &'static str,
    /// Why live tail is off when `start` is None.
    #[prop(default = "Live tail follows the newest page: go to « Newest to use it.")]
    idle_note: &'static str,
) -> impl IntoView {
    let every = poll_secs();
    let on = RwSignal::new(false);
    let from = RwSignal::new(None::<C>);
    let last_checked = RwSignal::new(None::<String>);
    let paused = RwSignal::new(false);
    let loader = Loader::<Option<C>>::new();
    // The requests that brought new rows, for export manifests.
    let requests = RwSignal::new(Vec::<String>::new());
    if let Some(shown) = crate::views::shown::ShownRows::use_context() {
        shown.register_requests(requests.into());
    }
    // A new page or filter starts over.
    Effect::new(move |_| {
        from.set(start.get());
        fresh.set(Vec::new());
        requests.set(Vec::new());
        loader.stop();
    });
    let check = move || {
        if !on.get_untracked() || loader.loading.get_untracked() {
            return;
        }
        paused.set(tab_hidden());
        let Some(cursor) = from.get_untracked().or_else(|| start.get_untracked()) else { return };
        if tab_hidden() {
            return;
        }
        // Past the cache: the same cursor asked again must reach the vendor.
        loader.run(true, move |ticket| async move {
            let crate::components::load_more::MorePage { events, next, requests: asked, .. } =
                poll.with_value(|f| f(cursor.clone(), ticket)).await?;
            let ids: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
            if !events.is_empty() {
                fresh.try_update(|rows| {
                    let mut all = events;
                    all.append(rows);
                    *rows = all;
                });
                highlight(ids);
                requests.try_update(|r| r.extend(asked));
            }
            from.try_set(Some(next.unwrap_or(cursor)));
            last_checked.try_set(Some(clock_now()));
            Ok(None)
        });
    };
    if let Ok(handle) = set_interval_with_handle(check, Duration::from_secs(every)) {
        on_cleanup(move || handle.clear());
    }
    let toggle = move |_| {
        let next = !on.get_untracked();
        on.set(next);
        if next {
            check();
        } else {
            loader.stop();
        }
    };
    let status = move || {
        if start.with(Option::is_none) {
            return idle_note.to_string();
        }
        if !on.get() {
            return String::new();
        }
        let count = fresh.with(Vec::len);
        let checked = last_checked.get().map(|t| format!(", last checked {t}")).unwrap_or_default();
        let pause = if paused.get() { " Paused while this tab is hidden." } else { "" };
        format!("Live: checking {what} every {every} s{checked}; {} new.{pause}", thousands(count as u64))
    };
    view! {
        <div class="live-tail" role="group" aria-label=format!("Live tail of {what}")>
            <button type="button" class="live-toggle" aria-pressed=move || on.get().to_string() on:click=toggle
                disabled=move || start.with(Option::is_none)>
                {move || if on.get() { "● Live (stop)" } else { "Live" }}
            </button>
            <span class="live-status" role="status" aria-live="polite">{status}</span>
            <LoadStatus what loading=loader.loading waiting=loader.waiting failure=loader.failure on_retry=Callback::new(move |_| check())/>
        </div>
    }
}
