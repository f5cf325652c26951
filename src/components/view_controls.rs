//! Controls every view shares: the time zone switch (links) and the source switches.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::model::Vendor;
use crate::rows::format::Zone;

/// UTC / local as two real links; the current one is marked.
#[component]
pub fn ZoneSwitch(zone: Signal<Zone>, href: Callback<Zone, String>) -> impl IntoView {
    let track_url = crate::components::row_tools::track_url();
    let link = move |z: Zone, label: &'static str| {
        view! {
            <a href=move || { track_url(); href.run(z) } class="zone-link"
                aria-current=move || (zone.get() == z).then_some("true")>{label}</a>
        }
    };
    view! {
        <span class="zone-switch" role="group" aria-label="Times shown in">
            "Times: " {link(Zone::Utc, "UTC")} " " {link(Zone::Local, "Local")}
        </span>
    }
}

/// One checkbox per source; a change navigates once to the view with the new set.
#[component]
pub fn SourceSwitches(
    /// The sources offered, with what each contributes (e.g. "Iden (actor_ip)").
    offered: Vec<(Vendor, &'static str)>,
    included: Signal<crate::routes::query::Sources>,
    href: Callback<(Vendor, bool), String>,
) -> impl IntoView {
    let navigate = use_navigate();
    let boxes = offered
        .into_iter()
        .map(|(source, label)| {
            let navigate = navigate.clone();
            let id = format!("source-{}", source.label().to_ascii_lowercase().replace('.', ""));
            view! {
                <label class="check">
                    <input
                        id=id
                        type="checkbox"
                        prop:checked=move || included.get().has(source)
                        on:change=move |ev| navigate(&href.run((source, event_target_checked(&ev))), Default::default())
                    />
                    {label}
                </label>
            }
        })
        .collect_view();
    view! { <fieldset class="source-switches"><legend>"Sources"</legend>{boxes}</fieldset> }
}
