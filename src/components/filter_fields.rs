//! Filter forms: fields edit a map of query values; "Apply" reads the map with the same parser
//! the URL goes through, so the form can send nothing the URL would refuse, and navigates once.

use std::collections::HashMap;

use leptos::prelude::*;

/// The values a filter form is editing, keyed by query parameter.
#[derive(Clone, Copy)]
pub struct Fields(RwSignal<HashMap<&'static str, String>>);

impl Fields {
    pub fn new() -> Self {
        Fields(RwSignal::new(HashMap::new()))
    }

    /// Replaces every value (when the URL changes).
    pub fn reset(&self, values: Vec<(&'static str, String)>) {
        self.0.set(values.into_iter().collect());
    }

    pub fn get(&self, key: &str) -> Option<String> {
        self.0.with(|m| m.get(key).cloned()).filter(|v| !v.trim().is_empty())
    }

    pub fn value(&self, key: &'static str) -> Signal<String> {
        let map = self.0;
        Signal::derive(move || map.with(|m| m.get(key).cloned().unwrap_or_default()))
    }

    pub fn set(&self, key: &'static str, value: String) {
        self.0.update(|m| {
            m.insert(key, value);
        });
    }

    /// A comma-separated list value: whether `item` is in it.
    pub fn has_item(&self, key: &'static str, item: &str) -> bool {
        self.0.with(|m| m.get(key).is_some_and(|v| v.split(',').any(|i| i.trim() == item)))
    }

    /// Adds or removes `item` in a comma-separated list value, keeping `order`.
    pub fn set_item(&self, key: &'static str, item: &str, on: bool, order: &[&str]) {
        let current: Vec<String> = self.get(key).unwrap_or_default().split(',').map(|s| s.trim().to_string()).collect();
        let mut kept: Vec<&str> =
            order.iter().copied().filter(|o| if *o == item { on } else { current.iter().any(|c| c == o) }).collect();
        // Values not in `order` (from a hand-edited URL) are kept at the end, so the parser can name them.
        let extra: Vec<String> =
            current.into_iter().filter(|c| !c.is_empty() && !order.contains(&c.as_str())).collect();
        kept.extend(extra.iter().map(String::as_str));
        self.set(key, kept.join(","));
    }
}

impl Default for Fields {
    fn default() -> Self {
        Self::new()
    }
}

/// A labelled input bound to one query value, with an optional help line.
pub fn field(
    fields: Fields,
    key: &'static str,
    id: &'static str,
    label: &'static str,
    kind: &'static str,
    help: Option<&'static str>,
) -> impl IntoView {
    let help_id = format!("{id}-help");
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input id=id type=kind autocomplete="off" spellcheck="false"
                aria-describedby=help.map(|_| help_id.clone())
                prop:value=fields.value(key)
                on:input=move |ev| fields.set(key, event_target_value(&ev))/>
            {help.map(|h| view! { <p id=help_id.clone() class="help">{h}</p> })}
        </div>
    }
}
