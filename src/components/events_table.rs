//! The table every view shares. Rows are keyed by event id, so a page change only touches the
//! rows that changed; every value is rendered as text; IPs, user UUIDs and event types are links
//! to the view that searches them.

use leptos::prelude::*;

use crate::components::detail_panel::row_openers;
use leptos_router::components::A;

use crate::format::Zone;
use crate::model::detail::flag_explanations;
use crate::model::{AuditEvent, Flags, SeverityOrigin};
use crate::routes::pivot::{ip_href, type_href, user_href};

/// Severity marks: the word plus an icon, so colour is never the only signal.
pub fn severity_icon(severity: crate::model::Severity) -> &'static str {
    use crate::model::Severity::*;
    match severity {
        Critical => "‼",
        High => "▲",
        Medium => "◆",
        Low => "▽",
        Info => "○",
    }
}

/// Small marks for NOTES.md's data-quality flags, each with its explanation as a tooltip.
fn flag_marks(flags: &Flags, searched: Option<&str>) -> impl IntoView + use<> {
    flag_explanations(flags, searched)
        .into_iter()
        .map(|(name, why)| view! { <span class=format!("flag flag-{name}") title=why.clone() aria-label=why>{name}</span> })
        .collect_view()
}

/// A value that links to the view searching it, or plain text when it cannot be searched.
pub fn pivot(text: Option<String>, href: Option<String>, class: &'static str) -> impl IntoView + use<> {
    match (text, href) {
        (Some(text), Some(href)) => view! { <A href=href attr:class=class>{text}</A> }.into_any(),
        (Some(text), None) => view! { <span class=class>{text}</span> }.into_any(),
        (None, _) => ().into_any(),
    }
}

/// The severity badge, with "*" when Auditdeck derived it.
pub fn severity_badge(e: &AuditEvent) -> impl IntoView + use<> {
    let severity = e.severity.as_str();
    let derived = (e.severity_origin == SeverityOrigin::Derived).then(|| {
        view! { <span class="derived" title="derived by Auditdeck from the event type (NOTES.md table)">"*"</span> }
    });
    view! {
        <span class=format!("badge severity-{severity}")>
            <span aria-hidden="true">{severity_icon(e.severity)}" "</span>{severity}
        </span>
        {derived}
    }
}

/// Who: the actor's UUID, and the subject's when it is someone else.
pub fn people(e: &AuditEvent) -> impl IntoView + use<> {
    let actor = e.actor.uuid.clone();
    let subject = e.subject.as_ref().and_then(|s| s.uuid.clone()).filter(|s| Some(s) != actor.as_ref());
    let actor_view = actor.map(|a| pivot(Some(a.clone()), user_href(&a), "uuid"));
    let subject_view = subject.map(|s| {
        let arrow = if e.actor.uuid.is_some() { "→ " } else { "" };
        view! { <span class="subject">{arrow}{pivot(Some(s.clone()), user_href(&s), "uuid")}</span> }
    });
    view! { {actor_view}{subject_view} }
}

/// One row's cells.
fn row(e: AuditEvent, zone: Zone, searched: Option<String>) -> impl IntoView {
    let decoded = e.context.application_decoded.then(|| {
        let raw = e.raw.get("application").map(|v| v.to_string()).unwrap_or_default();
        view! { <span class="flag flag-decoded" title=format!("decoded from base64: {raw}")>"decoded"</span> }
    });
    let marks = flag_marks(&e.flags, searched.as_deref());
    let ip = e.actor.ip.clone();
    let type_link = type_href(e.source, &e.event_type);
    let where_ = e.context.application.clone().or_else(|| e.context.workspace.clone());
    view! {
        <tr data-id=e.id.clone() tabindex="0">
            <td class="time"><time datetime=e.occurred.raw.clone() title=e.occurred.raw.clone()>{e.occurred.in_zone(zone)}</time></td>
            <td class="event-type">{pivot(Some(e.event_type.clone()), type_link, "event-type-link")}</td>
            <td class="severity">{severity_badge(&e)}</td>
            <td class="ip">{pivot(ip.clone(), ip.as_deref().and_then(ip_href), "ip-link")}" "{marks}</td>
            <td class="application">{where_}" "{decoded}</td>
            <td class="client">{e.actor.client.clone()}</td>
            <td class="people">{people(&e)}</td>
            <td class="source">{e.source.label()}</td>
            <td class="time"><time datetime=e.recorded.raw.clone() title=e.recorded.raw.clone()>{e.recorded.in_zone(zone)}</time></td>
        </tr>
    }
}

/// Events of any source.
#[component]
pub fn EventsTable(
    events: Signal<Vec<AuditEvent>>,
    zone: Signal<Zone>,
    /// The IP an IP search looked for (explains the mismatch flag).
    #[prop(optional, into)]
    searched: Option<String>,
    busy: Signal<bool>,
    /// Says what the table holds, for screen readers.
    #[prop(into)]
    caption: Signal<String>,
) -> impl IntoView {
    // The facet filters in the URL narrow what was loaded.
    let events = crate::components::row_tools::filtered(events);
    let rows = move || {
        let zone = zone.get();
        crate::model::keyed(events.get()).into_iter().map(move |(key, e)| (key, zone, e)).collect::<Vec<_>>()
    };
    let (open_on_click, open_on_key) = row_openers();
    view! {
        <div class="table-wrap">
            <table class="events" aria-busy=move || busy.get().to_string()>
                <caption class="visually-hidden">{move || caption.get()}</caption>
                <thead>
                    <tr>
                        <th scope="col" title="when the event happened">"Occurred"</th>
                        <th scope="col">"Event"</th>
                        <th scope="col" title="* derived by Auditdeck where the vendor sends none">"Severity"</th>
                        <th scope="col">"IP address"</th>
                        <th scope="col">"Application / workspace"</th>
                        <th scope="col">"Browser / client"</th>
                        <th scope="col" title="actor → subject">"User"</th>
                        <th scope="col">"Source"</th>
                        <th scope="col" title="when the vendor recorded the event">"Recorded"</th>
                    </tr>
                </thead>
                <tbody on:click=open_on_click on:keydown=open_on_key>
                    <For
                        each=rows
                        key=|(key, zone, _)| (key.clone(), *zone)
                        children=move |(_, zone, e)| row(e, zone, searched.clone())
                    />
                </tbody>
                {filtered_out(events, 9)}
            </table>
        </div>
    }
}

/// A row saying the facet filters hide every loaded row (the table is mounted only with rows).
pub fn filtered_out(events: Signal<Vec<AuditEvent>>, columns: usize) -> impl IntoView {
    move || {
        events.with(Vec::is_empty).then(|| {
            view! {
                <tbody class="filtered-out">
                    <tr><td colspan=columns class="empty">"The facet filters hide every loaded row on this page."</td></tr>
                </tbody>
            }
        })
    }
}

/// Placeholder rows while the first page loads.
#[component]
pub fn TableSkeleton() -> impl IntoView {
    view! {
        <div class="table-wrap" aria-hidden="true">
            <table class="events skeleton">
                <tbody>
                    {(0..8).map(|_| view! { <tr>{(0..9).map(|_| view! { <td><span class="bone"></span></td> }).collect_view()}</tr> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
