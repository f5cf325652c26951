use leptos::prelude::*;
use leptos_router::components::A;

use crate::state::{ConfigState, ConnectionStatus, use_app_state};

/// Which ID.me connection is in use and whether its last call worked; links to Settings.
#[component]
pub fn ConnectionIndicator() -> impl IntoView {
    let state = use_app_state();
    let label = move || match state.config.get() {
        ConfigState::Loading => "loading configuration…".to_string(),
        ConfigState::Failed(_) => "configuration unavailable".to_string(),
        ConfigState::Loaded(config) => state.idme.with(|s| {
            if s.is_custom() {
                s.preferences.custom_base_url.clone()
            } else {
                s.selected(&config).map(|c| c.label.clone()).unwrap_or_else(|| "not configured".into())
            }
        }),
    };
    let status = move || match state.idme_status.get() {
        ConnectionStatus::Unknown => ("unknown", "not checked yet".to_string()),
        ConnectionStatus::Ok => ("ok", "connected".to_string()),
        ConnectionStatus::Failed(message) => ("failed", message),
    };
    view! {
        <A href="/settings" attr:class="connection-indicator" attr:id="connection-indicator">
            <span class=move || format!("dot dot-{}", status().0) aria-hidden="true"></span>
            <span>"ID.me: " {label}</span>
            <span class="visually-hidden">{move || format!(" ({})", status().1)}</span>
            <span class="status-text" title=move || status().1>
                {move || match status().0 { "ok" => "✓", "failed" => "✕", _ => "?" }}
            </span>
        </A>
    }
}
