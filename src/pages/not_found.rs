use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <section class="page not-found">
            <h1>"Page not found"</h1>
            <p>"Nothing lives at this address. " <A href="/">"Go to the start page"</A> "."</p>
        </section>
    }
}
