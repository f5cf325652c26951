use leptos::prelude::*;

use crate::rows::format::thousands;

/// First / previous / next / last as real links, and "Page x of y · N events".
/// `href` makes the link for a page number.
#[component]
pub fn Pager(current: u64, total_pages: u64, total_count: u64, href: Callback<u64, String>) -> impl IntoView {
    let link = move |label: &'static str, rel: &'static str, target: Option<u64>| match target {
        Some(page) => view! { <a href=href.run(page) rel=rel class="pager-link">{label}</a> }.into_any(),
        None => view! { <span class="pager-link disabled" aria-disabled="true">{label}</span> }.into_any(),
    };
    let first = (current > 1 && total_pages > 0).then_some(1);
    let prev = (current > 1 && total_pages > 0).then(|| (current - 1).min(total_pages));
    let next = (current < total_pages).then_some(current + 1);
    let last = (total_pages > 0 && current != total_pages).then_some(total_pages);
    view! {
        <nav class="pager" aria-label="Pages">
            {link("« First", "first", first)}
            {link("‹ Previous", "prev", prev)}
            <span class="pager-position" aria-live="polite">
                {format!("Page {} of {} · {} events", thousands(current), thousands(total_pages), thousands(total_count))}
            </span>
            {link("Next ›", "next", next)}
            {link("Last »", "last", last)}
        </nav>
    }
}
