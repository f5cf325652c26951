//! Standfast identity events with the document's own columns. Null fields are empty cells,
//! contract breakers are flagged with the missing field named, scopeValues are compact.

use leptos::prelude::*;

use crate::components::detail_panel::row_openers;
use crate::components::plain_rows::plain_rows;
use crate::components::virtual_rows::VirtualRows;

use crate::components::events_table::{pivot, severity_badge};
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

/// One row; `index` is its place among all rows.
fn row(e: AuditEvent, zone: Zone, index: usize) -> impl IntoView {
    let raw = e.raw.value();
    let wire = read_event(&raw).unwrap_or_default();
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let (scope_short, scope_full) = compact_scope_values(raw.get("scopeValues"));
    let contract = (!e.flags.contract.is_empty()).then(|| {
        let why = format!("breaks its type's contract: missing {}", e.flags.contract.join(", "));
        view! { <span class="flag flag-contract" title=why.clone()>{format!("missing {}", e.flags.contract.join(", "))}</span> }
    });
    let duplicate = e.flags.duplicate.then(|| view! { <span class="flag flag-duplicate" title="this id was already shown on an earlier page">"duplicate"</span> });
    let clock = e
        .flags
        .clock
        .then(|| view! { <span class="flag flag-clock" title="createdAt is far from occurredAt">"clock"</span> });
    let contact = wire.factor_bound_to_principal.clone();
    let created = shown_time(wire.created_at.as_deref());
    view! {
        <tr data-id=e.id.clone() tabindex="0" aria-rowindex=index + 2>
            <td class="time"><time datetime=e.occurred.raw.clone() title=e.occurred.raw.clone()>{e.occurred.in_zone(zone)}</time></td>
            <td class="event-type">{pivot(Some(e.event_type.clone()), type_href(e.source, &e.event_type), "event-type-link")}" "{contract}</td>
            <td class="severity">{severity_badge(&e)}</td>
            <td>{text(&wire.factor_category)}</td>
            <td>{text(&wire.factor_type)}</td>
            <td class="people">{contact.clone().map(|c| pivot(Some(c.clone()), user_href(&c), "uuid"))}</td>
            <td>{text(&wire.risk_signal_name)}</td>
            <td class="number">{wire.risk_signal_weight.map(|w| w.to_string()).unwrap_or_default()}</td>
            <td>{text(&wire.scope_dimension)}</td>
            <td class="scope-values" title=scope_full>{scope_short}</td>
            <td>{text(&wire.evidence_ref)}</td>
            <td>{text(&wire.prompt_version)}</td>
            <td class="id">{text(&wire.conversation_id)}</td>
            <td class="time"><time datetime=created.raw.clone()>{created.in_zone(zone)}</time>" "{clock}</td>
            <td class="id">{e.id.clone()}" "{duplicate}</td>
        </tr>
    }
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
    let rows = move || {
        let zone = zone.get();
        shown.window().into_iter().map(|(key, index, e)| (key, zone, index, e)).collect::<Vec<_>>()
    };
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
            <table class="events standfast" class:virtual=move || shown.on.get() aria-busy=move || busy.get().to_string()
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
                <tbody on:click=open_on_click on:keydown=open_on_key>
                    {shown.spacer(true)}
                    {plain_rows(rows, |(key, zone, _, _)| (key.clone(), *zone), |(_, zone, index, e)| row(e, zone, index))}
                    {shown.spacer(false)}
                </tbody>
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
