use leptos::prelude::*;
use leptos_router::components::A;

use crate::providers::ApiError;

/// A vendor or network error: status, vendor code and message, what to do, and a retry.
#[component]
pub fn ErrorBox(error: ApiError, #[prop(optional, into)] on_retry: Option<Callback<()>>) -> impl IntoView {
    let hint = error.hint();
    view! {
        <div class="error-box" role="alert">
            <p class="error-headline">{error.headline()}</p>
            {hint.map(|h| view! { <p class="error-hint">{h}</p> })}
            {on_retry.map(|retry| view! {
                <button type="button" class="retry" on:click=move |_| retry.run(())>"Retry"</button>
            })}
        </div>
    }
}

/// A message that is not a vendor error (bad URL, missing settings).
#[component]
pub fn Notice(#[prop(into)] message: String, #[prop(optional, into)] kind: Option<&'static str>) -> impl IntoView {
    view! { <div class=format!("notice {}", kind.unwrap_or("")) role="status">{message}</div> }
}

/// "Settings are incomplete" with a link to fix them.
pub fn settings_problem_view(problem: RwSignal<Option<String>>) -> impl IntoView {
    move || {
        problem.get().map(|message| {
            view! {
                <div class="notice settings-needed" role="alert">
                    {message} " " <A href="/settings">"Open Settings"</A>
                </div>
            }
        })
    }
}

/// A count of records that could not be read, when there are any.
pub fn unreadable_notice(count: usize) -> Option<impl IntoView> {
    (count > 0).then(|| {
        let message = format!(
            "{count} record(s) on this page could not be read (fields missing, null or of the wrong type) and are not shown."
        );
        view! { <Notice message=message kind="unreadable"/> }
    })
}
