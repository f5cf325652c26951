use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::search_form::SearchForm;
use crate::routes::home_search_target;

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <section class="page home">
            <h1>"Identity audit events"</h1>
            <p class="lede">"Who did what, from where, and when: search ID.me's event and audit log."</p>
            <SearchForm
                id="home-search"
                label="Search by IP address"
                placeholder="152.133.18.33 or 2001:db8::1"
                value=RwSignal::new(String::new())
                target=home_search_target
            />
            <p class="examples">
                "Example: " <A href="/ip/152.133.18.33">"152.133.18.33"</A>
                ", a shared gateway address from ID.me's documentation, busy in the sandbox."
            </p>
        </section>
    }
}
