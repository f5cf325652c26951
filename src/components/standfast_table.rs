//! Standfast identity events with the document's own columns. Null fields are empty cells,
//! contract breakers are flagged with the missing field named, scopeValues are compact.

use leptos::prelude::*;

use crate::components::detail_panel::row_openers;
use crate::components::html_rows::{Drawn, Markup, keyed_html_rows};
use crate::components::virtual_rows::VirtualRows;

use crate::components::events_table::{write_pivot, write_severity, write_time};
use crate::model::AuditEvent;
use crate::providers::standfast::read_event;
use crate::routes::pivot::{type_href, user_href};
use crate::rows::format::{Zone, shown_time};

/// How many scope values a cell lists before "+N more".
const SCOPE_VALUES_SHOWN: usize = 3;

/// `scopeValues` in a few words: the first values and how many more, or a JSON excerpt for
/// anything that is not a list.
pub fn compact_scope_values(value: Option<&serde_json::Value>) -> (String, String) {
    match value {
        None | Some(serde_json::Value::Null) => (String::new(), String::new()),
        Some(serde_json::Value::Array(items)) => {
            let texts: Vec<String> =
                items.iter().map(|v| v.as_str().map(String::from).unwrap_or_else(|| v.to_string())).collect();
            let full = texts.join(", ");
            let mut short = texts.iter().take(SCOPE_VALUES_SHOWN).cloned().collect::<Vec<_>>().join(", ");
            if texts.len() > SCOPE_VALUES_SHOWN {
                short.push_str(&format!(" +{} more", texts.len() - SCOPE_VALUES_SHOWN));
            }
            (short, full)
        }
        Some(other) => {
            let full = other.to_string();
            (crate::providers::excerpt(&full, 40), full)
        }
    }
}

/// Writes one row; `index` is its place among all rows.
fn write_row(m: &mut Markup, e: &AuditEvent, zone: Zone, index: usize) {
    let raw = e.raw.value();
    let wire = read_event(&raw).unwrap_or_default();
    let (scope_short, scope_full) = compact_scope_values(raw.get("scopeValues"));
    let cell = |m: &mut Markup, class: Option<&'static str>, value: Option<&str>| {
        m.tag("<td");
        if let Some(class) = class {
            m.attr("class", class);
        }
        m.tag(">").text(value.unwrap_or_default()).tag("</td>");
    };
    m.row_start(&e.id, index);
    m.tag("<td class=\"time\">");
    write_time(m, &e.occurred, zone);
    m.tag("</td><td class=\"event-type\">");
    write_pivot(m, Some(&e.event_type), type_href(e.source, &e.event_type), "event-type-link");
    m.tag(" ");
    if !e.flags.contract.is_empty() {
        let missing = e.flags.contract.join(", ");
        m.tag("<span class=\"flag flag-contract\"")
            .attr("title", &format!("breaks its type's contract: missing {missing}"));
        m.tag(">").text(&format!("missing {missing}")).tag("</span>");
    }
    m.tag("</td>");
    write_severity(m, e);
    cell(m, None, wire.factor_category.as_deref());
    cell(m, None, wire.factor_type.as_deref());
    m.tag("<td class=\"people\">");
    if let Some(contact) = &wire.factor_bound_to_principal {
        write_pivot(m, Some(contact), user_href(contact), "uuid");
    }
    m.tag("</td>");
    cell(m, None, wire.risk_signal_name.as_deref());
    cell(m, Some("number"), wire.risk_signal_weight.map(|w| w.to_string()).as_deref());
    cell(m, None, wire.scope_dimension.as_deref());
    m.tag("<td class=\"scope-values\"").attr("title", &scope_full).tag(">").text(&scope_short).tag("</td>");
    cell(m, None, wire.evidence_ref.as_deref());
    cell(m, None, wire.prompt_version.as_deref());
    cell(m, Some("id"), wire.conversation_id.as_deref());
    let created = shown_time(wire.created_at.as_deref());
    m.tag("<td class=\"time\"><time")
        .attr("datetime", &created.raw)
        .tag(">")
        .text(&created.in_zone(zone))
        .tag("</time> ");
    if e.flags.clock {
        m.tag("<span class=\"flag flag-clock\" title=\"createdAt is far from occurredAt\">clock</span>");
    }
    m.tag("</td><td class=\"id\">").text(&e.id).tag(" ");
    if e.flags.duplicate {
        m.tag("<span class=\"flag flag-duplicate\" title=\"this id was already shown on an earlier page\">duplicate</span>");
    }
    m.tag("</td></tr>");
}

#[component]
pub fn StandfastTable(
    events: Signal<Vec<AuditEvent>>,
    zone: Signal<Zone>,
    busy: Signal<bool>,
    #[prop(into)] caption: Signal<String>,
) -> impl IntoView {
    // The facet filters in the URL narrow what was loaded.
    let events = crate::components::row_tools::filtered(events);
    let total = Memo::new(move |_| events.with(Vec::len));
    let shown = VirtualRows::new(events);
    let body = NodeRef::new();
    keyed_html_rows(
        body,
        move || {
            let zone = zone.get();
            Drawn {
                rows: shown.window().into_iter().map(|(key, index, e)| ((key, zone), (zone, index, e))).collect(),
                above_px: shown.spacer_px(true),
                below_px: shown.spacer_px(false),
            }
        },
        |(zone, index, e), m| write_row(m, e, *zone, *index),
    );
    let headers = [
        ("occurredAt", "Occurred"),
        ("eventType", "Event type"),
        ("", "Severity *"),
        ("factorCategory", "Factor category"),
        ("factorType", "Factor type"),
        ("factorBoundToPrincipal", "Contact"),
        ("riskSignalName", "Risk signal"),
        ("riskSignalWeight", "Weight"),
        ("scopeDimension", "Scope dimension"),
        ("scopeValues", "Scope values"),
        ("evidenceRef", "Evidence"),
        ("promptVersion", "Prompt version"),
        ("conversationId", "Conversation"),
        ("createdAt", "Created"),
        ("id", "Id"),
    ];
    let (open_on_click, open_on_key) = row_openers();
    view! {
        <div class="table-wrap" class:virtual=move || shown.on.get() node_ref=shown.wrap on:scroll=shown.on_scroll()>
            <table class="events standfast" class:virtual=move || shown.on.get() aria-busy=move || (busy.get() || shown.rows_to_come()).to_string()
                aria-rowcount=move || total.get() + 1>
                <caption class="visually-hidden">{move || format!("{} ({} rows)", caption.get(), total.get())}</caption>
                <thead>
                    <tr aria-rowindex="1">
                        {headers.map(|(wire, label)| {
                            let title = if wire.is_empty() { "derived by Auditdeck from the type (NOTES.md)".to_string() } else { wire.to_string() };
                            view! { <th scope="col" title=title>{label}</th> }
                        })}
                    </tr>
                </thead>
                <tbody node_ref=body on:click=open_on_click on:keydown=open_on_key></tbody>
                {crate::components::events_table::filtered_out(events, 15)}
            </table>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_values_are_compact_with_the_full_list_kept() {
        let v = serde_json::json!(["acct-1", "acct-2", "acct-3", "acct-4", "acct-5"]);
        assert_eq!(compact_scope_values(Some(&v)).0, "acct-1, acct-2, acct-3 +2 more");
        assert_eq!(compact_scope_values(Some(&v)).1, "acct-1, acct-2, acct-3, acct-4, acct-5");
        assert_eq!(compact_scope_values(Some(&serde_json::Value::Null)).0, "");
        assert_eq!(compact_scope_values(Some(&serde_json::json!(["a"]))).0, "a");
    }
}
