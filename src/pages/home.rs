use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use crate::routes::home_search_target;

#[component]
pub fn HomePage() -> impl IntoView {
    let typed = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match home_search_target(&typed.get_untracked()) {
            Ok(href) => {
                error.set(None);
                navigate(&href, Default::default());
            }
            Err(message) => error.set(Some(message)),
        }
    };
    view! {
        <section class="page home">
            <h1>"Identity audit events"</h1>
            <p class="lede">"Who did what, from where, and when: search ID.me's event and audit log."</p>
            <form class="search-form" on:submit=submit novalidate>
                <label for="home-search">"Search by IP address"</label>
                <div class="search-row">
                    <input
                        id="home-search"
                        type="search"
                        autocomplete="off"
                        spellcheck="false"
                        placeholder="152.133.18.33 or 2001:db8::1"
                        aria-describedby="home-search-error"
                        prop:value=move || typed.get()
                        on:input=move |ev| typed.set(event_target_value(&ev))
                    />
                    <button type="submit">"Search"</button>
                </div>
                <p id="home-search-error" class="field-error" role="alert">{move || error.get()}</p>
            </form>
            <p class="examples">
                "Example: " <A href="/ip/152.133.18.33">"152.133.18.33"</A>
                ", a shared gateway address from ID.me's documentation, busy in the sandbox."
            </p>
        </section>
    }
}
