use leptos::prelude::*;

use crate::rows::{Flags, Row};

/// Small marks for NOTES.md's data-quality flags, each with its explanation as a tooltip.
fn flag_marks(flags: Flags, searched: &str) -> impl IntoView + use<> {
    let mut marks = Vec::new();
    if flags.mismatch {
        marks.push(("mismatch", format!("ipaddress differs from the searched IP {searched}")));
    }
    if flags.order {
        marks.push(("order", "newer than the row above: the page is not newest-first as documented".to_string()));
    }
    if flags.clock {
        marks.push(("clock", "updated_at is earlier than tracked_at".to_string()));
    }
    marks
        .into_iter()
        .map(|(name, why)| view! { <span class=format!("flag flag-{name}") title=why.clone() aria-label=why>{name}</span> })
        .collect_view()
}

/// The ID.me events table. Every value is rendered as text.
#[component]
pub fn EventsTable(rows: Vec<Row>, #[prop(into)] searched: String, busy: Signal<bool>) -> impl IntoView {
    let body = rows
        .into_iter()
        .map(|row| {
            let decoded = row.application_decoded.then(|| {
                let raw = format!("decoded from base64: {:?}", row.application_raw);
                view! { <span class="flag flag-decoded" title=raw>"decoded"</span> }
            });
            let marks = flag_marks(row.flags, &searched);
            view! {
                <tr>
                    <td class="time"><time datetime=row.tracked_at.raw.clone()>{row.tracked_at.text}</time></td>
                    <td class="event-type">{row.event_type}</td>
                    <td class="ip">{row.ip}" "{marks}</td>
                    <td class="application">{row.application}" "{decoded}</td>
                    <td class="browser">{row.browser}</td>
                    <td class="time"><time datetime=row.updated_at.raw.clone()>{row.updated_at.text}</time></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="events" aria-busy=move || busy.get().to_string()>
                <thead>
                    <tr>
                        <th scope="col">"Tracked at"</th>
                        <th scope="col">"Event"</th>
                        <th scope="col">"IP address"</th>
                        <th scope="col">"Application"</th>
                        <th scope="col">"Browser"</th>
                        <th scope="col">"Updated at"</th>
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
                    {(0..8).map(|_| view! { <tr>{(0..6).map(|_| view! { <td><span class="bone"></span></td> }).collect_view()}</tr> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
