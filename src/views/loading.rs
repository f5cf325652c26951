//! Keeping a source's rows in step with the view: the render effect that asks the vendor as the
//! page is made and whenever what the view asks of it (or the connection) changes, the
//! connection a request made on demand uses, and how a view makes its rows known to what works
//! across its tables.

use std::future::Future;

use leptos::prelude::*;

use crate::connection::config::Vendor;
use crate::connection::settings::ResolvedConnection;
use crate::connection::state::AppState;
use crate::model::AuditEvent;
use crate::net::fetcher::{Loader, Ticket};
use crate::net::http::FetchFailure;

/// The connection for a provider, tracked. None while `/config.json` loads or when settings are
/// incomplete; then `problem` says why (and is cleared when a connection is found).
fn connection_for(state: AppState, provider: Vendor, problem: RwSignal<Option<String>>) -> Option<ResolvedConnection> {
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

/// Tells the header's indicator how a vendor call went (an abort says nothing).
pub fn record<T>(state: AppState, provider: Vendor, result: &Result<T, FetchFailure>) {
    match result {
        Ok(_) => state.record(provider, Ok(())),
        Err(FetchFailure::Failed(e)) => state.record(provider, Err(e)),
        Err(FetchFailure::Aborted) => {}
    }
}

/// Keeps a source's rows in step with the view: whenever `key_of` (what the view asks of the
/// source, from the URL) or the connection changes, `job` runs for it, unless those rows are
/// already there. `key_of` returning None means the view does not ask this source (rows go).
/// A bump of `retries` asks again.
pub fn load_source<K, T, Fut>(
    loader: Loader<(K, T)>,
    provider: Vendor,
    problem: RwSignal<Option<String>>,
    retries: RwSignal<u32>,
    key_of: impl Fn() -> Option<K> + 'static,
    job: impl Fn(ResolvedConnection, K, Ticket) -> Fut + Copy + 'static,
) where
    K: Clone + PartialEq + Send + Sync + 'static,
    T: Send + Sync + 'static,
    Fut: Future<Output = Result<T, FetchFailure>> + 'static,
{
    let state = crate::connection::state::use_app_state();
    if let Some(shown) = crate::views::shown::ShownRows::use_context() {
        shown.register_loading(loader.loading.into());
    }
    // A render effect's first run is now, while the page is built, not once it is mounted as
    // an effect's: the request the URL asks for goes out before the page's DOM is made, and the
    // first rows of a pasted link arrive sooner. It lives as long as the view (the stored value).
    let effect = RenderEffect::new(move |_| {
        retries.track();
        let Some(key) = key_of() else {
            problem.set(None);
            loader.clear();
            return;
        };
        let Some(connection) = connection_for(state, provider, problem) else { return };
        let loaded = loader.data.with_untracked(|d| d.as_ref().is_some_and(|(k, _)| *k == key));
        if loaded && !loader.loading.get_untracked() {
            return;
        }
        loader.run(false, move |ticket| async move {
            let result = job(connection, key.clone(), ticket).await;
            record(state, provider, &result);
            result.map(|page| (key, page))
        });
    });
    StoredValue::new_local(effect);
}

/// A provider's connection for a request made on demand ("Load more", live tail).
pub fn connection_now(state: AppState, provider: Vendor) -> Result<ResolvedConnection, FetchFailure> {
    state.connection(provider).ok().flatten().ok_or_else(|| {
        FetchFailure::Failed(crate::providers::ApiError::Network {
            detail: format!("the {} connection is not set up (Settings)", provider.label()),
        })
    })
}

/// Lets the detail panel and the tools over loaded rows see these rows (and the requests that
/// answered them) while the caller lives.
pub fn register_rows(rows: Signal<Vec<AuditEvent>>, requests: Signal<Vec<String>>) {
    if let Some(shown) = crate::views::shown::ShownRows::use_context() {
        shown.register_rows(rows, requests);
    }
}
