//! `/signals`: the security signals transmitters pushed to the gateway (SSF: RISC and CAEP
//! events), newest first. The filters and page are in the URL (`routes::signals`); the gateway
//! answers `/signals.json` and streams each new signal over Server-Sent Events
//! (`/signals/stream`), so a signal shows within moments, highlighted, with no reload and no
//! polling. Each row leads to the person's timeline and, when the signal names one, to the ID.me
//! event in the Events API.

use std::collections::HashSet;

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use serde::Deserialize;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::connection::gateway::{ask, get};
use crate::model::severity::signal_severity;
use crate::routes::permalink::lookup_href;
use crate::routes::query::Uuid;
use crate::routes::signals::{SignalFields, SignalsView};
use crate::rows::format::utc_millis_text;

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Signal {
    pub id: i64,
    pub receiver: String,
    pub issuer: String,
    pub jti: String,
    pub event_types: Vec<String>,
    #[serde(default)]
    pub subjects: Vec<serde_json::Value>,
    pub event_at_ms: i64,
    pub received_at_ms: i64,
    pub event_id: Option<String>,
    #[serde(default)]
    pub claims: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Page {
    signals: Vec<Signal>,
    more: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Loaded {
    Loading,
    Failed(String),
    Page(Page),
}

async fn load(url: String) -> Loaded {
    match ask(get(url)).await {
        Ok(body) => match serde_json::from_str::<Page>(&body) {
            Ok(page) => Loaded::Page(page),
            Err(e) => Loaded::Failed(format!("The gateway's answer could not be read: {e}")),
        },
        Err(message) => Loaded::Failed(format!("Signals could not be loaded: {message}")),
    }
}

/// The last segment of an event type URI (`account-disabled`), as the table shows it.
fn short_type(uri: &str) -> &str {
    uri.trim_end_matches('/').rsplit('/').next().unwrap_or(uri)
}

/// One subject identifier as text: its format, then its values.
fn subject_text(subject: &serde_json::Value) -> String {
    let format = subject.get("format").and_then(|f| f.as_str()).unwrap_or("subject");
    let values: Vec<String> = match subject.as_object() {
        Some(members) => members
            .iter()
            .filter(|(name, _)| *name != "format" && *name != "iss")
            .map(|(_, v)| match v.as_str() {
                Some(text) => text.to_string(),
                None => v.to_string(),
            })
            .collect(),
        None => vec![subject.to_string()],
    };
    format!("{format}: {}", values.join(", "))
}

/// The person a subject names, when it names one by UUID (the sandbox's and ID.me's users).
fn person(subject: &serde_json::Value) -> Option<Uuid> {
    ["sub", "id"]
        .iter()
        .find_map(|member| subject.get(*member).and_then(|v| v.as_str()))
        .and_then(|s| Uuid::parse(s).ok())
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

/// Opens `/signals/stream`: `arrived` for each new signal's id, `lagged` when some were missed.
fn open_stream(
    arrived: impl Fn(i64) + 'static,
    lagged: impl Fn() + 'static,
    state: RwSignal<LiveState>,
) -> Option<LiveStream> {
    let source = web_sys::EventSource::new("/signals/stream").ok()?;
    let on_signal = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
        let id = event
            .data()
            .as_string()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .and_then(|v| v.get("id").and_then(|id| id.as_i64()));
        if let Some(id) = id {
            arrived(id);
        }
    });
    let on_lagged = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_| lagged());
    let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| state.set(LiveState::Live));
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| state.set(LiveState::Reconnecting));
    source.add_event_listener_with_callback("signal", on_signal.as_ref().unchecked_ref()).ok()?;
    source.add_event_listener_with_callback("lagged", on_lagged.as_ref().unchecked_ref()).ok()?;
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    Some(LiveStream { source, _on_signal: on_signal, _on_lagged: on_lagged, _on_open: on_open, _on_error: on_error })
}

#[component]
fn SignalRow(signal: Signal, new: bool) -> impl IntoView {
    let severity = signal.event_types.iter().map(|t| signal_severity(t)).min().unwrap_or(crate::model::Severity::Info);
    let types = signal
        .event_types
        .iter()
        .map(|t| view! { <span class="signal-type" title=t.clone()>{short_type(t).to_string()}</span> })
        .collect_view();
    let subjects = signal
        .subjects
        .iter()
        .map(|s| {
            let text = subject_text(s);
            let timeline = person(s).map(|uuid| {
                let href = format!("/users/{}", uuid.as_str());
                view! { " " <a class="signal-timeline" href=href>"Timeline"</a> }
            });
            let filter = SignalsView::about(&text.split_once(": ").map(|(_, v)| v.to_string()).unwrap_or_default());
            view! { <div class="signal-subject"><a href=filter.href()>{text}</a>{timeline}</div> }
        })
        .collect_view();
    let event_link = signal
        .event_id
        .clone()
        .map(|id| view! { <a class="signal-event-link" href=lookup_href(&id)>{format!("ID.me event {id}")}</a> });
    let claims = serde_json::to_string_pretty(&signal.claims).unwrap_or_default();
    let class = if new { "signal-row signal-new" } else { "signal-row" };
    view! {
        <tr class=class data-id=signal.id.to_string()>
            <td class="time">{utc_millis_text(signal.received_at_ms)}</td>
            <td class="time">{utc_millis_text(signal.event_at_ms)}</td>
            <td class="signal-types">{types}</td>
            <td class=format!("severity severity-{}", severity.as_str())>{severity.as_str()}</td>
            <td class="signal-subjects">{subjects}</td>
            <td class="signal-links">{event_link}</td>
            <td class="signal-claims">
                <details>
                    <summary>"Claims"</summary>
                    <p class="signal-origin">{format!("{} · jti {} · receiver {}", signal.issuer, signal.jti, signal.receiver)}</p>
                    <pre>{claims}</pre>
                </details>
            </td>
        </tr>
    }
}

