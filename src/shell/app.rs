//! The app shell: header with navigation and the connection indicator, and the routes.

use leptos::prelude::*;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::{Lazy, path};

use crate::components::connection_indicator::ConnectionIndicator;
use crate::components::shortcuts::Shortcuts;
use crate::components::signed_in::{NotAllowed, SignedInAs};
use crate::components::theme::ThemeSwitch;
use crate::connection::state::{AppState, ConfigState};
use crate::pages::home::HomePage;
use crate::pages::not_found::NotFoundPage;
use crate::shell::lazy::{
    AccessLogRoute, EventLookupRoute, IdentityEventsRoute, IpSearchRoute, LazyDetailPanel, SettingsRoute,
    SeverityRoute, SignalsRoute, UserTimelineRoute, VerifyRoute,
};
use crate::views::current::CurrentView;
use crate::views::shown::ShownRows;

#[component]
pub fn App() -> impl IntoView {
    let state = AppState::start();
    provide_context(state);
    let is_admin = move || state.config.with(|c| c.user().is_some_and(|u| u.admin));
    let has_signals = move || state.config.with(|c| c.signals());
    let nothing_allowed =
        move || state.config.with(|c| matches!(c, ConfigState::Loaded(config) if config.nothing_allowed()));
    ShownRows::provide();
    CurrentView::provide();
    // True from a click until the new view is shown: the first visit to a route fetches its code.
    let (is_routing, set_is_routing) = signal(false);
    view! {
        <Router set_is_routing>
            <Show when=move || is_routing.get()>
                <div class="routing-progress" role="progressbar" aria-label="Loading the view"></div>
            </Show>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <header class="app-header">
                <A href="/" attr:class="brand">"Auditdeck"</A>
                <nav class="app-nav" aria-label="Main">
                    <A href="/" exact=true>"Home"</A>
                    <A href="/ip">"IP search"</A>
                    <A href="/users">"Users"</A>
                    <A href="/identity-events">"Identity events"</A>
                    <A href="/severity">"Severity"</A>
                    <Show when=has_signals>
                        <A href="/signals">"Signals"</A>
                    </Show>
                    <A href="/settings">"Settings"</A>
                    <Show when=is_admin>
                        <A href="/admin/access">"Access log"</A>
                    </Show>
                </nav>
                <ConnectionIndicator/>
                <span class="header-tools"><SignedInAs/><ThemeSwitch/><Shortcuts/></span>
            </header>
            <main id="main" tabindex="-1" aria-busy=move || is_routing.get().to_string()>
                <Show when=move || !nothing_allowed() fallback=|| view! { <NotAllowed/> }>
                <Routes fallback=|| view! { <NotFoundPage/> }>
                    <Route path=path!("/") view=HomePage/>
                    <Route path=path!("/ip") view={Lazy::<IpSearchRoute>::new()}/>
                    <Route path=path!("/ip/:ip") view={Lazy::<IpSearchRoute>::new()}/>
                    <Route path=path!("/users") view={Lazy::<UserTimelineRoute>::new()}/>
                    <Route path=path!("/users/:uuid") view={Lazy::<UserTimelineRoute>::new()}/>
                    <Route path=path!("/identity-events") view={Lazy::<IdentityEventsRoute>::new()}/>
                    <Route path=path!("/severity") view={Lazy::<SeverityRoute>::new()}/>
                    <Route path=path!("/events/:id") view={Lazy::<EventLookupRoute>::new()}/>
                    <Route path=path!("/settings") view={Lazy::<SettingsRoute>::new()}/>
                    <Route path=path!("/verify") view={Lazy::<VerifyRoute>::new()}/>
                    <Route path=path!("/signals") view={Lazy::<SignalsRoute>::new()}/>
                    <Route path=path!("/admin/access") view={Lazy::<AccessLogRoute>::new()}/>
                </Routes>
                </Show>
            </main>
            <LazyDetailPanel/>
        </Router>
    }
}
