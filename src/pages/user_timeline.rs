//! `/users/:uuid`: one person across the sources: ID.me's search by user, Iden events where
//! they are the actor or the subject, Standfast events bound to them as a contact. Merged
//! newest first, grouped by day and session, or as a plain table.

use std::collections::HashSet;

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::detail_panel::row_openers;
use crate::components::error_box::{settings_problem_view, unreadable_notice};
use crate::components::events_table::{EventsTable, TableSkeleton, pivot, severity_badge};
use crate::components::load_more::LoadMore;
use crate::components::load_status::LoadStatus;
use crate::components::row_tools::RowTools;
use crate::components::search_form::SearchForm;
use crate::components::view_controls::{SourceSwitches, ZoneSwitch};
use crate::connection::config::Vendor;
use crate::model::{AuditEvent, newest_first};
use crate::net::fetcher::Loader;
use crate::pages::timeline_more::{Lane, TimelineMore, timeline_more};
use crate::providers::{iden, standfast};
use crate::routes::pivot::{ip_href, type_href};
use crate::routes::query::{Sources, Uuid};
use crate::routes::user::{Layout, UserTimeline, user_form_target};
use crate::rows::format::{Zone, local_offset_minutes, thousands};
use crate::rows::timeline::{Day, group};
use crate::views::current::{PageView, use_view};
use crate::views::loading::{load_source, register_rows, requests_of};
use crate::views::sources::{IdenPage, IdmePage, StandfastPage, iden_list, idme_by_user, standfast_page};

/// Events per page from the cursor sources (ID.me's page size is fixed at 50 too).
const TIMELINE_PAGE: u32 = 50;

/// A loaded page and the part of the view that asked for it.
type Asked<K, T> = (K, T);

