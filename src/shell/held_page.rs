//! A route's page, kept out of the layout until its first vendor answers are in: a pasted link
//! then lays out and paints its page and its first rows in one frame. Shown at once, the page
//! was laid out and painted without its rows first (8-17 ms on the page's thread, traced), and
//! the answer that came meanwhile waited for that frame (docs/PERFORMANCE.md, "The page and its
//! first rows in one frame").

use std::time::Duration;

use leptos::prelude::*;

use crate::views::shown::ShownRows;

/// How long a page waits for its answers before it shows with their status ("Loading…"): a
/// slow vendor's page is not left blank for longer than a moment.
const HOLD_AT_MOST: Duration = Duration::from_millis(150);

/// `page`, hidden until it shows a row, or no request of the view is in flight (ShownRows's
/// loaders, registered as the page was made: a page that asks nothing shows at once), or
/// [`HOLD_AT_MOST`] has passed. A view of several sources shows with its first source's rows.
pub fn held_until_answered(page: AnyView) -> AnyView {
    let held = RwSignal::new(true);
    let shown = ShownRows::use_context();
    Effect::new(move |_| {
        // Once shown, the effect reads nothing more, so it never runs again.
        if held.get_untracked() && !shown.is_some_and(|s| s.busy() && !s.any_rows()) {
            held.set(false);
        }
    });
    set_timeout(
        move || {
            held.try_set(false);
        },
        HOLD_AT_MOST,
    );
    view! { <div class="route-page" hidden=move || held.get()>{page}</div> }.into_any()
}
