//! The table every view shares. Rows are keyed by event id, so a page change only touches the
//! rows that changed; every value is rendered as text; IPs, user UUIDs and event types are links
//! to the view that searches them.

use leptos::prelude::*;

use crate::components::detail_panel::row_openers;

use crate::components::html_rows::{Drawn, Markup, keyed_html_rows};
use crate::components::row_tools::{filtered, track_url, use_rows_href};
use crate::components::virtual_rows::VirtualRows;
use crate::model::detail::flag_explanations;
use crate::model::{AuditEvent, SeverityOrigin};
use crate::routes::pivot::{ip_href, type_href, user_href};
use crate::routes::row_filter::{Column, RowFilter};
use crate::rows::format::{ShownTime, Zone};
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

/// Writes a value that links to the view searching it, or plain text when it cannot be
/// searched. A plain `<a>` (the router still handles its click): the router's `<A>` costs a
/// reactive owner and a path resolution per link.
pub fn write_pivot(m: &mut Markup, text: Option<&str>, href: Option<String>, class: &'static str) {
    match (text, href) {
        (Some(text), Some(href)) => {
            m.tag("<a").attr("href", &href).attr("class", class).tag(">").text(text).tag("</a>")
        }
        (Some(text), None) => m.tag("<span").attr("class", class).tag(">").text(text).tag("</span>"),
        (None, _) => m,
    };
}

/// A time in `zone`, the vendor's text as its machine-readable value and tooltip.
pub fn write_time(m: &mut Markup, time: &ShownTime, zone: Zone) {
    m.tag("<time")
        .attr("datetime", &time.raw)
        .attr("title", &time.raw)
        .tag(">")
        .text(&time.in_zone(zone))
        .tag("</time>");
}

fn write_time_cell(m: &mut Markup, time: &ShownTime, zone: Zone) {
    m.tag("<td class=\"time\">");
    write_time(m, time, zone);
    m.tag("</td>");
}

/// The severity badge: the word and an icon, so colour is never the only signal, with "*" when
/// Auditdeck derived it.
pub fn write_badge(m: &mut Markup, e: &AuditEvent) {
    let severity = e.severity.as_str();
    m.tag("<span").attr("class", &format!("badge severity-{severity}"));
    m.tag("><span aria-hidden=\"true\">").text(severity_icon(e.severity)).tag(" </span>").text(severity).tag("</span>");
    if e.severity_origin == SeverityOrigin::Derived {
        m.tag("<span class=\"derived\" title=\"derived by Auditdeck from the event type (NOTES.md table)\">*</span>");
    }
}

/// The severity cell.
pub fn write_severity(m: &mut Markup, e: &AuditEvent) {
    m.tag("<td class=\"severity\">");
    write_badge(m, e);
    m.tag("</td>");
}