#[component]
pub fn UserTimelinePage() -> impl IntoView {
    let page = use_view::<UserTimeline>();
    let PageView { current, zone, .. } = page;
    let typed = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(view) = current.get() {
            typed.set(view.uuid.to_string());
        }
    });

    let idme = Loader::<Asked<(Uuid, u64), IdmePage>>::new();
    let actor = Loader::<Asked<(Uuid, Option<String>), IdenPage>>::new();
    let subject = Loader::<Asked<(Uuid, Option<String>), IdenPage>>::new();
    let standfast = Loader::<Asked<(Uuid, standfast::Position), StandfastPage>>::new();
    // Why each vendor's settings are not enough, when they are not.
    let (idme_problem, iden_problem, standfast_problem) =
        (RwSignal::new(None::<String>), RwSignal::new(None::<String>), RwSignal::new(None::<String>));
    let retries = RwSignal::new(0u32);

    load_source(
        idme,
        Vendor::Idme,
        idme_problem,
        retries,
        move || current.get().filter(|v| v.sources.has(Vendor::Idme)).map(|v| (v.uuid, v.page)),
        |connection, (uuid, page), ticket| async move { idme_by_user(&connection, &uuid, page, &ticket).await },
    );
    // Iden filters combine with AND: one listing for the user as actor, one as subject.
    for (loader, as_subject) in [(actor, false), (subject, true)] {
        load_source(
            loader,
            Vendor::Iden,
            iden_problem,
            retries,
            move || {
                let view = current.get().filter(|v| v.sources.has(Vendor::Iden))?;
                Some((view.uuid, if as_subject { view.subject_cursor } else { view.cursor }))
            },
            move |connection, (uuid, cursor), ticket| async move {
                let filter = if as_subject {
                    iden::Filter { subject_uuid: Some(uuid.to_string()), ..Default::default() }
                } else {
                    iden::Filter { actor_uuid: Some(uuid.to_string()), ..Default::default() }
                };
                iden_list(&connection, &filter, cursor.as_deref(), TIMELINE_PAGE, &ticket).await
            },
        );
    }
    load_source(
        standfast,
        Vendor::Standfast,
        standfast_problem,
        retries,
        move || current.get().filter(|v| v.sources.has(Vendor::Standfast)).map(|v| (v.uuid, v.position)),
        |connection, (uuid, position), ticket| async move {
            let filter = standfast::Filter { contact: Some(uuid.to_string()), ..Default::default() };
            standfast_page(&connection, &connection.scope, &filter, &position, TIMELINE_PAGE, &ticket).await
        },
    );

    // Older pages appended by "Load more", of every source.
    let extra = RwSignal::new(Vec::<AuditEvent>::new());
    // The rows of every included source, merged newest first (an Iden event where the user is
    // both actor and subject appears once).
    let page_rows = Memo::new(move |_| {
        let Some(view) = current.get() else { return Vec::new() };
        let mut all = Vec::new();
        if view.sources.has(Vendor::Idme)
            && let Some((_, page)) = idme.data.get()
        {
            all.extend(page.events);
        }
        if view.sources.has(Vendor::Iden) {
            for loader in [actor, subject] {
                if let Some((_, page)) = loader.data.get() {
                    all.extend(page.events);
                }
            }
        }
        if view.sources.has(Vendor::Standfast)
            && let Some((_, page)) = standfast.data.get()
        {
            all.extend(page.events);
        }
        all
    });
    let rows = Memo::new(move |_| {
        let mut all = page_rows.get();
        extra.with(|x| all.extend(x.iter().cloned()));
        let mut ids = HashSet::new();
        all.retain(|e| e.source != Vendor::Iden || ids.insert(e.id.clone()));
        newest_first(all)
    });
    // Where each included source continues after its page.
    let after = Signal::derive(move || {
        let view = current.get()?;
        let mut more = TimelineMore::default();
        if view.sources.has(Vendor::Idme) {
            more.idme = idme.data.with(|d| d.as_ref().and_then(|(_, p)| Lane::after(p.meta.next_page, &p.events)));
        }
        if view.sources.has(Vendor::Iden) {
            let iden_lane = |loader: Loader<Asked<(Uuid, Option<String>), IdenPage>>| {
                loader.data.with(|d| d.as_ref().and_then(|(_, p)| Lane::after(p.next_cursor.clone(), &p.events)))
            };
            more.actor = iden_lane(actor);
            more.subject = iden_lane(subject);
        }
        if view.sources.has(Vendor::Standfast) {
            more.standfast =
                standfast.data.with(|d| d.as_ref().and_then(|(_, p)| Lane::after(p.older.clone(), &p.events)));
        }
        more.or_none()
    });
    let load_more = view! {
        <LoadMore after next_page=timeline_more(move || current.get_untracked().map(|v| v.uuid)) extra
            page_rows=Signal::derive(move || page_rows.with(Vec::len)) what="timeline"/>
    };
    register_rows(
        rows.into(),
        Signal::derive(move || {
            let mut all = requests_of(idme, |p| &p.request).get();
            all.extend(requests_of(actor, |p| &p.request).get());
            all.extend(requests_of(subject, |p| &p.request).get());
            all.extend(requests_of(standfast, |p| &p.request).get());
            all
        }),
    );
    let any_loading = Signal::derive(move || {
        idme.loading.get() || actor.loading.get() || subject.loading.get() || standfast.loading.get()
    });

    let retry = Callback::new(move |_| retries.update(|n| *n += 1));
    let statuses = move || {
        let view = current.get()?;
        Some(view! {
            <div class="source-statuses">
                {view.sources.has(Vendor::Idme).then(|| view! { <LoadStatus what="ID.me" loading=idme.loading waiting=idme.waiting failure=idme.failure on_retry=retry/> })}
                {view.sources.has(Vendor::Iden).then(|| view! {
                    <LoadStatus what="Iden (as actor)" loading=actor.loading waiting=actor.waiting failure=actor.failure on_retry=retry/>
                    <LoadStatus what="Iden (as subject)" loading=subject.loading waiting=subject.waiting failure=subject.failure on_retry=retry/>
                })}
                {view.sources.has(Vendor::Standfast).then(|| view! { <LoadStatus what="Standfast" loading=standfast.loading waiting=standfast.waiting failure=standfast.failure on_retry=retry/> })}
            </div>
        })
    };
    let pagers = move || {
        let view = current.get()?;
        let mut lines = Vec::new();
        if view.sources.has(Vendor::Idme)
            && let Some((_, page)) = idme.data.get()
        {
            let total = page.meta.total_pages.unwrap_or(0);
            let at = |n: u64| UserTimeline { page: n, ..view.clone() }.href();
            lines.push(source_pager(
                "ID.me",
                format!(
                    "page {} of {} · {} events",
                    thousands(page.page),
                    thousands(total),
                    thousands(page.meta.total_count.unwrap_or(0))
                ),
                ("‹ Newer", (page.page > 1).then(|| at(page.page - 1))),
                (page.page < total).then(|| at(page.page + 1)),
                page.unreadable,
            ));
        }
        if view.sources.has(Vendor::Iden) {
            for (label, loader, as_subject) in [("Iden (as actor)", actor, false), ("Iden (as subject)", subject, true)]
            {
                if let Some(((_, cursor), page)) = loader.data.get() {
                    let at = |c: Option<String>| {
                        if as_subject {
                            UserTimeline { subject_cursor: c, ..view.clone() }
                        } else {
                            UserTimeline { cursor: c, ..view.clone() }
                        }
                        .href()
                    };
                    let newer = cursor.is_some().then(|| page.previous_cursor.clone().map(|c| at(Some(c)))).flatten();
                    let older = page.next_cursor.clone().map(|c| at(Some(c)));
                    let where_ = if cursor.is_none() { "newest" } else { "older" };
                    lines.push(source_pager(
                        label,
                        format!("{where_} {} events", page.events.len()),
                        ("‹ Newer", newer),
                        older,
                        page.unreadable,
                    ));
                }
            }
        }
        if view.sources.has(Vendor::Standfast)
            && let Some(((_, position), page)) = standfast.data.get()
        {
            let older = page.older.clone().map(|p| UserTimeline { position: p, ..view.clone() }.href());
            let newest =
                position.before.is_some().then(|| UserTimeline { position: Default::default(), ..view.clone() }.href());
            let where_ = if position.before.is_none() { "newest" } else { "older" };
            lines.push(source_pager(
                "Standfast",
                format!("{where_} {} events", page.events.len()),
                ("« Newest", newest),
                older,
                page.unreadable,
            ));
        }
        Some(view! { <ul class="source-pagers" aria-label="Each source's page">{lines}</ul> })
    };
    let is_empty = Memo::new(move |_| rows.with(Vec::is_empty));
    let layout = Memo::new(move |_| current.get().map(|v| v.layout));
    let empty = move || {
        let view = current.get()?;
        if !is_empty.get() {
            return None;
        }
        Some(if any_loading.get() {
            view! { <TableSkeleton/> }.into_any()
        } else {
            let names = included_names(view.sources);
            view! { <p class="empty" role="status">{format!("No events for user {} in {names}.", view.uuid)}</p> }
                .into_any()
        })
    };
    let shown = crate::components::row_tools::filtered(rows.into());
    let timeline = move || {
        let zone = zone.get();
        let days = group(shown.get(), move |t| if zone == Zone::Local { local_offset_minutes(t) } else { 0 });
        let (open_on_click, open_on_key) = row_openers();
        view! {
            <ol class="timeline" aria-busy=move || any_loading.get().to_string() on:click=open_on_click on:keydown=open_on_key>
                {days.into_iter().map(move |d| day_view(d, zone)).collect_view()}
            </ol>
        }
    };
    // The table stays mounted while pages and sources change, so rows keyed by id are kept.
    let body = move || {
        if is_empty.get() {
            return None;
        }
        Some(match layout.get()? {
            Layout::Table => {
                let caption = Signal::derive(move || {
                    let uuid = current.get().map(|v| v.uuid.to_string()).unwrap_or_default();
                    format!("{} events for user {uuid}", rows.with(Vec::len))
                });
                view! { <EventsTable events=Signal::derive(move || rows.get()) zone busy=any_loading caption/> }
                    .into_any()
            }
            Layout::Timeline => timeline.into_any(),
        })
    };
    let controls = move || {
        let view = current.get()?;
        let (for_sources, for_zone, for_layout) = (view.clone(), view.clone(), view.clone());
        let layout_link = move |layout: Layout, label: &'static str| {
            let href = UserTimeline { layout, ..for_layout.clone() }.href();
            let here = for_layout.layout == layout;
            view! { <A href=href attr:class="layout-link" attr:aria-current=here.then_some("true")>{label}</A> }
        };
        Some(view! {
            <div class="view-controls">
                <SourceSwitches
                    offered=vec![(Vendor::Idme, "ID.me"), (Vendor::Iden, "Iden (actor or subject)"), (Vendor::Standfast, "Standfast (contact)")]
                    included=Signal::derive(move || current.get().map(|v| v.sources).unwrap_or(Sources::ALL))
                    href=Callback::new(move |(source, on): (Vendor, bool)| for_sources.with_source(source, on).href())
                />
                <span class="layout-switch" role="group" aria-label="Show as">"Show as: "{layout_link(Layout::Timeline, "Timeline")}" "{layout_link(Layout::Table, "Table")}</span>
                <ZoneSwitch zone href=Callback::new(move |z| UserTimeline { zone: z, ..for_zone.clone() }.href())/>
            </div>
        })
    };

    view! {
        <section class="page user-timeline">
            <h1>"User timeline"</h1>
            <SearchForm id="user-input" label="User UUID (dashed or 32 hex digits)" value=typed target=user_form_target/>
            {page.url_problem()}
            {[idme_problem, iden_problem, standfast_problem].map(settings_problem_view)}
            {controls}
            <RowTools/>
            {statuses}
            {pagers}
            {empty}
            {body}
            {load_more}
        </section>
    }
}

