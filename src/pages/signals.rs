//! `/signals`: the security signals transmitters pushed to the gateway (SSF: RISC and CAEP
//! events), newest first, built like every view: a form, then one source section whose plan is
//! [`SignalsListing`]. The section gives it the table, the detail panel (the verified claims),
//! the row tools and export. What only signals have is the live stream: the gateway sends each
//! new signal over Server-Sent Events (`/signals/stream`), the newest page is asked again at
//! once and the new rows are highlighted, with no reload and no polling.

use std::collections::HashSet;

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::components::cursor_pager::CursorPager;
use crate::components::folded_form::FoldedForm;
use crate::components::live_tail::highlight;
use crate::components::row_tools::RowTools;
use crate::components::view_controls::ZoneSwitch;
use crate::connection::config::Vendor;
use crate::connection::settings::ResolvedConnection;
use crate::net::fetcher::Ticket;
use crate::net::http::FetchFailure;
use crate::providers::signals::PAGE_SIZE;
use crate::routes::signals::{SignalFields, SignalsView};
use crate::views::current::{PageView, use_view};
use crate::views::section::{SourcePlan, SourceSection};
use crate::views::sources::{SignalsPage, signals_list};

/// Signals that arrived while the page is open: each bumps `generation`, so the newest page is
/// asked again; their ids are highlighted once shown.
#[derive(Clone, Copy)]
struct Arrivals {
    generation: RwSignal<u64>,
    ids: RwSignal<HashSet<String>>,
}

/// The gateway's signals for the view's filters and page.
#[derive(Clone, Copy)]
pub struct SignalsListing;

impl SourcePlan for SignalsListing {
    type View = SignalsView;
    /// The filters and page, and on the newest page how many signals arrived since it opened.
    type Key = (crate::providers::signals::Filter, u64);
    type Page = SignalsPage;
    type After = ();
    type Since = ();

    const PROVIDER: Vendor = Vendor::Signals;

    fn what(self) -> &'static str {
        "Signals"
    }

    fn key(self, view: &SignalsView) -> Option<Self::Key> {
        let arrived = match view.before {
            None => use_context::<Arrivals>().map(|a| a.generation.get()).unwrap_or(0),
            Some(_) => 0,
        };
        Some((view.filter(), arrived))
    }

    async fn fetch(
        self,
        _connection: ResolvedConnection,
        (filter, _): Self::Key,
        ticket: Ticket,
    ) -> Result<SignalsPage, FetchFailure> {
        signals_list(&filter, PAGE_SIZE, &ticket, true).await
    }

    fn caption(self, (filter, _): &Self::Key, page: &SignalsPage) -> String {
        let place = if filter.before.is_none() { "newest" } else { "older" };
        format!("{} {place} security signals", page.events.len())
    }

    fn pager(self, view: PageView<SignalsView>, (filter, _): &Self::Key, page: &SignalsPage) -> Option<AnyView> {
        let on_first = filter.before.is_none();
        let older = page.older_than.map(|id| view.href(|v| v.older_than(id)));
        let count = page.events.len();
        Some(
            view! {
                <CursorPager newest=(!on_first).then(|| view.href(|v| v.newest())) newer=None older
                    position=if on_first { format!("Newest {count} signals") } else { format!("{count} older signals") }/>
            }
            .into_any(),
        )
    }

    fn empty(self, _view: &SignalsView, _key: &Self::Key, _page: &SignalsPage) -> Option<AnyView> {
        Some(
            view! { <p class="empty" role="status">"No signals match. New ones appear here as transmitters push them."</p> }
                .into_any(),
        )
    }
}

/// The gateway's live stream, closed when the page goes.
struct LiveStream {
    source: web_sys::EventSource,
    _on_signal: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_lagged: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_open: Closure<dyn FnMut(web_sys::Event)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl Drop for LiveStream {
    fn drop(&mut self) {
        self.source.close();
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LiveState {
    Connecting,
    Live,
    Reconnecting,
}

/// Opens `/signals/stream`: `arrived` with each new signal's `jti`; `lagged` when some were missed.
fn open_stream(arrived: impl Fn(Option<String>) + 'static, state: RwSignal<LiveState>) -> Option<LiveStream> {
    let source = web_sys::EventSource::new("/signals/stream").ok()?;
    let arrived = std::rc::Rc::new(arrived);
    let on_each = arrived.clone();
    let on_signal = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
        let jti = event
            .data()
            .as_string()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .and_then(|v| v.get("jti").and_then(|j| j.as_str()).map(str::to_string));
        on_each(jti);
    });
    let on_lagged = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_| arrived(None));
    let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| state.set(LiveState::Live));
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| state.set(LiveState::Reconnecting));
    source.add_event_listener_with_callback("signal", on_signal.as_ref().unchecked_ref()).ok()?;
    source.add_event_listener_with_callback("lagged", on_lagged.as_ref().unchecked_ref()).ok()?;
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    Some(LiveStream { source, _on_signal: on_signal, _on_lagged: on_lagged, _on_open: on_open, _on_error: on_error })
}

