//! `/ip/:ip`: ID.me search by IP address (page numbers) and, with the source switch, Iden events
//! whose actor IP it is (cursors). Both in the same table, each with its own pager.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::components::error_box::Notice;
use crate::components::events_table::EventsTable;
use crate::components::load_status::LoadStatus;
use crate::components::pager::Pager;
use crate::components::search_form::SearchForm;
use crate::components::view_controls::{SourceSwitches, ZoneSwitch};
use crate::config::Provider;
use crate::fetcher::Loader;
use crate::format::{Zone, thousands};
use crate::model::Source;
use crate::pages::common::{
    Wording, iden_results, load_source, query_getter, settings_problem_view, skeleton_while_first_load,
    unreadable_notice,
};
use crate::providers::iden;
use crate::routes::{IpSearch, ip_form_target, ip_search_from_url};
use crate::sources::{IdenPage, IdmePage, iden_list, idme_by_ip};

/// What a loaded page answers: the view it was asked for.
type Asked<T> = (IpSearch, T);

#[component]
pub fn IpSearchPage() -> impl IntoView {
    let params = use_params_map();
    let get = query_getter();

    // The view's whole state comes from the URL: None on the bare /ip form.
    let target = Memo::new(move |_| {
        let ip = params.read().get("ip")?;
        Some(ip_search_from_url(&ip, get))
    });
    let current = Memo::new(move |_| target.get().and_then(Result::ok));
    let zone = Signal::derive(move || current.get().map(|s| s.zone).unwrap_or_default());

    let typed = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(search) = current.get() {
            typed.set(search.ip.to_string());
        }
    });

    let idme = Loader::<Asked<IdmePage>>::new();
    let iden = Loader::<Asked<IdenPage>>::new();
    let idme_problem = RwSignal::new(None::<String>);
    let iden_problem = RwSignal::new(None::<String>);
    let idme_retries = RwSignal::new(0u32);
    let iden_retries = RwSignal::new(0u32);

    // ID.me answers the page number; Iden the cursor. Each source asks only when its part changes.
    load_source(
        idme,
        Provider::Idme,
        idme_problem,
        idme_retries,
        move || current.get().filter(|s| s.sources.idme).map(|s| IpSearch { cursor: None, zone: Zone::Utc, ..s }),
        |connection, asked, ticket| async move { idme_by_ip(&connection, asked.ip, asked.page, &ticket).await },
    );
    load_source(
        iden,
        Provider::Iden,
        iden_problem,
        iden_retries,
        move || current.get().filter(|s| s.sources.iden).map(|s| IpSearch { page: 1, zone: Zone::Utc, ..s }),
        |connection, asked, ticket| async move {
            let filter = iden::Filter { actor_ip: Some(asked.ip.to_string()), ..Default::default() };
            iden_list(&connection, &filter, asked.cursor.as_deref(), iden::DEFAULT_LIMIT, &ticket).await
        },
    );

    let url_problem = move || match target.get() {
        Some(Err(message)) => Some(view! { <Notice message=message kind="invalid-url"/> }),
        _ => None,
    };

    let idme_section = move || {
        let search = current.get().filter(|s| s.sources.idme)?;
        Some(view! {
            <section class="source-section source-idme" aria-labelledby="idme-heading">
                <h2 id="idme-heading" class="results-caption">{format!("ID.me events for {}", search.ip)}</h2>
                <LoadStatus what="ID.me" loading=idme.loading waiting=idme.waiting failure=idme.failure
                    on_retry=Callback::new(move |_| idme_retries.update(|n| *n += 1))/>
                {move || idme_results(idme, current, zone)}
            </section>
        })
    };
    let iden_section = move || {
        let search = current.get().filter(|s| s.sources.iden)?;
        Some(view! {
            <section class="source-section source-iden" aria-labelledby="iden-heading">
                <h2 id="iden-heading" class="results-caption">{format!("Iden events with actor IP {}", search.ip)}</h2>
                <LoadStatus what="Iden" loading=iden.loading waiting=iden.waiting failure=iden.failure
                    on_retry=Callback::new(move |_| iden_retries.update(|n| *n += 1))/>
                {move || iden_section_results(iden, current, zone)}
            </section>
        })
    };
    let controls = move || {
        current.get().map(|search| {
            let for_zone = search.clone();
            let for_source = search.clone();
            view! {
                <div class="view-controls">
                    <SourceSwitches
                        offered=vec![(Source::Idme, "ID.me (search by IP)"), (Source::Iden, "Iden (actor_ip)")]
                        included=Signal::derive(move || current.get().map(|s| s.sources).unwrap_or(crate::routes::IP_DEFAULT_SOURCES))
                        href=Callback::new(move |(source, on): (Source, bool)| {
                            let mut next = for_source.with_source(source, on);
                            if source == Source::Iden { next.cursor = None; }
                            next.href()
                        })
                    />
                    <ZoneSwitch zone href=Callback::new(move |z| for_zone.with_zone(z).href())/>
                </div>
            }
        })
    };

    view! {
        <section class="page ip-search">
            <h1>"Search by IP address"</h1>
            <SearchForm id="ip-input" label="IP address (IPv4 or IPv6)" value=typed target=ip_form_target/>
            {url_problem}
            {settings_problem_view(idme_problem)}
            {settings_problem_view(iden_problem)}
            {controls}
            {idme_section}
            {iden_section}
        </section>
    }
}

