//! What every view page does the same way: read its state from the URL, find a provider's
//! connection (or say why there is none), show the settings problem.

use std::future::Future;

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::load_more::{MorePage, NextPage};
use crate::config::Provider;
use crate::fetcher::{Loader, Ticket};
use crate::http::FetchFailure;
use crate::model::AuditEvent;
use crate::settings::ResolvedConnection;
use crate::state::AppState;

/// The connection for a provider, tracked. None while `/config.json` loads or when settings are
/// incomplete; then `problem` says why (and is cleared when a connection is found).
fn connection_for(
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
        let message = format!(
            "{count} record(s) on this page could not be read (fields missing, null or of the wrong type) and are not shown."
        );
        view! { <crate::components::error_box::Notice message=message kind="unreadable"/> }
    })
}

/// Tells the header's indicator how a vendor call went (an abort says nothing).
fn record<T>(state: AppState, provider: Provider, result: &Result<T, crate::http::FetchFailure>) {
    match result {
        Ok(_) => state.record(provider, Ok(())),
        Err(crate::http::FetchFailure::Failed(e)) => state.record(provider, Err(e)),
        Err(crate::http::FetchFailure::Aborted) => {}
    }
}

/// Keeps a source's rows in step with the view: whenever `key_of` (what the view asks of the
/// source, from the URL) or the connection changes, `job` runs for it, unless those rows are
/// already there. `key_of` returning None means the view does not ask this source (rows go).
/// A bump of `retries` asks again.
pub fn load_source<K, T, Fut>(
    loader: Loader<(K, T)>,
    provider: Provider,
    problem: RwSignal<Option<String>>,
    retries: RwSignal<u32>,
    key_of: impl Fn() -> Option<K> + 'static,
    job: impl Fn(ResolvedConnection, K, Ticket) -> Fut + Copy + 'static,
) where
    K: Clone + PartialEq + Send + Sync + 'static,
    T: Send + Sync + 'static,
    Fut: Future<Output = Result<T, FetchFailure>> + 'static,
{
    let state = crate::state::use_app_state();
    if let Some(shown) = crate::shown::ShownRows::use_context() {
        shown.register_loading(loader.loading.into());
    }
    Effect::new(move |_| {
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
}

/// Lets the detail panel and the tools over loaded rows see these rows (and the requests that
/// answered them) while the caller lives.
pub fn register_rows(rows: Signal<Vec<AuditEvent>>, requests: Signal<Vec<String>>) {
    if let Some(shown) = crate::shown::ShownRows::use_context() {
        shown.register_rows(rows, requests);
    }
}

/// The request behind a loader's page, as a list (empty before the first answer).
pub fn requests_of<K: Send + Sync + 'static, T: Send + Sync + 'static>(
    loader: Loader<(K, T)>,
    request: fn(&T) -> &String,
) -> Signal<Vec<String>> {
    Signal::derive(move || {
        loader.data.with(|d| d.as_ref().map(|(_, page)| vec![request(page).clone()]).unwrap_or_default())
    })
}

/// Whether to show the table's placeholder: the first answer is on its way (not once it failed).
pub fn first_load<T: Send + Sync + 'static>(loader: Loader<T>) -> bool {
    loader.loading.get() && loader.failure.get().is_none() && loader.data.with(Option::is_none)
}

/// The events of a loaded page, or none.
pub fn rows_of<K: Send + Sync + 'static, T: Send + Sync + 'static>(
    loader: Loader<(K, T)>,
    events: fn(&T) -> &Vec<AuditEvent>,
) -> Signal<Vec<AuditEvent>> {
    Memo::new(move |_| loader.data.with(|d| d.as_ref().map(|(_, page)| events(page).clone()).unwrap_or_default()))
        .into()
}

/// A page's rows with the rows live tail puts on top and "Load more" appends below.
#[derive(Clone, Copy)]
pub struct GrowingRows {
    pub fresh: RwSignal<Vec<AuditEvent>>,
    pub extra: RwSignal<Vec<AuditEvent>>,
    /// Fresh, then the page's, then the appended rows.
    pub all: Signal<Vec<AuditEvent>>,
}

pub fn growing_rows(page_rows: Signal<Vec<AuditEvent>>) -> GrowingRows {
    let fresh = RwSignal::new(Vec::<AuditEvent>::new());
    let extra = RwSignal::new(Vec::<AuditEvent>::new());
    let all = Memo::new(move |_| {
        let mut all = fresh.get();
        page_rows.with(|p| all.extend(p.iter().cloned()));
        extra.with(|x| all.extend(x.iter().cloned()));
        all
    });
    GrowingRows { fresh, extra, all: all.into() }
}

/// A provider's connection for a request made on demand ("Load more", live tail).
pub fn connection_now(state: AppState, provider: Provider) -> Result<ResolvedConnection, FetchFailure> {
    state.connection(provider).ok().flatten().ok_or_else(|| {
        FetchFailure::Failed(crate::providers::ApiError::Network {
            detail: format!("the {} connection is not set up (Settings)", provider.short()),
        })
    })
}

/// What an Iden listing asks (its filter and page size), read when a request is made; None
/// when the view no longer asks Iden.
pub type IdenAsk = StoredValue<std::rc::Rc<dyn Fn() -> Option<(crate::providers::iden::Filter, u32)>>, LocalStorage>;

pub fn iden_ask(ask: impl Fn() -> Option<(crate::providers::iden::Filter, u32)> + 'static) -> IdenAsk {
    StoredValue::new_local(std::rc::Rc::new(ask))
}

/// Iden's next pages for "Load more", following `next_cursor`.
pub fn iden_more(ask: IdenAsk) -> StoredValue<NextPage<String>, LocalStorage> {
    let state = crate::state::use_app_state();
    let next: NextPage<String> = std::rc::Rc::new(move |cursor: String, ticket: Ticket| {
        Box::pin(async move {
            let (filter, limit) = ask.with_value(|ask| ask()).ok_or(FetchFailure::Aborted)?;
            let connection = connection_now(state, Provider::Iden)?;
            let page = crate::sources::iden_list(&connection, &filter, Some(&cursor), limit, &ticket).await?;
            record(state, Provider::Iden, &Ok::<(), FetchFailure>(()));
            Ok(MorePage {
                events: page.events,
                next: page.next_cursor,
                requests: vec![page.request],
                unreadable: page.unreadable,
            })
        })
    });
    StoredValue::new_local(next)
}
