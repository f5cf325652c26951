use leptos::prelude::*;
use leptos_router::components::A;

use crate::connection::config::Vendor;
use crate::connection::state::{ConfigState, ConnectionStatus, use_app_state};

/// Each provider's connection and whether its last call worked; links to Settings.
#[component]
pub fn ConnectionIndicator() -> impl IntoView {
    let state = use_app_state();
    let entry = move |provider: Vendor| {
        let p = state.provider(provider);
        let label = move || match state.config.get() {
            ConfigState::Loading => "loading…".to_string(),
            ConfigState::Failed(_) => "configuration unavailable".to_string(),
            ConfigState::Loaded(config) => p.settings.with(|s| {
                if s.is_custom() {
                    s.preferences.custom_base_url.clone()
                } else {
                    s.selected(&config).map(|c| c.label.clone()).unwrap_or_else(|| "not configured".into())
                }
            }),
        };
        let status = move || match p.status.get() {
            ConnectionStatus::Unknown => ("unknown", "not checked yet".to_string()),
            ConnectionStatus::Ok => ("ok", "connected".to_string()),
            ConnectionStatus::Failed(message) => ("failed", message),
        };
        view! {
            <span class="connection" id=format!("connection-{}", provider.key()) title=move || status().1>
                <span class=move || format!("dot dot-{}", status().0) aria-hidden="true"></span>
                {provider.label()} ": " {label}
                <span class="status-text">{move || match status().0 { "ok" => " ✓", "failed" => " ✕", _ => " ?" }}</span>
                <span class="visually-hidden">{move || format!(" ({})", status().1)}</span>
            </span>
        }
    };
    view! {
        <A href="/settings" attr:class="connection-indicator" attr:id="connection-indicator">
            {Vendor::ALL.into_iter().map(entry).collect_view()}
        </A>
    }
}
