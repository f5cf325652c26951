//! Keyboard shortcuts, listed under `?`: `/` focuses the view's search or first filter field,
//! `j`/`k` move between rows (and follow with the detail panel when it is open), `Esc` closes
//! the panel or this list. Keys typed into a field are left alone.

use leptos::ev;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use wasm_bindgen::JsCast;

use crate::components::detail_panel::use_event_href;
use crate::routes::permalink::EVENT_PARAM;

pub const SHORTCUTS: [(&str, &str); 5] = [
    ("/", "Focus the search or the first filter field"),
    ("j", "Next row (opens it when the detail panel is open)"),
    ("k", "Previous row"),
    ("Enter", "Open the focused row's detail"),
    ("Esc", "Close the detail panel or this list"),
];

fn document() -> Option<web_sys::Document> {
    web_sys::window()?.document()
}

fn typing_in_a_field(target: Option<web_sys::EventTarget>) -> bool {
    target.and_then(|t| t.dyn_into::<web_sys::Element>().ok()).is_some_and(|el| {
        matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT") || el.has_attribute("contenteditable")
    })
}

/// The rows of the view, in page order.
fn rows() -> Vec<web_sys::HtmlElement> {
    let Some(list) = document().and_then(|d| d.query_selector_all("main [data-id][tabindex]").ok()) else {
        return Vec::new();
    };
    (0..list.length()).filter_map(|i| list.item(i)?.dyn_into::<web_sys::HtmlElement>().ok()).collect()
}

/// The row `step` away from `anchor` (the open event's row) or else from the focused row; the
/// first row when neither is a row.
fn next_row(step: i32, anchor: Option<&str>) -> Option<web_sys::HtmlElement> {
    let mut rows = rows();
    let here = match anchor {
        Some(id) => rows.iter().position(|r| r.get_attribute("data-id").as_deref() == Some(id)),
        None => {
            let active = document()?.active_element();
            active.and_then(|a| rows.iter().position(|r| r.is_same_node(Some(&a))))
        }
    };
    let next = match here {
        Some(i) => (i as i32 + step).clamp(0, rows.len() as i32 - 1) as usize,
        None => 0,
    };
    (next < rows.len()).then(|| rows.swap_remove(next))
}

fn focus_search() {
    let selector = "main form input[type=search], main form input[type=text], main form select";
    if let Some(input) = document()
        .and_then(|d| d.query_selector(selector).ok().flatten())
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = input.focus();
    }
}

#[component]
pub fn Shortcuts() -> impl IntoView {
    let help = RwSignal::new(false);
    let query = use_query_map();
    let href = use_event_href();
    let navigate = StoredValue::new_local(use_navigate());
    let listener = window_event_listener(ev::keydown, move |e| {
        if e.ctrl_key() || e.meta_key() || e.alt_key() {
            return;
        }
        let key = e.key();
        if key == "Escape" && help.get_untracked() {
            help.set(false);
            return;
        }
        if typing_in_a_field(e.target()) {
            return;
        }
        match key.as_str() {
            "/" => {
                e.prevent_default();
                focus_search();
            }
            "?" => help.update(|h| *h = !*h),
            "j" | "k" => {
                let step = if key == "j" { 1 } else { -1 };
                let open = query.with_untracked(|q| q.get(EVENT_PARAM));
                let Some(row) = next_row(step, open.as_deref()) else { return };
                match (open, row.get_attribute("data-id")) {
                    // With the panel open, the panel follows (and keeps the focus).
                    (Some(_), Some(id)) => {
                        let target = href(Some(&id));
                        let options = leptos_router::NavigateOptions { replace: true, ..Default::default() };
                        navigate.with_value(|n| n(&target, options));
                    }
                    _ => {
                        let _ = row.focus();
                    }
                }
            }
            _ => {}
        }
    });
    on_cleanup(move || listener.remove());
    view! {
        <button type="button" class="shortcuts-button" on:click=move |_| help.update(|h| *h = !*h) aria-expanded=move || help.get().to_string()>
            "Keys ?"
        </button>
        <Show when=move || help.get()>
            <div class="shortcuts-help" role="dialog" aria-label="Keyboard shortcuts">
                <h2>"Keyboard shortcuts"</h2>
                <dl>{SHORTCUTS.iter().map(|(k, what)| view! { <dt><kbd>{*k}</kbd></dt><dd>{*what}</dd> }).collect_view()}</dl>
                <button type="button" on:click=move |_| help.set(false)>"Close"</button>
            </div>
        </Show>
    }
}