fn included_names(sources: Sources) -> String {
    let names: Vec<&str> = sources.vendors().map(Vendor::label).collect();
    if names.is_empty() { "no source (tick one above)".into() } else { names.join(", ") }
}

/// One source's place in the timeline. `newer` is (label, link): "‹ Newer" where the vendor
/// can page forward, "« Newest" where only the first page can be reopened.
fn source_pager(
    label: &'static str,
    position: String,
    (newer_label, newer): (&'static str, Option<String>),
    older: Option<String>,
    unreadable: usize,
) -> impl IntoView {
    let link = |text: &'static str, rel: &'static str, href: Option<String>| match href {
        Some(href) => view! { <A href=href attr:rel=rel attr:class="pager-link">{text}</A> }.into_any(),
        None => view! { <span class="pager-link disabled" aria-disabled="true">{text}</span> }.into_any(),
    };
    view! {
        <li class="source-pager" data-source=label>
            <strong>{label}</strong>" · "<span class="pager-position">{position}</span>" "
            {link(newer_label, "prev", newer)}" "{link("Older ›", "next", older)}
            {unreadable_notice(unreadable)}
        </li>
    }
}

fn day_view(day: Day, zone: Zone) -> impl IntoView {
    let heading = match day.date {
        Some(d) => format!("{} · {}", d.format("%A %Y-%m-%d"), events_count(day.count)),
        None => format!("Time unreadable · {}", events_count(day.count)),
    };
    view! {
        <li class="timeline-day">
            <h3 class="day-heading">{heading}</h3>
            <ol class="sessions">
                {day.sessions.into_iter().map(move |s| {
                    let span = s.span_minutes();
                    let label = match (&s.ip, s.events.len()) {
                        (_, 1) => None,
                        (Some(ip), n) => Some(format!("Session from {ip}: {n} events {}", within(span))),
                        (None, n) => Some(format!("{n} events without an IP, {}", within(span))),
                    };
                    let single = label.is_none();
                    view! {
                        <li class="session" class:single=single>
                            {label.map(|l| view! { <p class="session-label">{l}</p> })}
                            <ol class="entries">{s.events.into_iter().map(move |e| entry(e, zone)).collect_view()}</ol>
                        </li>
                    }
                }).collect_view()}
            </ol>
        </li>
    }
}

fn events_count(n: usize) -> String {
    if n == 1 { "1 event".into() } else { format!("{} events", thousands(n as u64)) }
}

fn within(minutes: i64) -> String {
    if minutes < 1 { "within a minute".into() } else { format!("within {minutes} min") }
}

fn entry(e: AuditEvent, zone: Zone) -> impl IntoView {
    let ip = e.actor.ip.clone();
    let where_ = e.context.application.clone().or_else(|| e.context.workspace.clone());
    view! {
        <li class="entry" data-id=e.id.clone() tabindex="0">
            <time datetime=e.occurred.raw.clone() title=e.occurred.raw.clone()>{e.occurred.in_zone(zone)}</time>
            <span class="event-type">{pivot(Some(e.event_type.clone()), type_href(e.source, &e.event_type), "event-type-link")}</span>
            <span class="severity">{severity_badge(&e)}</span>
            <span class="ip">{pivot(ip.clone(), ip.as_deref().and_then(ip_href), "ip-link")}</span>
            <span class="application">{where_}</span>
            <span class="client">{e.actor.client.clone()}</span>
            <span class="source-tag">{e.source.label()}</span>
        </li>
    }
}
