//! A view's filter form folded to one line, the filters in force and an Edit button, so that a
//! view opened from a link (or after Apply) has its rows on the first screen. Edit unfolds the
//! form and puts the focus in its first field; a new view in force folds it again.

use leptos::html::Div;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

#[component]
pub fn FoldedForm(
    /// The filters in force, in words; None (no view in force, or a URL that does not parse)
    /// shows the form itself.
    summary: Signal<Option<String>>,
    children: ChildrenFn,
) -> impl IntoView {
    let editing = RwSignal::new(false);
    let holder = NodeRef::<Div>::new();
    // Following a link or applying filters brings a new summary: the form folds again.
    Effect::new(move |previous: Option<Option<String>>| {
        let now = summary.get();
        if previous.is_some_and(|p| p != now) {
            editing.set(false);
        }
        now
    });
    let edit = move |_| {
        editing.set(true);
        request_animation_frame(move || {
            let first = holder
                .get_untracked()
                .and_then(|h| h.query_selector("input, select, textarea").ok().flatten())
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
            if let Some(first) = first {
                let _ = first.focus();
            }
        });
    };
    let folded = move || !editing.get() && summary.with(Option::is_some);
    view! {
        <div class="folded-form" node_ref=holder>
            <Show when=folded fallback=move || children()>
                <div class="filter-summary" role="group" aria-label="Filters in force">
                    <span class="filter-summary-label">"Filters: "</span>
                    <span class="filter-summary-text">{move || summary.get().unwrap_or_default()}</span>
                    <button type="button" class="edit-filters" aria-expanded="false" on:click=edit>"Edit filters"</button>
                </div>
            </Show>
        </div>
    }
}
