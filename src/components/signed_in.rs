//! Who is signed in, and the way out, in the header (when the gateway signs people in).

use leptos::prelude::*;

use crate::connection::state::use_app_state;

#[component]
pub fn SignedInAs() -> impl IntoView {
    let state = use_app_state();
    let user = move || state.config.with(|c| c.user().cloned());
    move || {
        user().map(|user| {
            view! {
                <span class="signed-in" id="signed-in">
                    "Signed in as " <strong>{user.name}</strong>
                </span>
                // A real form: sign-out changes state, so it is a POST the gateway checks is ours.
                <form class="sign-out" method="post" action="/auth/sign-out">
                    <button type="submit" id="sign-out">"Sign out"</button>
                </form>
            }
        })
    }
}

/// Shown instead of every view when the person may use no connection at all.
#[component]
pub fn NotAllowed() -> impl IntoView {
    let state = use_app_state();
    let name = move || state.config.with(|c| c.user().map(|u| u.name.clone()).unwrap_or_default());
    view! {
        <section class="page not-allowed" id="not-allowed">
            <h1>"Not allowed"</h1>
            <p>"You are signed in as " <strong>{name}</strong> ", but no connection is open to you, so Auditdeck cannot show any events."</p>
            <p>"Ask an Auditdeck admin to add you to one of the groups that may use a connection, then reload this page: the link you opened will still work."</p>
        </section>
    }
}
