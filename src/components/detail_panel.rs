//! The detail panel over every view: `event=<id>` in the URL opens it with that event (found
//! among the rows the view shows), so a permalink reopens the view with the event open. Rows
//! open it by click or Enter; Esc or "Close" closes it and gives focus back to the row.

use leptos::ev;
use leptos::html;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use wasm_bindgen::JsCast;

use crate::components::event_detail::EventDetail;
use crate::routes::permalink::{EVENT_PARAM, with_event};
use crate::views::current::CurrentView;
use crate::views::shown::ShownRows;

/// The current view's URL with `id` as the open event (None: no event open).
pub fn use_event_href() -> impl Fn(Option<&str>) -> String + Copy + 'static {
    let location = use_location();
    move |id| {
        let path = location.pathname.get();
        location.query.with(|q| with_event(&path, q.into_iter().map(|(k, v)| (k.as_ref(), v)), id))
    }
}

/// The id of the row an event happened in, unless it happened on a link or control of its own.
fn row_id(target: Option<web_sys::EventTarget>) -> Option<String> {
    let element: web_sys::Element = target?.dyn_into().ok()?;
    if element.closest("a, button, input, select, textarea, summary").ok().flatten().is_some() {
        return None;
    }
    element.closest("[data-id]").ok()??.get_attribute("data-id")
}

/// Click and Enter handlers for a table body (or list) whose rows carry `data-id`.
pub fn row_openers() -> (impl Fn(ev::MouseEvent) + Copy + 'static, impl Fn(ev::KeyboardEvent) + Copy + 'static) {
    let href = use_event_href();
    let navigate = StoredValue::new_local(use_navigate());
    let open = move |id: String| navigate.with_value(|n| n(&href(Some(&id)), Default::default()));
    let on_click = move |e: ev::MouseEvent| {
        if let Some(id) = row_id(e.target()) {
            open(id);
        }
    };
    let on_key = move |e: ev::KeyboardEvent| {
        let on_row = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| el.has_attribute("data-id"));
        if e.key() == "Enter"
            && on_row
            && let Some(id) = row_id(e.target())
        {
            e.prevent_default();
            open(id);
        }
    };
    (on_click, on_key)
}

/// The view's row of an event, if it is drawn.
pub fn row_element(id: &str) -> Option<web_sys::HtmlElement> {
    let document = web_sys::window()?.document()?;
    let selector = format!("[data-id=\"{}\"][tabindex]", id.replace('\\', "\\\\").replace('"', "\\\""));
    document.query_selector(&selector).ok().flatten()?.dyn_into().ok()
}

fn focus_row(id: &str) {
    if let Some(row) = row_element(id) {
        let _ = row.focus();
    }
}

#[component]
pub fn DetailPanel() -> impl IntoView {
    let Some(shown) = ShownRows::use_context() else { return ().into_any() };
    let query = use_query_map();
    let view = CurrentView::use_context();
    // What the view searched for (an IP search's IP), which explains the mismatch flag.
    let searched = Memo::new(move |_| view.and_then(|v| v.basics().searched));
    let open_id = Memo::new(move |_| query.read().get(EVENT_PARAM).filter(|id| !id.is_empty()));
    let zone = Memo::new(move |_| view.map(|v| v.basics().zone).unwrap_or_default());
    let href = use_event_href();
    let navigate = StoredValue::new_local(use_navigate());
    let close = move || {
        if let Some(id) = open_id.get_untracked() {
            navigate.with_value(|n| n(&href(None), Default::default()));
            focus_row(&id);
        }
    };
    let esc = window_event_listener(ev::keydown, move |e| {
        if e.key() == "Escape" && open_id.get_untracked().is_some() {
            close();
        }
    });
    on_cleanup(move || esc.remove());

    let heading = NodeRef::<html::H2>::new();
    // Focus moves to the panel when it opens on another event.
    Effect::new(move |previous: Option<Option<String>>| {
        let id = open_id.get();
        if id.is_some()
            && id != previous.flatten()
            && let Some(h) = heading.get()
        {
            let _ = h.focus();
        }
        id
    });
    let found = Memo::new(move |_| open_id.get().map(|id| (shown.find(&id), id)));
    let body = move || {
        let (event, id) = found.get()?;
        Some(match event {
            Some(event) => {
                let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
                let permalink = format!("{origin}{}", href(Some(&id)));
                view! { <EventDetail event zone=zone.get() permalink searched=searched.get().unwrap_or_default()/> }.into_any()
            }
            None if shown.busy() => {
                view! { <p class="loading" role="status">{format!("Looking for event {id} in this view's results…")}</p> }.into_any()
            }
            None => view! {
                <p class="notice not-in-results" role="status">
                    {format!("Event {id} is not in this view's results any more: it may have been erased, be past \
                        the vendor's retention, or the data changed since the link was made.")}
                </p>
            }
            .into_any(),
        })
    };
    let title = move || {
        found.get().map(|(e, id)| match e {
            Some(e) => format!("{} · {}", e.event_type, e.occurred.in_zone(zone.get())),
            None => format!("Event {id}"),
        })
    };
    view! {
        <Show when=move || open_id.get().is_some()>
            <aside class="detail-panel" aria-labelledby="detail-heading">
                <div class="detail-head">
                    <h2 id="detail-heading" tabindex="-1" node_ref=heading>{title}</h2>
                    <a href=move || href(None) class="close-panel" aria-label="Close the event detail (Esc)">"Close ✕"</a>
                </div>
                {body}
            </aside>
        </Show>
    }
    .into_any()
}
