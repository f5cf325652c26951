//! Filter forms: each form is a struct with one text signal per field (what the user typed), and
//! one function that gives the view's parser the query value of a field. "Apply" reads the form
//! with the same parser the URL goes through, so the form can send nothing the URL would refuse,
//! and navigates once.

use leptos::prelude::*;

/// What the user typed into one field of a filter form.
pub type FieldText = RwSignal<String>;

/// The typed text, or None when it is blank (the parser's "absent"); untracked.
pub fn typed(field: FieldText) -> Option<String> {
    field.with_untracked(|v| (!v.trim().is_empty()).then(|| v.clone()))
}

/// A comma-separated list field: whether `item` is in it (tracked).
pub fn has_item(field: FieldText, item: &str) -> bool {
    field.with(|v| v.split(',').any(|i| i.trim() == item))
}

/// How many items a comma-separated list field holds (tracked).
pub fn item_count(field: FieldText) -> usize {
    field.with(|v| v.split(',').filter(|i| !i.trim().is_empty()).count())
}

/// Adds or removes `item` in a comma-separated list field, keeping `order`.
pub fn set_item(field: FieldText, item: &str, on: bool, order: &[&str]) {
    let current: Vec<String> = field.get_untracked().split(',').map(|s| s.trim().to_string()).collect();
    let mut kept: Vec<&str> =
        order.iter().copied().filter(|o| if *o == item { on } else { current.iter().any(|c| c == o) }).collect();
    // Values not in `order` (from a hand-edited URL) are kept at the end, so the parser can name them.
    let extra: Vec<String> = current.into_iter().filter(|c| !c.is_empty() && !order.contains(&c.as_str())).collect();
    kept.extend(extra.iter().map(String::as_str));
    field.set(kept.join(","));
}

/// A labelled input bound to one field, with an optional help line.
pub fn field(
    value: FieldText,
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
                prop:value=value
                on:input=move |ev| value.set(event_target_value(&ev))/>
            {help.map(|h| view! { <p id=help_id.clone() class="help">{h}</p> })}
        </div>
    }
}