fn idme_results(idme: Loader<Asked<IdmePage>>, current: Memo<Option<IpSearch>>, zone: Signal<Zone>) -> Option<AnyView> {
    let now = current.get()?;
    let Some((asked, page)) = idme.data.get() else { return skeleton_while_first_load(idme) };
    let stale = asked.ip != now.ip || asked.page != now.page;
    let total_pages = page.meta.total_pages.unwrap_or(0);
    let total_count = page.meta.total_count.unwrap_or(page.events.len() as u64);
    let shown_page = page.meta.current_page.unwrap_or(page.page);
    let base = now.clone();
    let href = Callback::new(move |n: u64| base.with_page(n).href());
    let caption = if stale {
        format!("Still showing page {} for {} while the new results load.", thousands(asked.page), asked.ip)
    } else {
        format!("ID.me events for {}, page {}", asked.ip, thousands(shown_page))
    };
    let body = if page.events.is_empty() && total_count == 0 {
        view! { <p class="empty" role="status">{format!("No ID.me events for {}.", asked.ip)}</p> }.into_any()
    } else if page.events.is_empty() {
        let last = now.with_page(total_pages.max(1)).href();
        view! {
            <p class="empty past-end" role="status">
                {format!("Page {} is past the end of the results ({} pages). ", thousands(shown_page), thousands(total_pages))}
                <A href=last>"Go to the last page"</A>
            </p>
        }
        .into_any()
    } else {
        let busy = Signal::derive(move || idme.loading.get());
        let events = page.events.clone();
        let stale_caption = caption.clone();
        view! {
            <Pager current=shown_page total_pages total_count href/>
            <EventsTable events=Signal::derive(move || events.clone()) zone searched=asked.ip.to_string() busy caption=Signal::derive(move || stale_caption.clone())/>
            <Pager current=shown_page total_pages total_count href/>
        }
        .into_any()
    };
    Some(
        view! {
            <div class="results" class:stale=stale>
                {stale.then(|| view! { <p class="stale-note" role="status">{caption.clone()}</p> })}
                {unreadable_notice(page.unreadable)}
                {body}
            </div>
        }
        .into_any(),
    )
}

fn iden_section_results(
    iden: Loader<Asked<IdenPage>>,
    current: Memo<Option<IpSearch>>,
    zone: Signal<Zone>,
) -> Option<AnyView> {
    let now = current.get()?;
    let Some((asked, page)) = iden.data.get() else { return skeleton_while_first_load(iden) };
    let stale = asked.ip != now.ip || asked.cursor != now.cursor;
    let results = iden_results(
        &page,
        asked.cursor.as_deref(),
        |cursor| now.with_cursor(cursor).href(),
        Wording {
            empty: format!("No Iden events with actor IP {}.", asked.ip),
            caption: format!("Iden events with actor IP {}", asked.ip),
        },
        zone,
        Some(asked.ip.to_string()),
        Signal::derive(move || iden.loading.get()),
    );
    Some(view! { <div class="results" class:stale=stale>{results}</div> }.into_any())
}
