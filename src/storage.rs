//! Browser storage for settings. Preferences (no credential) go to localStorage; the secret
//! goes to this tab's sessionStorage only when the user opts in, and is removed otherwise.

use crate::settings::{IdmePreferences, IdmeSettings};

const IDME_PREFERENCES: &str = "auditdeck.idme.preferences";
const IDME_SECRET: &str = "auditdeck.idme.secret";

fn local() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn session() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

pub fn load_idme() -> IdmeSettings {
    let preferences: IdmePreferences = local()
        .and_then(|s| s.get_item(IDME_PREFERENCES).ok().flatten())
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default();
    let secret = if preferences.remember_secret_in_tab {
        session().and_then(|s| s.get_item(IDME_SECRET).ok().flatten()).unwrap_or_default()
    } else {
        String::new()
    };
    IdmeSettings { preferences, secret }
}

pub fn save_idme(settings: &IdmeSettings) {
    if let (Some(storage), Ok(text)) = (local(), serde_json::to_string(&settings.preferences)) {
        let _ = storage.set_item(IDME_PREFERENCES, &text);
    }
    if let Some(storage) = session() {
        if settings.preferences.remember_secret_in_tab && !settings.secret.is_empty() {
            let _ = storage.set_item(IDME_SECRET, &settings.secret);
        } else {
            let _ = storage.remove_item(IDME_SECRET);
        }
    }
}
