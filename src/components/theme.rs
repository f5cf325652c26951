//! Light and dark: the system's choice (prefers-color-scheme) unless the user picks one here;
//! the pick is kept in this browser and set as `data-theme` on the document.

use leptos::prelude::*;

/// The choices in the order the button cycles through them.
const CHOICES: [(Option<&str>, &str); 3] =
    [(None, "Theme: system"), (Some("light"), "Theme: light"), (Some("dark"), "Theme: dark")];

fn apply(theme: Option<&str>) {
    let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) else { return };
    let _ = match theme {
        Some(t) => root.set_attribute("data-theme", t),
        None => root.remove_attribute("data-theme"),
    };
}

#[component]
pub fn ThemeSwitch() -> impl IntoView {
    let chosen = RwSignal::new(crate::connection::storage::theme().filter(|t| t == "light" || t == "dark"));
    Effect::new(move |_| apply(chosen.get().as_deref()));
    let position = move || CHOICES.iter().position(|(t, _)| chosen.with(|c| c.as_deref() == *t)).unwrap_or(0);
    let cycle = move |_| {
        let next = CHOICES[(position() + 1) % CHOICES.len()].0;
        crate::connection::storage::save_theme(next);
        chosen.set(next.map(String::from));
    };
    view! {
        <button type="button" class="theme-switch" on:click=cycle title="Switch between the system's theme, light and dark">
            {move || CHOICES[position()].1}
        </button>
    }
}
