//! Browser storage for settings. Preferences (no credential) go to localStorage; the secret
//! goes to this tab's sessionStorage only when the user opts in, and is removed otherwise.
//! Both are kept as JSON written and read by [`crate::connection::json`].

use crate::connection::config::Vendor;
use crate::connection::settings::{Preferences, ProviderSettings};

fn preferences_key(provider: Vendor) -> String {
    format!("auditdeck.{}.preferences", provider.key())
}

fn secret_key(provider: Vendor) -> String {
    format!("auditdeck.{}.secret", provider.key())
}

fn local() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn session() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

pub fn load(provider: Vendor) -> ProviderSettings {
    let preferences: Preferences = local()
        .and_then(|s| s.get_item(&preferences_key(provider)).ok().flatten())
        .map(|text| Preferences::from_stored(&text))
        .unwrap_or_default();
    let secret = if preferences.remember_secret_in_tab {
        session().and_then(|s| s.get_item(&secret_key(provider)).ok().flatten()).unwrap_or_default()
    } else {
        String::new()
    };
    ProviderSettings { provider, preferences, secret }
}

pub fn save(settings: &ProviderSettings) {
    let provider = settings.provider;
    if let Some(storage) = local() {
        let _ = storage.set_item(&preferences_key(provider), &settings.preferences.to_stored());
    }
    if let Some(storage) = session() {
        if settings.preferences.remember_secret_in_tab && !settings.secret.is_empty() {
            let _ = storage.set_item(&secret_key(provider), &settings.secret);
        } else {
            let _ = storage.remove_item(&secret_key(provider));
        }
    }
}

const RECENT_SEARCHES_KEY: &str = "auditdeck.recent-searches";

/// This browser's recent home searches (text typed and the app URL it opened; no credential).
pub fn recent_searches() -> Vec<crate::routes::home::RecentSearch> {
    local()
        .and_then(|s| s.get_item(RECENT_SEARCHES_KEY).ok().flatten())
        .map(|text| crate::routes::home::RecentSearch::list_from_stored(&text))
        .unwrap_or_default()
}

pub fn save_recent_searches(recent: &[crate::routes::home::RecentSearch]) {
    if let Some(storage) = local() {
        let _ = storage.set_item(RECENT_SEARCHES_KEY, &crate::routes::home::RecentSearch::list_to_stored(recent));
    }
}

const THEME_KEY: &str = "auditdeck.theme";

/// The theme chosen in this browser ("light", "dark"; None: follow the system).
pub fn theme() -> Option<String> {
    local().and_then(|s| s.get_item(THEME_KEY).ok().flatten())
}

pub fn save_theme(theme: Option<&str>) {
    if let Some(storage) = local() {
        let _ = match theme {
            Some(t) => storage.set_item(THEME_KEY, t),
            None => storage.remove_item(THEME_KEY),
        };
    }
}
