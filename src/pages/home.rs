//! `/`: one search box that opens the right view, and this browser's recent searches.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::search_form::SearchForm;
use crate::routes::home::{RecentSearch, home_search_target, remember};

#[component]
pub fn HomePage() -> impl IntoView {
    let recent = RwSignal::new(crate::connection::storage::recent_searches());
    let on_navigate = Callback::new(move |(text, href): (String, String)| {
        let updated = remember(recent.get_untracked(), RecentSearch { text, href });
        crate::connection::storage::save_recent_searches(&updated);
        recent.set(updated);
    });
    let recent_view = move || {
        let list = recent.get();
        (!list.is_empty()).then(|| {
            view! {
                <section class="recent" aria-labelledby="recent-heading">
                    <h2 id="recent-heading">"Recent searches in this browser"</h2>
                    <ul class="recent-searches">
                        {list.into_iter().map(|r| view! { <li><A href=r.href.clone()>{r.text.clone()}</A></li> }).collect_view()}
                    </ul>
                    <button type="button" class="link-button" on:click=move |_| {
                        crate::connection::storage::save_recent_searches(&[]);
                        recent.set(Vec::new());
                    }>"Forget recent searches"</button>
                </section>
            }
        })
    };
    view! {
        <section class="page home">
            <h1>"Identity audit events"</h1>
            <p class="lede">"Who did what, from where, and when, across ID.me, Standfast and Iden."</p>
            <SearchForm
                id="home-search"
                label="Search an IP address, a user UUID, an event type, or severity:high"
                placeholder="152.133.18.33 · ac28b80d-7ac1-4b0d-b51b-5bef6281f3c2 · session.login.failed · severity:high · event:<id>"
                value=RwSignal::new(String::new())
                target=home_search_target
                on_navigate
            />
            <p class="examples">
                "Examples: " <A href="/ip/152.133.18.33">"152.133.18.33"</A>
                " (a shared gateway address from ID.me's documentation, busy in the sandbox) · "
                <A href="/severity?severity=critical,high">"critical and high Iden events"</A> " · "
                <A href="/identity-events?types=risk_signal_raised">"Standfast risk signals"</A>
            </p>
            {recent_view}
        </section>
    }
}
