use leptos::prelude::*;

use crate::model::{AuditEvent, Flags, SeverityOrigin};

/// Small marks for NOTES.md's data-quality flags, each with its explanation as a tooltip.
fn flag_marks(flags: &Flags, searched: Option<&str>) -> impl IntoView + use<> {
    let mut marks = Vec::new();
    if flags.mismatch {
        marks.push(("mismatch", format!("ipaddress differs from the searched IP {}", searched.unwrap_or(""))));
    }
    if flags.order {
        marks.push(("order", "newer than the row above: the page is not newest-first as documented".to_string()));
    }
    if flags.clock {
        marks.push(("clock", "the record time is inconsistent with the event time".to_string()));
    }
    if !flags.contract.is_empty() {
        marks.push(("contract", format!("missing required field: {}", flags.contract.join(", "))));
    }
    if flags.duplicate {
        marks.push(("duplicate", "this id was already seen on an earlier page".to_string()));
    }
    marks
        .into_iter()
        .map(|(name, why)| view! { <span class=format!("flag flag-{name}") title=why.clone() aria-label=why>{name}</span> })
        .collect_view()
}

/// Events of any source. Every value is rendered as text.
#[component]
pub fn EventsTable(
    events: Vec<AuditEvent>,
    /// The IP an IP search looked for (explains the mismatch flag).
    #[prop(optional, into)]
    searched: Option<String>,
    busy: Signal<bool>,
) -> impl IntoView {
    let body = events
        .into_iter()
        .map(|e| {
            let decoded = e.context.application_decoded.then(|| {
                let raw = e.raw.get("application").map(|v| v.to_string()).unwrap_or_default();
                view! { <span class="flag flag-decoded" title=format!("decoded from base64: {raw}")>"decoded"</span> }
            });
            let marks = flag_marks(&e.flags, searched.as_deref());
            let severity = e.severity.as_str();
            let derived = (e.severity_origin == SeverityOrigin::Derived).then(|| {
                view! { <span class="derived" title="derived by Auditdeck from the event type (NOTES.md table)">"*"</span> }
            });
            view! {
                <tr>
                    <td class="time"><time datetime=e.occurred.raw.clone()>{e.occurred.text}</time></td>
                    <td class="event-type">{e.event_type}</td>
                    <td class="severity"><span class=format!("badge severity-{severity}")>{severity}</span>{derived}</td>
                    <td class="ip">{e.actor.ip}" "{marks}</td>
                    <td class="application">{e.context.application}" "{decoded}</td>
                    <td class="client">{e.actor.client}</td>
                    <td class="time"><time datetime=e.recorded.raw.clone()>{e.recorded.text}</time></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="events" aria-busy=move || busy.get().to_string()>
                <thead>
                    <tr>
                        <th scope="col" title="when the event happened (tracked_at)">"Occurred"</th>
                        <th scope="col">"Event"</th>
                        <th scope="col" title="* derived by Auditdeck where the vendor sends none">"Severity"</th>
                        <th scope="col">"IP address"</th>
                        <th scope="col">"Application"</th>
                        <th scope="col">"Browser / client"</th>
                        <th scope="col" title="when the vendor last updated the record (updated_at)">"Recorded"</th>
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    }
}

/// Placeholder rows while the first page loads.
#[component]
pub fn TableSkeleton() -> impl IntoView {
    view! {
        <div class="table-wrap" aria-hidden="true">
            <table class="events skeleton">
                <tbody>
                    {(0..8).map(|_| view! { <tr>{(0..7).map(|_| view! { <td><span class="bone"></span></td> }).collect_view()}</tr> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
