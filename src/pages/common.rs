//! What every view page does the same way: read its state from the URL, find a provider's
//! connection (or say why there is none), show the settings problem.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::config::Provider;
use crate::settings::ResolvedConnection;
use crate::state::AppState;

/// A getter over the current URL's query, for the `routes::*_from_url` functions.
pub fn query_getter() -> impl Fn(&str) -> Option<String> + Copy + 'static {
    let query = use_query_map();
    move |key: &str| query.read().get(key)
}

/// The connection for a provider, tracked. None while `/config.json` loads or when settings are
/// incomplete; then `problem` says why (and is cleared when a connection is found).
pub fn connection_for(
    state: AppState,
    provider: Provider,
    problem: RwSignal<Option<String>>,
) -> Option<ResolvedConnection> {
    match state.connection(provider) {
        Ok(Some(connection)) => {
            problem.set(None);
            Some(connection)
        }
        Ok(None) => None,
        Err(message) => {
            problem.set(Some(format!("{}: {message}", provider.title())));
            None
        }
    }
}

/// "Settings are incomplete" with a link to fix them.
pub fn settings_problem_view(problem: RwSignal<Option<String>>) -> impl IntoView {
    move || {
        problem.get().map(|message| {
            view! {
                <div class="notice settings-needed" role="alert">
                    {message} " " <A href="/settings">"Open Settings"</A>
                </div>
            }
        })
    }
}

/// A count of records that could not be read, when there are any.
pub fn unreadable_notice(count: usize) -> Option<impl IntoView> {
    (count > 0).then(|| {
        let message = format!("{count} record(s) on this page could not be read and are not shown.");
        view! { <crate::components::error_box::Notice message=message kind="unreadable"/> }
    })
}

/// Tells the header's indicator how a vendor call went (an abort says nothing).
pub fn record<T>(state: AppState, provider: Provider, result: &Result<T, crate::http::FetchFailure>) {
    match result {
        Ok(_) => state.record(provider, Ok(())),
        Err(crate::http::FetchFailure::Failed(e)) => state.record(provider, Err(e)),
        Err(crate::http::FetchFailure::Aborted) => {}
    }
}
