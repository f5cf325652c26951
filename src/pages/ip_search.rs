//! `/ip/:ip`: ID.me search by IP address (page numbers) and, with the source switch, Iden events
//! whose actor IP it is (cursors). Each source a section, with its own pager.

use std::rc::Rc;

use leptos::prelude::*;

use crate::components::load_more::{MorePage, NextPage};
use crate::components::pager::Pager;
use crate::components::row_tools::RowTools;
use crate::components::search_form::SearchForm;
use crate::components::view_controls::{SourceSwitches, ZoneSwitch};
use crate::connection::config::Vendor;
use crate::connection::settings::ResolvedConnection;
use crate::net::fetcher::Ticket;
use crate::net::http::FetchFailure;
use crate::providers::iden;
use crate::routes::{IpSearch, ip_form_target};
use crate::rows::format::{Zone, thousands};
use crate::views::current::{PageView, use_view};
use crate::views::iden_listing::{IdenAsk, IdenListing};
use crate::views::loading::connection_now;
use crate::views::section::{SourcePlan, SourceSection};
use crate::views::sources::{IdmePage, idme_by_ip};

#[component]
pub fn IpSearchPage() -> impl IntoView {
    // The view's whole state comes from the URL: None on the bare /ip form.
    let page = use_view::<IpSearch>();
    let PageView { current, zone, .. } = page;
    let typed = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(search) = current.get() {
            typed.set(search.ip.to_string());
        }
    });
    let controls = move || {
        current.get().map(|search| {
            let for_zone = search.clone();
            let for_source = search.clone();
            view! {
                <div class="view-controls">
                    <SourceSwitches
                        offered=vec![(Vendor::Idme, "ID.me (search by IP)"), (Vendor::Iden, "Iden (actor_ip)")]
                        included=Signal::derive(move || current.get().map(|s| s.sources).unwrap_or(crate::routes::IP_DEFAULT_SOURCES))
                        href=Callback::new(move |(source, on): (Vendor, bool)| {
                            let mut next = for_source.with_source(source, on);
                            if source == Vendor::Iden { next.cursor = None; }
                            next.href()
                        })
                    />
                    <ZoneSwitch zone href=Callback::new(move |z| for_zone.with_zone(z).href())/>
                </div>
            }
        })
    };

    // The sections first: making one sends its request, which then travels while the form and
    // the row tools are made (docs/PERFORMANCE.md, "The page and its first rows in one frame").
    let sections = view! {
        <SourceSection plan=IdmeByIp view=page/>
        <SourceSection plan=IDEN_BY_ACTOR_IP view=page/>
    };
    view! {
        <section class="page ip-search">
            <h1>"Search by IP address"</h1>
            <SearchForm id="ip-input" label="IP address (IPv4 or IPv6)" value=typed target=ip_form_target/>
            {page.url_problem()}
            {controls}
            <RowTools/>
            {sections}
        </section>
    }
}

/// Iden events whose actor IP is the address.
const IDEN_BY_ACTOR_IP: IdenListing<IpSearch> = IdenListing {
    key: |s| {
        s.sources.has(Vendor::Iden).then(|| IpSearch {
            page: 1,
            zone: Zone::Utc,
            rows: Default::default(),
            ..s.clone()
        })
    },
    ask: |s| IdenAsk {
        filter: iden::Filter { actor_ip: Some(s.ip.to_string()), ..Default::default() },
        limit: iden::DEFAULT_LIMIT,
        cursor: s.cursor.clone(),
    },
    at: |s, cursor| s.with_cursor(cursor),
    heading: |s| format!("Iden events with actor IP {}", s.ip),
    empty: |s| format!("No Iden events with actor IP {}.", s.ip),
    caption: |s| format!("Iden events with actor IP {}", s.ip),
    live: false,
};

/// ID.me's search by IP: page numbers with the vendor's totals, "Load more" by number (no live
/// tail: ID.me has nothing to follow).
#[derive(Clone, Copy)]
struct IdmeByIp;

