//! `/users/:uuid`: one person across the sources: ID.me's search by user, Iden events where
//! they are the actor or the subject, Standfast events bound to them as a contact. Merged
//! newest first, grouped by day and session, or as a plain table.

use std::collections::HashSet;

use leptos::prelude::*;

use crate::components::detail_panel::row_openers;
use crate::components::error_box::settings_problem_view;
use crate::components::events_table::{EventsTable, TableSkeleton, write_badge, write_pivot, write_time};
use crate::components::first_frame::first_frame_cap;
use crate::components::html_rows::Markup;
use crate::components::load_more::LoadMore;
use crate::components::row_tools::RowTools;
use crate::components::search_form::SearchForm;
use crate::components::view_controls::{SourceSwitches, ZoneSwitch};
use crate::connection::config::Vendor;
use crate::connection::state::gateway_has_signals;
use crate::model::{AuditEvent, newest_first};
use crate::pages::timeline_more::{Lane, TimelineMore, timeline_more};
use crate::pages::user_sources::{IdenByUser, IdmeByUser, SignalsAboutUser, StandfastByContact};
use crate::routes::pivot::{ip_href, type_href};
use crate::routes::query::Sources;
use crate::routes::user::{Layout, TIMELINE_SOURCES, UserTimeline, user_form_target};
use crate::rows::format::{Zone, local_offset_minutes, thousands};
use crate::rows::timeline::{Day, group};
use crate::views::current::{PageView, use_view};
use crate::views::loading::register_rows;
use crate::views::section::{SourcePage, SourcePlan, SourceState, use_source};

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

    let idme = use_source(IdmeByUser, page);
    let actor = use_source(IdenByUser::Actor, page);
    let subject = use_source(IdenByUser::Subject, page);
    let standfast = use_source(StandfastByContact, page);
    let signals = use_source(SignalsAboutUser, page);
    // Each source's rows while the view includes it.
    let lanes = [
        (idme.shown, idme.page_rows),
        (actor.shown, actor.page_rows),
        (subject.shown, subject.page_rows),
        (standfast.shown, standfast.page_rows),
        (signals.shown, signals.page_rows),
    ];

    // Older pages appended by "Load more", of every source.
    let extra = RwSignal::new(Vec::<AuditEvent>::new());
    let page_rows = Memo::new(move |_| {
        let mut all = Vec::new();
        for (shown, rows) in lanes {
            if shown.get() {
                rows.with(|r| all.extend(r.iter().cloned()));
            }
        }
        all
    });
    // Every included source's rows merged newest first (an Iden event where the user is both
    // actor and subject appears once).
    let rows = Memo::new(move |_| {
        let mut all = page_rows.get();
        extra.with(|x| all.extend(x.iter().cloned()));
        let mut ids = HashSet::new();
        all.retain(|e| e.source != Vendor::Iden || ids.insert(e.id.clone()));
        newest_first(all)
    });
    // Where each included source continues after its page.
    let after = Signal::derive(move || {
        TimelineMore {
            idme: lane(IdmeByUser, idme),
            actor: lane(IdenByUser::Actor, actor),
            subject: lane(IdenByUser::Subject, subject),
            standfast: lane(StandfastByContact, standfast),
        }
        .or_none()
    });
    let load_more = view! {
        <LoadMore after next_page=timeline_more(move || current.get_untracked().map(|v| v.uuid)) extra
            page_rows=Signal::derive(move || page_rows.with(Vec::len)) what="timeline"/>
    };
    let requests = Signal::derive(move || {
        let mut all = idme.requests().get();
        all.extend(actor.requests().get());
        all.extend(subject.requests().get());
        all.extend(standfast.requests().get());
        all.extend(signals.requests().get());
        all
    });
    let any_loading = Signal::derive(move || {
        idme.loader.loading.get()
            || actor.loader.loading.get()
            || subject.loader.loading.get()
            || standfast.loader.loading.get()
            || signals.loader.loading.get()
    });

    let statuses = move || {
        current.get()?;
        Some(view! {
            <div class="source-statuses">
                {status_of(IdmeByUser, idme)}
                {status_of(IdenByUser::Actor, actor)}
                {status_of(IdenByUser::Subject, subject)}
                {status_of(StandfastByContact, standfast)}
                {status_of(SignalsAboutUser, signals)}
            </div>
        })
    };
    let pagers = move || {
        current.get()?;
        let lines = [
            pager_of(IdmeByUser, idme, page),
            pager_of(IdenByUser::Actor, actor, page),
            pager_of(IdenByUser::Subject, subject, page),
            pager_of(StandfastByContact, standfast, page),
            pager_of(SignalsAboutUser, signals, page),
        ];
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
    let timeline = move |first_frame: ReadSignal<Option<usize>>| {
        let zone = zone.get();
        let days = group(shown.get(), move |t| if zone == Zone::Local { local_offset_minutes(t) } else { 0 });
        let (open_on_click, open_on_key) = row_openers();
        // Days and sessions keep their counts; only the entries drawn are fewer in the first frame,
        // and a day's heading takes a row's height of it.
        let mut entries_left = first_frame.get().unwrap_or(usize::MAX);
        let mut m = Markup::default();
        for day in days {
            if entries_left == 0 {
                break;
            }
            write_day(&mut m, day, zone, &mut entries_left);
        }
        // Entries left for the next frame: the timeline is busy until they are in.
        let entries_to_come = first_frame.get().is_some() && entries_left == 0;
        // Plain markup, written as escaped HTML text (components/html_rows.rs says why).
        view! {
            <ol class="timeline" aria-busy=move || (entries_to_come || any_loading.get()).to_string() on:click=open_on_click on:keydown=open_on_key
                inner_html=m.into_string()>
            </ol>
        }
    };
    // The merged rows are known to the detail panel, row tools and export while they are
    // shown. The table stays mounted while pages and sources change, so rows keyed by id are kept.
    let body = move || {
        if is_empty.get() {
            return None;
        }
        register_rows(rows.into(), requests);
        Some(match layout.get()? {
            Layout::Table => {
                let caption = Signal::derive(move || {
                    let uuid = current.get().map(|v| v.uuid.to_string()).unwrap_or_default();
                    format!("{} events for user {uuid}", rows.with(Vec::len))
                });
                view! { <EventsTable events=Signal::derive(move || rows.get()) zone busy=any_loading caption/> }
                    .into_any()
            }
            Layout::Timeline => {
                let first_frame = first_frame_cap();
                (move || timeline(first_frame)).into_any()
            }
        })
    };
    let controls = move || {
        let view = current.get()?;
        let (for_sources, for_zone, for_layout) = (view.clone(), view.clone(), view.clone());
        let layout_link = move |layout: Layout, label: &'static str| {
            let href = UserTimeline { layout, ..for_layout.clone() }.href();
            let here = for_layout.layout == layout;
            view! { <a href=href class="layout-link" aria-current=here.then_some("true")>{label}</a> }
        };
        Some(view! {
            <div class="view-controls">
                <SourceSwitches
                    offered=offered_sources()
                    included=Signal::derive(move || current.get().map(|v| v.sources).unwrap_or(TIMELINE_SOURCES))
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
            // Both Iden listings use one connection: its problem is said once.
            {[idme.problem, actor.problem, standfast.problem, signals.problem].map(settings_problem_view)}
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

/// The timeline's sources; signals where the gateway receives them.
fn offered_sources() -> Vec<(Vendor, &'static str)> {
    let mut offered = vec![
        (Vendor::Idme, "ID.me"),
        (Vendor::Iden, "Iden (actor or subject)"),
        (Vendor::Standfast, "Standfast (contact)"),
    ];
    if gateway_has_signals() {
        offered.push((Vendor::Signals, "Security signals (subject)"));
    }
    offered
}

fn included_names(sources: Sources) -> String {
    let names: Vec<&str> = sources.vendors().map(Vendor::label).collect();
    if names.is_empty() { "no source (tick one above)".into() } else { names.join(", ") }
}

/// A source's status while the view includes it.
fn status_of<P: SourcePlan>(plan: P, state: SourceState<P>) -> Option<impl IntoView + use<P>> {
    state.shown.get().then(|| state.status(plan.what()))
}

/// Where a source continues after its page, while the view includes it.
fn lane<P: SourcePlan>(plan: P, state: SourceState<P>) -> Option<Lane<P::After>> {
    if !state.shown.get() {
        return None;
    }
    state.loader.data.with(|d| d.as_ref().and_then(|(_, page)| Lane::after(plan.after(page), page.events())))
}

/// A source's pager line while the view includes it and its page is in.
fn pager_of<P: SourcePlan>(plan: P, state: SourceState<P>, view: PageView<P::View>) -> Option<AnyView> {
    if !state.shown.get() {
        return None;
    }
    state.loader.data.with(|d| d.as_ref().and_then(|(key, page)| plan.pager(view, key, page)))
}

/// A day of the timeline, writing at most `entries_left` entries (and counting them off, with
/// the day's heading as one).
fn write_day(m: &mut Markup, day: Day, zone: Zone, entries_left: &mut usize) {
    *entries_left = entries_left.saturating_sub(1).max(1);
    let heading = match day.date {
        Some(d) => format!("{} · {}", d.format("%A %Y-%m-%d"), events_count(day.count)),
        None => format!("Time unreadable · {}", events_count(day.count)),
    };
    m.tag("<li class=\"timeline-day\"><h3 class=\"day-heading\">").text(&heading).tag("</h3><ol class=\"sessions\">");
    for session in day.sessions {
        let left = *entries_left;
        if left == 0 {
            break;
        }
        *entries_left = left.saturating_sub(session.events.len());
        let span = session.span_minutes();
        let label = match (&session.ip, session.events.len()) {
            (_, 1) => None,
            (Some(ip), n) => Some(format!("Session from {ip}: {n} events {}", within(span))),
            (None, n) => Some(format!("{n} events without an IP, {}", within(span))),
        };
        match &label {
            Some(label) => m.tag("<li class=\"session\"><p class=\"session-label\">").text(label).tag("</p>"),
            None => m.tag("<li class=\"session single\">"),
        };
        m.tag("<ol class=\"entries\">");
        for e in session.events.iter().take(left) {
            write_entry(m, e, zone);
        }
        m.tag("</ol></li>");
    }
    m.tag("</ol></li>");
}

fn events_count(n: usize) -> String {
    if n == 1 { "1 event".into() } else { format!("{} events", thousands(n as u64)) }
}

fn within(minutes: i64) -> String {
    if minutes < 1 { "within a minute".into() } else { format!("within {minutes} min") }
}

fn write_entry(m: &mut Markup, e: &AuditEvent, zone: Zone) {
    let ip = e.actor.ip.as_deref();
    let where_ = e.context.application.as_deref().or(e.context.workspace.as_deref());
    m.tag("<li class=\"entry\"").attr("data-id", &e.id).tag(" tabindex=\"0\">");
    write_time(m, &e.occurred, zone);
    m.tag("<span class=\"event-type\">");
    write_pivot(m, Some(&e.event_type), type_href(e.source, &e.event_type), "event-type-link");
    m.tag("</span><span class=\"severity\">");
    write_badge(m, e);
    m.tag("</span><span class=\"ip\">");
    write_pivot(m, ip, ip.and_then(ip_href), "ip-link");
    m.tag("</span><span class=\"application\">").text(where_.unwrap_or_default());
    m.tag("</span><span class=\"client\">").text(e.actor.client.as_deref().unwrap_or_default());
    m.tag("</span><span class=\"source-tag\">").text(e.source.label()).tag("</span></li>");
}
