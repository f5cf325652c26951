//! The table every view shares. Rows are keyed by event id, so a page change only touches the
//! rows that changed; every value is rendered as text; IPs, user UUIDs and event types are links
//! to the view that searches them.

use leptos::prelude::*;

use crate::components::detail_panel::row_openers;
use leptos_router::components::A;

use crate::components::plain_rows::plain_rows;
use crate::components::row_tools::{filtered, use_rows_href};
use crate::components::virtual_rows::VirtualRows;
use crate::model::detail::flag_explanations;
use crate::model::{AuditEvent, Flags, SeverityOrigin};
use crate::routes::pivot::{ip_href, type_href, user_href};
use crate::routes::row_filter::{Column, RowFilter};
use crate::rows::format::Zone;
use crate::views::current::{CurrentView, use_row_filter};

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
/// A plain `<a>` (the router still handles its click): the router's `<A>` costs a reactive
/// owner and a path resolution per link, and a table renders thousands of them while scrolling.
pub fn pivot(text: Option<String>, href: Option<String>, class: &'static str) -> impl IntoView + use<> {
    match (text, href) {
        (Some(text), Some(href)) => view! { <a href=href class=class>{text}</a> }.into_any(),
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

/// One row's cells, without the hidden columns. `index` is the row's place among all rows.
fn row(e: AuditEvent, zone: Zone, searched: Option<String>, hidden: Hidden, index: usize) -> impl IntoView {
    let decoded = e.context.application_decoded.then(|| {
        let raw = e.raw.value().get("application").map(|v| v.to_string()).unwrap_or_default();
        view! { <span class="flag flag-decoded" title=format!("decoded from base64: {raw}")>"decoded"</span> }
    });
    let marks = flag_marks(&e.flags, searched.as_deref());
    let ip = e.actor.ip.clone();
    let type_link = type_href(e.source, &e.event_type);
    let where_ = e.context.application.clone().or_else(|| e.context.workspace.clone());
    let shown = move |c: Column| !hidden.has(c);
    let client = e.actor.client.clone();
    view! {
        <tr data-id=e.id.clone() tabindex="0" aria-rowindex=index + 2>
            {shown(Column::Occurred).then(|| view! { <td class="time"><time datetime=e.occurred.raw.clone() title=e.occurred.raw.clone()>{e.occurred.in_zone(zone)}</time></td> })}
            {shown(Column::Event).then(|| view! { <td class="event-type">{pivot(Some(e.event_type.clone()), type_link, "event-type-link")}</td> })}
            {shown(Column::Severity).then(|| view! { <td class="severity">{severity_badge(&e)}</td> })}
            {shown(Column::Ip).then(|| view! { <td class="ip">{pivot(ip.clone(), ip.as_deref().and_then(ip_href), "ip-link")}" "{marks}</td> })}
            {shown(Column::Application).then(|| view! { <td class="application" title=where_.clone()><span class="cell-line"><span class="clip">{where_.clone()}</span>{decoded}</span></td> })}
            {shown(Column::Client).then(|| view! { <td class="client" title=client.clone()>{client.clone()}</td> })}
            {shown(Column::User).then(|| view! { <td class="people">{people(&e)}</td> })}
            {shown(Column::Source).then(|| view! { <td class="source">{e.source.label()}</td> })}
            {shown(Column::Recorded).then(|| view! { <td class="time"><time datetime=e.recorded.raw.clone() title=e.recorded.raw.clone()>{e.recorded.in_zone(zone)}</time></td> })}
        </tr>
    }
}

/// The hidden columns as a bit set (cheap to compare in row keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
struct Hidden(u16);

impl Hidden {
    fn of(columns: &[Column]) -> Hidden {
        Hidden(
            Column::ALL.iter().enumerate().filter(|(_, c)| columns.contains(c)).fold(0, |bits, (i, _)| bits | 1 << i),
        )
    }

    fn has(self, column: Column) -> bool {
        Column::ALL.iter().position(|c| *c == column).is_some_and(|i| self.0 & (1 << i) != 0)
    }
}

/// A sortable column header: a link that sorts by it (again: the other way).
fn header(
    column: Column,
    filter: &RowFilter,
    href: &dyn Fn(RowFilter) -> String,
    title: Option<&'static str>,
) -> impl IntoView + use<> {
    let current = filter.sort.filter(|(c, _)| *c == column);
    let next = match current {
        Some((_, false)) => Some((column, true)),
        Some((_, true)) => None,
        None => Some((column, false)),
    };
    let sort = match current {
        Some((_, false)) => "ascending",
        Some((_, true)) => "descending",
        None => "none",
    };
    let mark = match current {
        Some((_, false)) => " ▲",
        Some((_, true)) => " ▼",
        None => "",
    };
    let link = href(filter.with_sort(next));
    view! {
        <th scope="col" aria-sort=sort title=title data-column=column.key()>
            <A href=link attr:class="sort-link">{column.label()}{mark}</A>
        </th>
    }
}

/// Events of any source.
#[component]
pub fn EventsTable(
    events: Signal<Vec<AuditEvent>>,
    zone: Signal<Zone>,
    busy: Signal<bool>,
    /// Says what the table holds, for screen readers.
    #[prop(into)]
    caption: Signal<String>,
) -> impl IntoView {
    // The filters, sort and columns in the URL shape what was loaded.
    let filter = use_row_filter();
    let rows_href = use_rows_href();
    // The IP an IP search looked for (explains the mismatch flag).
    let view = CurrentView::use_context();
    let searched = Memo::new(move |_| view.and_then(|v| v.basics().searched));
    let events = filtered(events);
    let hidden = Memo::new(move |_| filter.with(|f| Hidden::of(&f.hidden)));
    let total = Memo::new(move |_| events.with(Vec::len));
    let shown = VirtualRows::new(events);
    let rows = move || {
        let (zone, hidden) = (zone.get(), hidden.get());
        shown.window().into_iter().map(|(key, index, e)| (key, zone, hidden, index, e)).collect::<Vec<_>>()
    };
    let headers = move || {
        let f = filter.get();
        let href = rows_href.clone();
        let title = |c: Column| match c {
            Column::Occurred => Some("when the event happened"),
            Column::Severity => Some("* derived by Auditdeck where the vendor sends none"),
            Column::User => Some("actor → subject"),
            Column::Recorded => Some("when the vendor recorded the event"),
            _ => None,
        };
        Column::ALL
            .into_iter()
            .filter(|c| !f.hidden.contains(c))
            .map(|c| header(c, &f, &href, title(c)))
            .collect::<Vec<_>>()
    };
    let (open_on_click, open_on_key) = row_openers();
    view! {
        <div class="table-wrap" class:virtual=move || shown.on.get() node_ref=shown.wrap on:scroll=shown.on_scroll()>
            <table class="events" class:virtual=move || shown.on.get() aria-busy=move || busy.get().to_string()
                aria-rowcount=move || total.get() + 1>
                <caption class="visually-hidden">{move || format!("{} ({} rows)", caption.get(), total.get())}</caption>
                <thead>
                    <tr aria-rowindex="1">{headers}</tr>
                </thead>
                <tbody on:click=open_on_click on:keydown=open_on_key>
                    {shown.spacer(true)}
                    {plain_rows(
                        rows,
                        |(key, zone, hidden, _, _)| (key.clone(), *zone, *hidden),
                        move |(_, zone, hidden, index, e)| row(e, zone, searched.get_untracked(), hidden, index),
                    )}
                    {shown.spacer(false)}
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
                    <tr><td colspan=columns class="empty">"The filters above hide every loaded row."</td></tr>
                </tbody>
            }
        })
    }
}

/// Placeholder rows while the first page loads: one box the stylesheet draws as rows, not some
/// 150 elements made only to be thrown away a moment later when the rows come.
#[component]
pub fn TableSkeleton() -> impl IntoView {
    view! {
        <div class="table-wrap" aria-hidden="true">
            <div class="skeleton"></div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_columns_are_a_bit_set() {
        assert!(Hidden::of(&[Column::Source]).has(Column::Source));
        assert!(!Hidden::of(&[Column::Source]).has(Column::Ip));
    }
}