/// The live stream's state, in words.
#[component]
fn LiveSignals(arrivals: Arrivals, view: PageView<SignalsView>) -> impl IntoView {
    let live = RwSignal::new(LiveState::Connecting);
    let on_arrival = move |jti: Option<String>| {
        if let Some(jti) = jti {
            arrivals.ids.update(|ids| {
                ids.insert(jti);
            });
        }
        // The newest page asks again; an older page keeps what it shows.
        if view.current.get_untracked().is_some_and(|v| v.before.is_none()) {
            arrivals.generation.update(|g| *g += 1);
        }
    };
    let stream = StoredValue::new_local(open_stream(on_arrival, live));
    // Rows of signals that arrived are marked once the table shows them.
    if let Some(shown) = crate::views::shown::ShownRows::use_context() {
        Effect::new(move |_| {
            let rows = shown.all();
            let new: Vec<String> =
                arrivals.ids.with(|ids| rows.iter().filter(|e| ids.contains(&e.id)).map(|e| e.id.clone()).collect());
            if !new.is_empty() {
                highlight(new);
            }
        });
    }
    on_cleanup(move || stream.try_update_value(|s| *s = None).unwrap_or_default());
    let text = move || match live.get() {
        LiveState::Connecting => "Connecting to the live stream…",
        LiveState::Live => "Live: new signals appear at the top as they arrive.",
        LiveState::Reconnecting => "The live stream was interrupted; reconnecting…",
    };
    view! { <p class="live-state" role="status">{text}</p> }
}

#[component]
pub fn SignalsPage() -> impl IntoView {
    let arrivals = Arrivals { generation: RwSignal::new(0), ids: RwSignal::new(HashSet::new()) };
    provide_context(arrivals);
    let page = use_view::<SignalsView>();
    let PageView { current, zone, .. } = page;
    let fields = RwSignal::new(SignalFields::default());
    Effect::new(move |_| {
        if let Some(v) = current.get() {
            fields.set(v.fields());
        }
    });
    let problem = RwSignal::new(None::<String>);
    let navigate = StoredValue::new_local(use_navigate());
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let base = current.get_untracked().unwrap_or_default();
        match base.with_fields(&fields.get_untracked()) {
            Ok(next) => {
                problem.set(None);
                navigate.with_value(|n| n(&next.href(), Default::default()));
            }
            Err(message) => problem.set(Some(message)),
        }
    };
    let input = move |id: &'static str,
                      label: &'static str,
                      hint: &'static str,
                      read: fn(&SignalFields) -> String,
                      write: fn(&mut SignalFields, String)| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input id=id type="text" placeholder=hint prop:value=move || fields.with(read)
                    on:input=move |ev| fields.update(|f| write(f, event_target_value(&ev)))/>
            </div>
        }
    };
    view! {
        <section class="page signals-page">
            <h1>"Security signals"</h1>
            <p class="lede">"Account-security events that transmitters pushed to this gateway (Shared Signals: RISC and CAEP), each verified against the transmitter's published keys. Newest first; open a row for its verified claims."</p>
            <FoldedForm summary=Signal::derive(move || current.get().map(|v| v.describe()))>
            <form class="filter-form" on:submit=apply>
                <div class="field-grid">
                    {input("signals-type", "Event type", "account-disabled", |f| f.event_type.clone(), |f, v| f.event_type = v)}
                    {input("signals-subject", "Subject (e-mail, UUID, sub, phone)", "ann@example.org", |f| f.subject.clone(), |f, v| f.subject = v)}
                    {input("signals-from", "From (UTC)", "2026-12-01T00:00:00Z", |f| f.from.clone(), |f, v| f.from = v)}
                    {input("signals-to", "To (UTC, exclusive)", "2026-12-02T00:00:00Z", |f| f.to.clone(), |f, v| f.to = v)}
                </div>
                <div class="actions">
                    <button type="submit" class="primary">"Apply filters"</button>
                    " " <span class="field-error" role="alert">{move || problem.get()}</span>
                </div>
            </form>
            </FoldedForm>
            {page.url_problem()}
            <div class="view-controls">
                <LiveSignals arrivals view=page/>
                <ZoneSwitch zone href=Callback::new(move |z| page.href(|v| SignalsView { zone: z, ..v }))/>
            </div>
            <RowTools/>
            <SourceSection plan=SignalsListing view=page/>
        </section>
    }
}
