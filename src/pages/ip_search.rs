//! `/ip/:ip?page=N`: ID.me search by IP address.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::error_box::{ErrorBox, Notice};
use crate::components::events_table::{EventsTable, TableSkeleton};
use crate::components::pager::Pager;
use crate::components::search_form::SearchForm;
use crate::config::Provider;
use crate::format::thousands;
use crate::http::{FetchFailure, InFlight, send};
use crate::model::{AuditEvent, convert_page, flag_ip_mismatch, flag_order, from_idme};
use crate::providers::ApiError;
use crate::providers::idme::{self, Meta};
use crate::routes::{IpSearch, ip_form_target, ip_search_from_url};
use crate::state::use_app_state;

/// A page that arrived, with the search it answers.
#[derive(Clone, PartialEq)]
struct LoadedPage {
    search: IpSearch,
    events: Vec<AuditEvent>,
    /// Records on the page that could not be read (shown as a count, never dropped silently).
    unreadable: usize,
    meta: Meta,
}

#[component]
pub fn IpSearchPage() -> impl IntoView {
    let state = use_app_state();
    let params = use_params_map();
    let query = use_query_map();

    // The view's whole state comes from the URL: None on the bare /ip form.
    let target = Memo::new(move |_| {
        let ip = params.read().get("ip")?;
        Some(ip_search_from_url(&ip, query.read().get("page").as_deref()))
    });

    let typed = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(Ok(search)) = target.get() {
            typed.set(search.ip.to_string());
        }
    });

    let loaded = RwSignal::new(None::<LoadedPage>);
    let loading = RwSignal::new(None::<IpSearch>);
    let failure = RwSignal::new(None::<ApiError>);
    // Why no request can be sent (settings incomplete, configuration unavailable).
    let settings_problem = RwSignal::new(None::<String>);
    let retries = RwSignal::new(0u32);
    // The request in flight; replacing or clearing it aborts it.
    let in_flight = StoredValue::new_local(None::<InFlight>);
    let generation = StoredValue::new(0u64);

    // Cancels the request in flight (its answer, if any, is ignored) and clears the status.
    let stop = move || {
        generation.update_value(|g| *g += 1);
        in_flight.set_value(None);
        loading.set(None);
        failure.set(None);
    };

    Effect::new(move |_| {
        retries.track();
        let Some(Ok(search)) = target.get() else {
            stop();
            return;
        };
        let connection = match state.connection(Provider::Idme) {
            Ok(Some(connection)) => connection,
            Ok(None) => {
                loading.set(Some(search)); // configuration still loading
                return;
            }
            Err(message) => {
                stop();
                settings_problem.set(Some(message));
                return;
            }
        };
        settings_problem.set(None);
        failure.set(None);
        loading.set(Some(search));
        let request =
            idme::search_by_ip(&connection.base_url, search.ip, search.page, connection.authorization.as_deref());
        let guard = InFlight::new();
        let signal = guard.signal();
        in_flight.set_value(Some(guard));
        let this = generation.get_value() + 1;
        generation.set_value(this);
        leptos::task::spawn_local(async move {
            let outcome = send(&request, signal).await;
            if generation.try_get_value() != Some(this) {
                return; // a newer request (or leaving the page) made this answer moot
            }
            in_flight.set_value(None);
            loading.set(None);
            let parsed = match outcome {
                Err(FetchFailure::Aborted) => return,
                Err(FetchFailure::Failed(e)) => Err(e),
                Ok(response) => idme::parse_search(&response),
            };
            match parsed {
                Ok(page) => {
                    state.record(Provider::Idme, Ok(()));
                    let (mut events, unreadable) = convert_page(&page.events, |raw| from_idme(raw, &connection.label));
                    flag_order(&mut events);
                    flag_ip_mismatch(&mut events, search.ip);
                    loaded.set(Some(LoadedPage { search, events, unreadable, meta: page.meta }));
                }
                Err(e) => {
                    state.record(Provider::Idme, Err(&e));
                    failure.set(Some(e));
                }
            }
        });
    });
    on_cleanup(move || {
        generation.try_update_value(|g| *g += 1);
        in_flight.try_update_value(|f| *f = None);
    });

    let url_problem = move || match target.get() {
        Some(Err(message)) => Some(view! { <Notice message=message kind="invalid-url"/> }),
        _ => None,
    };
    let status_line = move || {
        loading.get().map(|s| {
            view! { <p class="loading" role="status">{format!("Loading page {} for {}…", thousands(s.page), s.ip)}</p> }
        })
    };
    let settings_problem_view = move || {
        settings_problem.get().map(|message| {
            view! {
                <div class="notice settings-needed" role="alert">
                    {message} " " <A href="/settings">"Open Settings"</A>
                </div>
            }
        })
    };
    let failure_view = move || {
        failure
            .get()
            .map(|error| view! { <ErrorBox error=error on_retry=Callback::new(move |_| retries.update(|n| *n += 1))/> })
    };
    let results = move || {
        let Some(Ok(current)) = target.get() else { return None };
        let Some(page) = loaded.get() else {
            let first_load = loading.get().is_some();
            return first_load.then(|| view! { <TableSkeleton/> }.into_any());
        };
        let stale = page.search != current;
        let total_pages = page.meta.total_pages.unwrap_or(0);
        let total_count = page.meta.total_count.unwrap_or(page.events.len() as u64);
        let shown_page = page.meta.current_page.unwrap_or(page.search.page);
        let search = page.search;
        let href = Callback::new(move |n: u64| search.with_page(n).href());
        let caption = if stale {
            format!(
                "Still showing page {} for {} while the new results load.",
                thousands(page.search.page),
                page.search.ip
            )
        } else {
            format!("ID.me events for {}", page.search.ip)
        };
        let unreadable = (page.unreadable > 0).then(|| {
            let message = format!("{} record(s) on this page could not be read and are not shown.", page.unreadable);
            view! { <Notice message=message kind="unreadable"/> }
        });
        let body = if page.events.is_empty() && total_count == 0 {
            view! { <p class="empty" role="status">{format!("No events for {}.", page.search.ip)}</p> }.into_any()
        } else if page.events.is_empty() {
            let last = search.with_page(total_pages.max(1)).href();
            view! {
                <p class="empty past-end" role="status">
                    {format!("Page {} is past the end of the results ({} pages). ", thousands(shown_page), thousands(total_pages))}
                    <A href=last>"Go to the last page"</A>
                </p>
            }
            .into_any()
        } else {
            let busy = Signal::derive(move || loading.get().is_some());
            view! {
                <Pager current=shown_page total_pages total_count href/>
                <EventsTable events=page.events searched=page.search.ip.to_string() busy/>
                <Pager current=shown_page total_pages total_count href/>
            }
            .into_any()
        };
        Some(
            view! {
                <div class="results" class:stale=stale>
                    <h2 class="results-caption">{caption}</h2>
                    {unreadable}
                    {body}
                </div>
            }
            .into_any(),
        )
    };

    view! {
        <section class="page ip-search">
            <h1>"Search by IP address"</h1>
            <SearchForm id="ip-input" label="IP address (IPv4 or IPv6)" value=typed target=ip_form_target/>
            {url_problem}
            {settings_problem_view}
            {status_line}
            {failure_view}
            {results}
        </section>
    }
}
