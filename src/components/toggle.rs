use leptos::prelude::*;

/// A labelled checkbox.
#[component]
pub fn Toggle(
    #[prop(into)] id: String,
    label: &'static str,
    checked: Signal<bool>,
    on_change: Callback<bool>,
) -> impl IntoView {
    view! {
        <label class="check">
            <input id=id type="checkbox" prop:checked=checked on:change=move |ev| on_change.run(event_target_checked(&ev))/>
            {label}
        </label>
    }
}
