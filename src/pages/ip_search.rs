//! `/ip/:ip`: ID.me search by IP address (page numbers) and, with the source switch, Iden events
//! whose actor IP it is (cursors). Both in the same table, each with its own pager.

use std::rc::Rc;

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::components::error_box::Notice;
use crate::components::events_table::{EventsTable, TableSkeleton};
use crate::components::load_more::{LoadMore, MorePage, NextPage};
use crate::components::load_status::LoadStatus;
use crate::components::pager::Pager;
use crate::components::row_tools::RowTools;
use crate::components::search_form::SearchForm;
use crate::components::view_controls::{SourceSwitches, ZoneSwitch};
use crate::config::Provider;
use crate::fetcher::{Loader, Ticket};
use crate::format::{Zone, thousands};
use crate::http::FetchFailure;
use crate::model::Source;
use crate::pages::common::{
    GrowingRows, IdenResults, Wording, connection_now, first_load, growing_rows, iden_ask, iden_more, load_source,
    query_getter, register_rows, requests_of, rows_of, settings_problem_view, unreadable_notice,
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
        move || {
            current.get().filter(|s| s.sources.idme).map(|s| IpSearch {
                cursor: None,
                zone: Zone::Utc,
                rows: Default::default(),
                ..s
            })
        },
        |connection, asked, ticket| async move { idme_by_ip(&connection, asked.ip, asked.page, &ticket).await },
    );
    load_source(
        iden,
        Provider::Iden,
        iden_problem,
        iden_retries,
        move || {
            current.get().filter(|s| s.sources.iden).map(|s| IpSearch {
                page: 1,
                zone: Zone::Utc,
                rows: Default::default(),
                ..s
            })
        },
        |connection, asked, ticket| async move {
            let filter = iden::Filter { actor_ip: Some(asked.ip.to_string()), ..Default::default() };
            iden_list(&connection, &filter, asked.cursor.as_deref(), iden::DEFAULT_LIMIT, &ticket).await
        },
    );

    let url_problem = move || match target.get() {
        Some(Err(message)) => Some(view! { <Notice message=message kind="invalid-url"/> }),
        _ => None,
    };

    let idme_on = Memo::new(move |_| current.get().is_some_and(|s| s.sources.idme));
    let iden_on = Memo::new(move |_| current.get().is_some_and(|s| s.sources.iden));
    let ip_text = move || current.get().map(|s| s.ip.to_string()).unwrap_or_default();
    let idme_section = move || {
        view! {
            <section class="source-section source-idme" aria-labelledby="idme-heading">
                <h2 id="idme-heading" class="results-caption">{move || format!("ID.me events for {}", ip_text())}</h2>
                <LoadStatus what="ID.me" loading=idme.loading waiting=idme.waiting failure=idme.failure
                    on_retry=Callback::new(move |_| idme_retries.update(|n| *n += 1))/>
                <IdmeResults idme current zone/>
            </section>
        }
    };
    let iden_section = move || {
        let asked = Signal::derive(move || iden.data.with(|d| d.as_ref().map(|(a, _)| a.cursor.clone())));
        let stale = Signal::derive(move || {
            let now = current.get();
            iden.data.with(|d| match (d, now) {
                (Some((a, _)), Some(now)) => a.ip != now.ip || a.cursor != now.cursor,
                _ => false,
            })
        });
        let wording = Signal::derive(move || {
            let ip = ip_text();
            Wording {
                empty: format!("No Iden events with actor IP {ip}."),
                caption: format!("Iden events with actor IP {ip}"),
            }
        });
        let at = Callback::new(move |cursor: Option<String>| {
            current.get_untracked().map(|s| s.with_cursor(cursor).href()).unwrap_or_default()
        });
        view! {
            <section class="source-section source-iden" aria-labelledby="iden-heading">
                <h2 id="iden-heading" class="results-caption">{move || format!("Iden events with actor IP {}", ip_text())}</h2>
                <LoadStatus what="Iden" loading=iden.loading waiting=iden.waiting failure=iden.failure
                    on_retry=Callback::new(move |_| iden_retries.update(|n| *n += 1))/>
                <IdenResults loader=iden asked at wording stale zone searched=ip_text()
                    more=iden_more(iden_ask(move || current.get_untracked().map(|s| (iden::Filter { actor_ip: Some(s.ip.to_string()), ..Default::default() }, iden::DEFAULT_LIMIT))))/>
            </section>
        }
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
            <RowTools with_rows=Callback::new(move |rows| current.get_untracked().map(|s| IpSearch { rows, ..s }.href()).unwrap_or_default())/>
            <Show when=move || idme_on.get()>{idme_section}</Show>
            <Show when=move || iden_on.get()>{iden_section}</Show>
        </section>
    }
}

