//! `/events/:id`: one ID.me event looked up through the Events API (NOTES.md's path, or the
//! connection's template, with the bearer token), shown in full.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::error_box::settings_problem_view;
use crate::components::event_detail::EventDetail;
use crate::components::load_status::LoadStatus;
use crate::connection::config::Vendor;
use crate::model::AuditEvent;
use crate::net::fetcher::Loader;
use crate::routes::permalink::EventLookup;
use crate::views::current::use_view;
use crate::views::loading::load_source;
use crate::views::sources::idme_event;

#[component]
pub fn EventLookupPage() -> impl IntoView {
    let page = use_view::<EventLookup>();
    let id = Memo::new(move |_| page.current.get().map(|v| v.id));
    let zone = page.zone;
    let loader = Loader::<(String, AuditEvent)>::new();
    let problem = RwSignal::new(None::<String>);
    let retries = RwSignal::new(0u32);
    load_source(
        loader,
        Vendor::Idme,
        problem,
        retries,
        move || id.get(),
        |connection, id, ticket| async move { idme_event(&connection, &id, &ticket).await },
    );
    let found = move || {
        let wanted = id.get()?;
        loader.data.with(|d| {
            let (_, event) = d.as_ref().filter(|(asked, _)| *asked == wanted)?;
            let permalink = web_sys::window().and_then(|w| w.location().href().ok());
            Some(view! { <EventDetail event=event.clone() zone=zone.get() permalink=permalink.unwrap_or_default()/> })
        })
    };
    view! {
        <section class="page event-lookup">
            <h1>{move || format!("Event {}", id.get().unwrap_or_default())}</h1>
            <p class="help">
                "Looked up through the ID.me Events API: " <code>"GET {base}/api/v1/events/{id}"</code>
                " with a bearer token (the path template can be changed in " <A href="/settings">"Settings"</A> ")."
            </p>
            {settings_problem_view(problem)}
            <LoadStatus what="ID.me Events API" loading=loader.loading waiting=loader.waiting failure=loader.failure
                on_retry=Callback::new(move |_| retries.update(|n| *n += 1))/>
            {found}
        </section>
    }
}
