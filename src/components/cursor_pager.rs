//! Newest / newer / older as real links, for sources paged by cursor or position.

use leptos::prelude::*;

#[component]
pub fn CursorPager(
    /// The first page, when this is not it.
    newest: Option<String>,
    newer: Option<String>,
    older: Option<String>,
    /// "Page 3" or "Newest 50 events": where the user is.
    #[prop(into)]
    position: String,
) -> impl IntoView {
    let link = |label: &'static str, rel: &'static str, href: Option<String>| match href {
        Some(href) => view! { <a href=href rel=rel class="pager-link">{label}</a> }.into_any(),
        None => view! { <span class="pager-link disabled" aria-disabled="true">{label}</span> }.into_any(),
    };
    view! {
        <nav class="pager" aria-label="Pages">
            {link("« Newest", "first", newest)}
            {link("‹ Newer", "prev", newer)}
            <span class="pager-position" aria-live="polite">{position}</span>
            {link("Older ›", "next", older)}
        </nav>
    }
}