/// ID.me's page: pager links by page number, then the table (kept mounted while pages change)
/// or an empty or past-the-end state.
#[component]
fn IdmeResults(idme: Loader<Asked<IdmePage>>, current: Memo<Option<IpSearch>>, zone: Signal<Zone>) -> impl IntoView {
    let page_rows = rows_of(idme, |p| &p.events);
    // "Load more" appends the next pages by number (ID.me has no live tail: nothing fresh).
    let GrowingRows { extra, all: rows, .. } = growing_rows(page_rows);
    register_rows(rows, requests_of(idme, |p| &p.request));
    let state = crate::state::use_app_state();
    let next_page: NextPage<u64> = Rc::new(move |page: u64, ticket: Ticket| {
        Box::pin(async move {
            let ip = current.get_untracked().map(|s| s.ip).ok_or(FetchFailure::Aborted)?;
            let connection = connection_now(state, Provider::Idme)?;
            let answer = idme_by_ip(&connection, ip, page, &ticket).await?;
            Ok(MorePage {
                events: answer.events,
                next: answer.meta.next_page,
                requests: vec![answer.request],
                unreadable: answer.unreadable,
            })
        })
    });
    let next_page = StoredValue::new_local(next_page);
    let after = Signal::derive(move || idme.data.with(|d| d.as_ref().and_then(|(_, p)| p.meta.next_page)));
    let stale = Signal::derive(move || {
        let now = current.get();
        idme.data.with(|d| match (d, now) {
            (Some((a, _)), Some(now)) => a.ip != now.ip || a.page != now.page,
            _ => false,
        })
    });
    // Page, pages and total as the vendor reported them, with links for the view in the URL.
    let position = move || {
        idme.data.with(|d| {
            let (asked, page) = d.as_ref()?;
            let total_pages = page.meta.total_pages.unwrap_or(0);
            let total_count = page.meta.total_count.unwrap_or(page.events.len() as u64);
            Some((
                asked.clone(),
                page.meta.current_page.unwrap_or(page.page),
                total_pages,
                total_count,
                page.unreadable,
            ))
        })
    };
    let pager = move || {
        let (_, shown, total_pages, total_count, _) = position()?;
        let href =
            Callback::new(move |n: u64| current.get_untracked().map(|s| s.with_page(n).href()).unwrap_or_default());
        (!rows.with(Vec::is_empty)).then(|| view! { <Pager current=shown total_pages total_count href/> })
    };
    let notes = move || {
        let (asked, shown, total_pages, total_count, unreadable) = position()?;
        let stale_note = stale.get().then(|| {
            let text =
                format!("Still showing page {} for {} while the new results load.", thousands(asked.page), asked.ip);
            view! { <p class="stale-note" role="status">{text}</p> }
        });
        // Unreadable records are not "no events": the notice says what happened to them.
        let empty = if !rows.with(Vec::is_empty) || unreadable > 0 {
            None
        } else if total_count == 0 {
            Some(view! { <p class="empty" role="status">{format!("No ID.me events for {}.", asked.ip)}</p> }.into_any())
        } else {
            let last = current.get().map(|s| s.with_page(total_pages.max(1)).href()).unwrap_or_default();
            Some(view! {
                <p class="empty past-end" role="status">
                    {format!("Page {} is past the end of the results ({} pages). ", thousands(shown), thousands(total_pages))}
                    <A href=last>"Go to the last page"</A>
                </p>
            }
            .into_any())
        };
        Some(view! { {stale_note} {unreadable_notice(unreadable)} {empty} })
    };
    let caption = Signal::derive(move || {
        position()
            .map(|(asked, shown, ..)| format!("ID.me events for {}, page {}", asked.ip, thousands(shown)))
            .unwrap_or_default()
    });
    let searched = move || current.get().map(|s| s.ip.to_string()).unwrap_or_default();
    view! {
        <div class="results" class:stale=move || stale.get()>
            {move || first_load(idme).then(|| view! { <TableSkeleton/> })}
            {notes}
            {pager}
            <Show when=move || !rows.with(Vec::is_empty)>
                <EventsTable events=rows zone searched=searched() busy=Signal::derive(move || idme.loading.get()) caption/>
            </Show>
            {pager}
            <LoadMore after next_page extra page_rows=Signal::derive(move || page_rows.with(Vec::len)) what="ID.me"/>
        </div>
    }
}