/// Writes one row's cells, without the hidden columns. `index` is the row's place among all
/// rows. Severity marks are the word plus an icon, so colour is never the only signal; the
/// data-quality flags (NOTES.md) are small marks with their explanation as a tooltip.
fn write_row(m: &mut Markup, e: &AuditEvent, zone: Zone, searched: Option<&str>, hidden: Hidden, index: usize) {
    let shown = |c: Column| !hidden.has(c);
    m.row_start(&e.id, index);
    if shown(Column::Occurred) {
        write_time_cell(m, &e.occurred, zone);
    }
    if shown(Column::Event) {
        m.tag("<td class=\"event-type\">");
        write_pivot(m, Some(&e.event_type), type_href(e.source, &e.event_type), "event-type-link");
        m.tag("</td>");
    }
    if shown(Column::Severity) {
        write_severity(m, e);
    }
    if shown(Column::Ip) {
        let ip = e.actor.ip.as_deref();
        m.tag("<td class=\"ip\">");
        write_pivot(m, ip, ip.and_then(ip_href), "ip-link");
        for (name, why) in flag_explanations(&e.flags, searched) {
            m.tag(" ");
            m.tag("<span").attr("class", &format!("flag flag-{name}")).attr("title", &why).attr("aria-label", &why);
            m.tag(">").text(name).tag("</span>");
        }
        m.tag("</td>");
    }
    if shown(Column::Application) {
        let where_ = e.context.application.as_deref().or(e.context.workspace.as_deref());
        m.tag("<td class=\"application\"");
        if let Some(where_) = where_ {
            m.attr("title", where_);
        }
        m.tag(">");
        if e.context.application_decoded {
            // The value gives way to the flag beside it (CSS .cell-line); alone, the cell clips it.
            let raw = e.raw.value().get("application").map(|v| v.to_string()).unwrap_or_default();
            m.tag("<span class=\"cell-line\"><span class=\"clip\">").text(where_.unwrap_or_default()).tag("</span>");
            m.tag("<span class=\"flag flag-decoded\"").attr("title", &format!("decoded from base64: {raw}"));
            m.tag(">decoded</span></span>");
        } else {
            m.text(where_.unwrap_or_default());
        }
        m.tag("</td>");
    }
    if shown(Column::Client) {
        let client = e.actor.client.as_deref();
        m.tag("<td class=\"client\"");
        if let Some(client) = client {
            m.attr("title", client);
        }
        m.tag(">").text(client.unwrap_or_default()).tag("</td>");
    }
    if shown(Column::User) {
        let actor = e.actor.uuid.as_deref();
        let subject = e.subject.as_ref().and_then(|s| s.uuid.as_deref()).filter(|s| Some(*s) != actor);
        m.tag("<td class=\"people\">");
        if let Some(actor) = actor {
            write_pivot(m, Some(actor), user_href(actor), "uuid");
        }
        if let Some(subject) = subject {
            m.tag("<span class=\"subject\">").tag(if actor.is_some() { "→ " } else { "" });
            write_pivot(m, Some(subject), user_href(subject), "uuid");
            m.tag("</span>");
        }
        m.tag("</td>");
    }
    if shown(Column::Source) {
        m.tag("<td class=\"source\">").text(e.source.label()).tag("</td>");
    }
    if shown(Column::Recorded) {
        write_time_cell(m, &e.recorded, zone);
    }
    m.tag("</tr>");
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

/// A sortable column header: a link that sorts by it (again: the other way). The cell is made
/// once for the columns shown and kept while the view changes: its link, sort state and mark
/// follow the whole URL in place, so a change of view sets attributes instead of making the
/// header row again.
fn header<Href: Fn(RowFilter) -> String + Send + Sync + 'static>(
    column: Column,
    filter: Memo<RowFilter>,
    href: Href,
    title: Option<&'static str>,
) -> impl IntoView + use<Href> {
    let track_url = track_url();
    // Some(descending) when the table is sorted by this column.
    let current = Memo::new(move |_| filter.with(|f| f.sort.filter(|(c, _)| *c == column).map(|(_, down)| down)));
    let link = move || {
        track_url();
        let next = match current.get() {
            Some(false) => Some((column, true)),
            Some(true) => None,
            None => Some((column, false)),
        };
        filter.with(|f| href(f.with_sort(next)))
    };
    let sort = move || match current.get() {
        Some(false) => "ascending",
        Some(true) => "descending",
        None => "none",
    };
    let mark = move || match current.get() {
        Some(false) => " ▲",
        Some(true) => " ▼",
        None => "",
    };
    view! {
        <th scope="col" aria-sort=sort title=title data-column=column.key()>
            <a href=link class="sort-link">{column.label()}{mark}</a>
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
    let body = NodeRef::new();
    keyed_html_rows(
        body,
        move || {
            let (zone, hidden) = (zone.get(), hidden.get());
            Drawn {
                rows: shown
                    .window()
                    .into_iter()
                    .map(|(key, index, e)| ((key, zone, hidden), (zone, hidden, index, e)))
                    .collect(),
                above_px: shown.spacer_px(true),
                below_px: shown.spacer_px(false),
            }
        },
        move |(zone, hidden, index, e), m| {
            searched.with_untracked(|searched| write_row(m, e, *zone, searched.as_deref(), *hidden, *index))
        },
    );
    let headers = move || {
        let hidden = hidden.get();
        let title = |c: Column| match c {
            Column::Occurred => Some("when the event happened"),
            Column::Severity => Some("* derived by Auditdeck where the vendor sends none"),
            Column::User => Some("actor → subject"),
            Column::Recorded => Some("when the vendor recorded the event"),
            _ => None,
        };
        Column::ALL
            .into_iter()
            .filter(|c| !hidden.has(*c))
            .map(|c| header(c, filter, rows_href.clone(), title(c)))
            .collect::<Vec<_>>()
    };
    let (open_on_click, open_on_key) = row_openers();
    view! {
        <div class="table-wrap" class:virtual=move || shown.on.get() node_ref=shown.wrap on:scroll=shown.on_scroll()>
            <table class="events" class:virtual=move || shown.on.get() aria-busy=move || (busy.get() || shown.rows_to_come()).to_string()
                aria-rowcount=move || total.get() + 1>
                <caption class="visually-hidden">{move || format!("{} ({} rows)", caption.get(), total.get())}</caption>
                <thead>
                    <tr aria-rowindex="1">{headers}</tr>
                </thead>
                <tbody node_ref=body on:click=open_on_click on:keydown=open_on_key></tbody>
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