#[component]
pub fn SignalsPage() -> impl IntoView {
    let query = use_query_map();
    let view = Memo::new(move |_| query.with(|q| SignalsView::from_query(|k| q.get(k))));
    let loaded = RwSignal::new(Loaded::Loading);
    // Signals that arrived while the page was open: highlighted.
    let arrived = RwSignal::new(HashSet::<i64>::new());
    let live = RwSignal::new(LiveState::Connecting);
    let reload = move |showing_loading: bool| {
        let Ok(current) = view.get_untracked() else { return };
        if showing_loading {
            loaded.set(Loaded::Loading);
        }
        leptos::task::spawn_local(async move {
            let result = load(current.json_url()).await;
            // Only the answer for the view still shown.
            if view.get_untracked().as_ref() == Ok(&current) {
                loaded.try_set(result);
            }
        });
    };
    Effect::new(move |_| {
        if view.get().is_ok() {
            reload(true);
        }
    });
    let stream = StoredValue::new_local(None::<LiveStream>);
    Effect::new(move |_| {
        let on_arrival = move |id: i64| {
            arrived.update(|ids| {
                ids.insert(id);
            });
            // The newest page shows it; an older page keeps what it shows.
            if view.get_untracked().is_ok_and(|v| v.before.is_none()) {
                reload(false);
            }
        };
        stream.set_value(open_stream(on_arrival, move || reload(false), live));
    });
    on_cleanup(move || stream.try_update_value(|s| *s = None).unwrap_or_default());

    let fields = RwSignal::new(view.get_untracked().map(|v| v.fields()).unwrap_or_default());
    Effect::new(move |_| {
        if let Ok(v) = view.get() {
            fields.set(v.fields());
        }
    });
    let problem = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match SignalsView::from_fields(&fields.get_untracked()) {
            Ok(next) => {
                problem.set(None);
                navigate(&next.href(), Default::default());
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
    let live_text = move || match live.get() {
        LiveState::Connecting => "Connecting to the live stream…",
        LiveState::Live => "Live: new signals appear here as they arrive.",
        LiveState::Reconnecting => "The live stream was interrupted; reconnecting…",
    };
    let body = move || {
        match (view.get(), loaded.get()) {
        (Err(message), _) => view! { <p class="error-box" role="alert">{message}</p> }.into_any(),
        (Ok(_), Loaded::Loading) => view! { <p class="loading" role="status">"Loading signals…"</p> }.into_any(),
        (Ok(_), Loaded::Failed(message)) => view! { <p class="error-box" role="alert">{message}</p> }.into_any(),
        (Ok(_), Loaded::Page(page)) if page.signals.is_empty() => view! {
            <p class="empty-state" role="status">"No signals match. New ones will appear here as transmitters push them."</p>
        }
        .into_any(),
        (Ok(current), Loaded::Page(page)) => {
            let newer = current.before.map(|_| current.newest().href());
            let older = page.more.then(|| page.signals.last().map(|s| current.older_than(s.id).href())).flatten();
            let new_ids = arrived.get();
            let count = page.signals.len();
            let rows = page
                .signals
                .into_iter()
                .map(|signal| {
                    let new = new_ids.contains(&signal.id);
                    view! { <SignalRow signal new/> }
                })
                .collect_view();
            view! {
                <nav class="pager" aria-label="Pages">
                    {newer.map(|href| view! { <a class="pager-previous" href=href>"Newest"</a> })}
                    {older.map(|href| view! { <a class="pager-next" href=href>"Older"</a> })}
                </nav>
                <table class="signals-table">
                    <caption class="visually-hidden">{format!("{count} security signals, newest first")}</caption>
                    <thead><tr>
                        <th scope="col">"Received"</th><th scope="col">"Event time"</th><th scope="col">"Event"</th>
                        <th scope="col">"Severity"</th><th scope="col">"Subject"</th><th scope="col">"Events API"</th>
                        <th scope="col">"Detail"</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            }
            .into_any()
        }
    }
    };
    view! {
        <section class="page signals-page">
            <h1>"Security signals"</h1>
            <p class="lede">"Account-security events that transmitters pushed to this gateway (Shared Signals: RISC and CAEP), each verified against the transmitter's published keys. Newest first."</p>
            <form class="search-form" on:submit=apply>
                <div class="field-grid">
                    {input("signals-type", "Event type", "account-disabled", |f| f.event_type.clone(), |f, v| f.event_type = v)}
                    {input("signals-subject", "Subject (e-mail, UUID, sub, phone)", "ann@example.org", |f| f.subject.clone(), |f, v| f.subject = v)}
                    {input("signals-from", "From (UTC)", "2026-12-01T00:00:00Z", |f| f.from.clone(), |f, v| f.from = v)}
                    {input("signals-to", "To (UTC, exclusive)", "2026-12-02T00:00:00Z", |f| f.to.clone(), |f, v| f.to = v)}
                </div>
                <button type="submit" class="primary">"Apply filters"</button>
                <span class="field-error" role="alert">{move || problem.get()}</span>
            </form>
            <p class="live-state" role="status">{live_text}</p>
            {body}
        </section>
    }
}
