use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

/// A one-field search form. `target` turns what was typed into the link to open, or into the
/// message shown under the field; nothing is sent until it validates.
#[component]
pub fn SearchForm(
    /// The input's id; the message has id `{id}-error`.
    id: &'static str,
    label: &'static str,
    #[prop(optional)] placeholder: &'static str,
    /// What the field shows; the page may set it (e.g. from the URL).
    value: RwSignal<String>,
    target: fn(&str) -> Result<String, String>,
    /// Told (typed text, link) just before navigating.
    #[prop(optional)]
    on_navigate: Option<Callback<(String, String)>>,
) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    let error_id = format!("{id}-error");
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = value.get_untracked();
        match target(&typed) {
            Ok(href) => {
                error.set(None);
                if let Some(callback) = on_navigate {
                    callback.run((typed.trim().to_string(), href.clone()));
                }
                navigate(&href, Default::default());
            }
            Err(message) => error.set(Some(message)),
        }
    };
    view! {
        <form class="search-form" on:submit=submit novalidate>
            <label for=id>{label}</label>
            <div class="search-row">
                <input
                    id=id
                    type="search"
                    autocomplete="off"
                    spellcheck="false"
                    placeholder=placeholder
                    aria-describedby=error_id.clone()
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                />
                <button type="submit">"Search"</button>
            </div>
            <p id=error_id class="field-error" role="alert">{move || error.get()}</p>
        </form>
    }
}