impl SourcePlan for IdmeByIp {
    type View = IpSearch;
    /// The address and the page number.
    type Key = (std::net::IpAddr, u64);
    type Page = IdmePage;
    type After = u64;
    type Since = ();

    const PROVIDER: Vendor = Vendor::Idme;

    fn what(self) -> &'static str {
        "ID.me"
    }

    fn heading(self, view: &IpSearch) -> Option<String> {
        Some(format!("ID.me events for {}", view.ip))
    }

    fn key(self, view: &IpSearch) -> Option<Self::Key> {
        view.sources.has(Vendor::Idme).then_some((view.ip, view.page))
    }

    async fn fetch(
        self,
        connection: ResolvedConnection,
        (ip, page): Self::Key,
        ticket: Ticket,
    ) -> Result<IdmePage, FetchFailure> {
        idme_by_ip(&connection, ip, page, &ticket).await
    }

    fn caption(self, (ip, _): &Self::Key, page: &IdmePage) -> String {
        format!("ID.me events for {ip}, page {}", thousands(shown_page(page)))
    }

    // Page, pages and total as the vendor reported them, with links for the view in the URL.
    fn pager(self, view: PageView<IpSearch>, _key: &Self::Key, page: &IdmePage) -> Option<AnyView> {
        // A page without rows says where the results end instead.
        if page.events.is_empty() {
            return None;
        }
        let total_pages = page.meta.total_pages.unwrap_or(0);
        let total_count = page.meta.total_count.unwrap_or(page.events.len() as u64);
        let href = Callback::new(move |n: u64| view.href(|s| s.with_page(n)));
        Some(view! { <Pager current=shown_page(page) total_pages total_count href/> }.into_any())
    }

    fn stale_note(self, (ip, page): &Self::Key) -> Option<AnyView> {
        let text = format!("Still showing page {} for {ip} while the new results load.", thousands(*page));
        Some(view! { <p class="stale-note" role="status">{text}</p> }.into_any())
    }

    fn empty(self, view: &IpSearch, (ip, _): &Self::Key, page: &IdmePage) -> Option<AnyView> {
        let total_pages = page.meta.total_pages.unwrap_or(0);
        let total_count = page.meta.total_count.unwrap_or(page.events.len() as u64);
        if total_count == 0 {
            return Some(
                view! { <p class="empty" role="status">{format!("No ID.me events for {ip}.")}</p> }.into_any(),
            );
        }
        let last = view.with_page(total_pages.max(1)).href();
        Some(
            view! {
                <p class="empty past-end" role="status">
                    {format!("Page {} is past the end of the results ({} pages). ", thousands(shown_page(page)), thousands(total_pages))}
                    <a href=last>"Go to the last page"</a>
                </p>
            }
            .into_any(),
        )
    }

    fn after(self, page: &IdmePage) -> Option<u64> {
        page.meta.next_page
    }

    fn more(self, view: PageView<IpSearch>) -> Option<StoredValue<NextPage<u64>, LocalStorage>> {
        let state = crate::connection::state::use_app_state();
        let next_page: NextPage<u64> = Rc::new(move |page: u64, ticket: Ticket| {
            Box::pin(async move {
                let ip = view.current.get_untracked().map(|s| s.ip).ok_or(FetchFailure::Aborted)?;
                let connection = connection_now(state, Vendor::Idme)?;
                let answer = idme_by_ip(&connection, ip, page, &ticket).await?;
                Ok(MorePage {
                    events: answer.events,
                    next: answer.meta.next_page,
                    requests: vec![answer.request],
                    unreadable: answer.unreadable,
                })
            })
        });
        Some(StoredValue::new_local(next_page))
    }
}

/// The page number the vendor says it answered.
fn shown_page(page: &IdmePage) -> u64 {
    page.meta.current_page.unwrap_or(page.page)
}
