//! What a source's request is doing: loading, waiting for the rate limit (with a countdown),
//! or failed (vendor code and message, and a retry).

use std::time::Duration;

use leptos::prelude::*;

use crate::components::error_box::ErrorBox;
use crate::net::fetcher::{Wait, WaitReason, now_ms};
use crate::providers::ApiError;

#[component]
pub fn LoadStatus(
    /// The source's name, e.g. "Iden".
    what: &'static str,
    loading: RwSignal<bool>,
    waiting: RwSignal<Option<Wait>>,
    failure: RwSignal<Option<ApiError>>,
    on_retry: Callback<()>,
) -> impl IntoView {
    let now = RwSignal::new(now_ms());
    if let Ok(handle) = set_interval_with_handle(move || now.set(now_ms()), Duration::from_millis(250)) {
        on_cleanup(move || handle.clear());
    }
    let wait_view = move || {
        waiting.get().map(|w| {
            // The tick only wakes this up; the time is read fresh so the count never exceeds Retry-After.
            now.track();
            let secs = ((w.until_ms - now_ms()) / 1000.0).ceil().max(0.0) as u64;
            let text = match &w.reason {
                WaitReason::RateLimited { vendor, message } => {
                    format!("{vendor} answered 429 (rate limited): {message} Retrying in {secs} s.")
                }
                WaitReason::Budget { per_minute } => {
                    format!("Waiting for {what}'s request budget ({per_minute} a minute): sending in {secs} s.")
                }
            };
            view! { <p class="waiting" role="status" aria-live="polite"><span class="countdown">{secs}</span>" s · "{text}</p> }
        })
    };
    view! {
        {move || (loading.get() && waiting.get().is_none()).then(|| view! { <p class="loading" role="status">{format!("Loading {what}…")}</p> })}
        {wait_view}
        {move || failure.get().map(|error| view! { <ErrorBox error=error on_retry=on_retry/> })}
    }
}
