//! The app shell: header with navigation and the connection indicator, and the routes.

use leptos::prelude::*;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;

use crate::components::connection_indicator::ConnectionIndicator;
use crate::components::detail_panel::DetailPanel;
use crate::components::shortcuts::Shortcuts;
use crate::components::theme::ThemeSwitch;
use crate::pages::event_lookup::EventLookupPage;
use crate::pages::home::HomePage;
use crate::pages::identity_events::IdentityEventsPage;
use crate::pages::ip_search::IpSearchPage;
use crate::pages::not_found::NotFoundPage;
use crate::pages::settings::SettingsPage;
use crate::pages::severity::SeverityPage;
use crate::pages::user_timeline::UserTimelinePage;
use crate::pages::verify::VerifyPage;
use crate::shown::ShownRows;
use crate::state::AppState;

#[component]
pub fn App() -> impl IntoView {
    provide_context(AppState::start());
    ShownRows::provide();
    view! {
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <header class="app-header">
                <A href="/" attr:class="brand">"Auditdeck"</A>
                <nav class="app-nav" aria-label="Main">
                    <A href="/" exact=true>"Home"</A>
                    <A href="/ip">"IP search"</A>
                    <A href="/users">"Users"</A>
                    <A href="/identity-events">"Identity events"</A>
                    <A href="/severity">"Severity"</A>
                    <A href="/settings">"Settings"</A>
                </nav>
                <ConnectionIndicator/>
                <span class="header-tools"><ThemeSwitch/><Shortcuts/></span>
            </header>
            <main id="main" tabindex="-1">
                <Routes fallback=|| view! { <NotFoundPage/> }>
                    <Route path=path!("/") view=HomePage/>
                    <Route path=path!("/ip") view=IpSearchPage/>
                    <Route path=path!("/ip/:ip") view=IpSearchPage/>
                    <Route path=path!("/users") view=UserTimelinePage/>
                    <Route path=path!("/users/:uuid") view=UserTimelinePage/>
                    <Route path=path!("/identity-events") view=IdentityEventsPage/>
                    <Route path=path!("/severity") view=SeverityPage/>
                    <Route path=path!("/events/:id") view=EventLookupPage/>
                    <Route path=path!("/settings") view=SettingsPage/>
                    <Route path=path!("/verify") view=VerifyPage/>
                </Routes>
            </main>
            <DetailPanel/>
        </Router>
    }
}
