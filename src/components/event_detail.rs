//! One event in full: every normalized field, the data-quality flags in words, the raw vendor
//! JSON, and copy buttons. Used by the detail panel and by `/events/:id`.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::model::detail::{fields, flag_explanations, pretty_raw};
use crate::model::{AuditEvent, Vendor};
use crate::routes::permalink::lookup_href;
use crate::rows::format::Zone;

/// Copies `text` to the clipboard; the button then says whether it worked.
#[component]
pub fn CopyButton(#[prop(into)] label: String, text: Signal<String>) -> impl IntoView {
    let outcome = RwSignal::new(None::<&'static str>);
    let copy = move |_| {
        let value = text.get_untracked();
        leptos::task::spawn_local(async move {
            let done = match web_sys::window().map(|w| w.navigator().clipboard().write_text(&value)) {
                Some(promise) => wasm_bindgen_futures::JsFuture::from(promise).await.is_ok(),
                None => false,
            };
            outcome.try_set(Some(if done { "Copied" } else { "Could not copy: select the text instead" }));
        });
    };
    view! {
        <button type="button" class="copy" on:click=copy>{label}</button>
        <span class="copy-outcome" role="status">{move || outcome.get()}</span>
    }
}

#[component]
pub fn EventDetail(
    event: AuditEvent,
    zone: Zone,
    /// The absolute link that reopens this event, when there is one.
    #[prop(optional, into)]
    permalink: Option<String>,
    /// The IP the view searched for (explains the mismatch flag).
    #[prop(optional, into)]
    searched: Option<String>,
) -> impl IntoView {
    let rows = fields(&event, zone)
        .into_iter()
        .map(|(label, value)| view! { <dt>{label}</dt><dd>{value}</dd> })
        .collect_view();
    let flags = flag_explanations(&event.flags, searched.as_deref());
    let flags_view = if flags.is_empty() {
        view! { <p class="help">"No data-quality flags raised."</p> }.into_any()
    } else {
        view! {
            <ul class="flag-list">
                {flags.into_iter().map(|(name, why)| view! { <li><span class=format!("flag flag-{name}")>{name}</span>" "{why}</li> }).collect_view()}
            </ul>
        }
        .into_any()
    };
    let raw = pretty_raw(&event);
    let raw_for_copy = raw.clone();
    // Only an id ID.me gave can be looked up; the audit log's records carry none.
    let lookup = (event.source == Vendor::Idme).then(|| {
        if event.id_derived {
            view! { <p class="help no-vendor-id">"The ID.me audit log gives no event id, so this record cannot be looked up in the ID.me Events API."</p> }.into_any()
        } else {
            view! { <p><A href=lookup_href(&event.id)>"Look this event up through the ID.me Events API"</A></p> }.into_any()
        }
    });
    // A signal may name the ID.me event behind it (README "Security signals").
    let signal_lookup = (event.source == Vendor::Signals)
        .then(|| crate::providers::signals::event_id_in(&event.raw.value()))
        .flatten()
        .map(|id| {
            view! { <p><A href=lookup_href(&id) attr:class="signal-event-link">{format!("Look up ID.me event {id} through the Events API")}</A></p> }
        });
    let permalink_view = permalink.map(|link| {
        let copied = link.clone();
        view! {
            <div class="permalink">
                <label for="permalink-text">"Permalink"</label>
                <div class="search-row">
                    <input id="permalink-text" type="text" readonly prop:value=link.clone()/>
                    <CopyButton label="Copy permalink" text=Signal::derive(move || copied.clone())/>
                </div>
                <p class="help"><a href=link class="permalink-link">"Open the permalink"</a>" reruns this view and opens this event."</p>
            </div>
        }
    });
    view! {
        <div class="event-detail" data-id=event.id.clone()>
            <dl class="fields">{rows}</dl>
            <h3>"Data-quality flags"</h3>
            {flags_view}
            {permalink_view}
            {lookup}
            {signal_lookup}
            <h3>{format!("Raw {} record", event.source.label())}</h3>
            <CopyButton label="Copy JSON" text=Signal::derive(move || raw_for_copy.clone())/>
            <pre class="raw-json" tabindex="0" aria-label="Raw vendor JSON">{raw}</pre>
        </div>
    }
}
