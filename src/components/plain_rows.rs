//! Keyed table rows without a reactive owner each.
//!
//! Leptos' `<For>` gives every item an owner of its own (an allocation, a place in the list's
//! owner, a cleanup when the row goes), so that what a row makes reactive is dropped with it.
//! Table rows are plain markup (text and links, no signals or effects of their own), and the
//! tables swap rows in and out on every scroll step, sort and time-zone change: this list keeps
//! them keyed, so rows that did not change are kept, and makes nothing per row but the row.

use leptos::prelude::*;
use leptos::tachys::view::keyed::{SerializableKey, keyed};
use std::hash::Hash;

/// `rows()` drawn by `row`, each kept while its key stays. `row` must make plain markup: a
/// signal, memo or effect made in it would belong to the whole list and be dropped at its next
/// change.
pub fn plain_rows<T, K, V>(
    rows: impl Fn() -> Vec<T> + Send + Sync + 'static,
    key: impl Fn(&T) -> K + Clone + Send + Sync + 'static,
    row: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Send + Sync + 'static,
    K: Eq + Hash + SerializableKey + 'static,
    V: IntoView + 'static,
{
    move || {
        let row = row.clone();
        keyed(rows(), key.clone(), move |_, item| (|_| {}, row(item)))
    }
}
