//! The rows the current view shows, for what works across its tables: the detail panel (which
//! finds the open event among them), and the tools over the loaded rows. Tables register their
//! rows while mounted; loaders register whether they are busy, so "not in the results" is only
//! said once every answer is in. "Load more" controls register themselves, so an export of the
//! whole query can drive them to the end.

use leptos::prelude::*;

use crate::components::first_frame::frame_after;
use crate::model::AuditEvent;

type Entries<T> = RwSignal<Vec<(u64, T)>>;
/// A table's rows and the vendor requests that answered them.
type Table = (Signal<Vec<AuditEvent>>, Signal<Vec<String>>);

/// A "Load more" of the view, as the whole-query export drives it.
#[derive(Clone, Copy)]
pub struct Pager {
    /// Loads every remaining page (up to the largest cap).
    pub load_all: Callback<()>,
    pub cancel: Callback<()>,
    pub busy: Signal<bool>,
    /// The vendor has more after the loaded rows.
    pub has_more: Signal<bool>,
    /// Waiting for the vendor's rate limit.
    pub waiting: Signal<bool>,
}

/// What [`ShownRows::all_now_and_a_frame_late`] made, for the caller's children.
#[derive(Clone, Copy)]
struct AllNowAndLate(Memo<Vec<AuditEvent>>, ReadSignal<Vec<AuditEvent>>);

#[derive(Clone, Copy)]
pub struct ShownRows {
    /// Each table's rows and the vendor requests that answered them.
    tables: Entries<Table>,
    loading: Entries<Signal<bool>>,
    pagers: Entries<Pager>,
    next: StoredValue<u64>,
}

impl ShownRows {
    pub fn provide() {
        provide_context(ShownRows {
            tables: RwSignal::new(Vec::new()),
            loading: RwSignal::new(Vec::new()),
            pagers: RwSignal::new(Vec::new()),
            next: StoredValue::new(0),
        });
    }

    pub fn use_context() -> Option<ShownRows> {
        leptos::prelude::use_context::<ShownRows>()
    }

    fn add<T: Send + Sync + 'static>(self, entries: Entries<T>, value: T) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        entries.update(|e| e.push((id, value)));
        on_cleanup(move || {
            entries.try_update(|e| e.retain(|(i, _)| *i != id));
        });
    }

    /// A table's rows and their requests, for as long as the calling component lives.
    pub fn register_rows(self, rows: Signal<Vec<AuditEvent>>, requests: Signal<Vec<String>>) {
        self.add(self.tables, (rows, requests));
    }

    /// Requests whose rows are in another registered table's (rows appended to it).
    pub fn register_requests(self, requests: Signal<Vec<String>>) {
        self.add(self.tables, (Signal::derive(Vec::new), requests));
    }

    /// A request's busy flag, for as long as the calling component lives.
    pub fn register_loading(self, loading: Signal<bool>) {
        self.add(self.loading, loading);
    }

    /// A "Load more", for as long as the calling component lives.
    pub fn register_pager(self, pager: Pager) {
        self.add(self.pagers, pager);
    }

    /// The view's "Load more" controls (tracked).
    pub fn pagers(self) -> Vec<Pager> {
        self.pagers.with(|p| p.iter().map(|(_, pager)| *pager).collect())
    }

    /// Whether any table shows a row (tracked), without copying the rows.
    pub fn any_rows(self) -> bool {
        self.tables.with(|tables| tables.iter().any(|(_, (rows, _))| rows.with(|r| !r.is_empty())))
    }

    pub fn busy(self) -> bool {
        self.loading.get().iter().any(|(_, busy)| busy.get())
    }

    /// The first shown event with this id (tracked).
    pub fn find(self, id: &str) -> Option<AuditEvent> {
        self.tables.get().iter().find_map(|(_, (rows, _))| rows.with(|r| r.iter().find(|e| e.id == id).cloned()))
    }

    /// Every shown row, table after table (tracked).
    pub fn all(self) -> Vec<AuditEvent> {
        self.tables.get().iter().flat_map(|(_, (rows, _))| rows.get()).collect()
    }

    /// Every shown row (a memo of [`ShownRows::all`]), and the same a frame late
    /// ([`frame_after`]). Made once per view: the first caller makes them for itself and its
    /// children, so the severity page's chips and its row tools share one copy of the rows.
    pub fn all_now_and_a_frame_late(self) -> (Memo<Vec<AuditEvent>>, ReadSignal<Vec<AuditEvent>>) {
        if let Some(AllNowAndLate(now, late)) = leptos::prelude::use_context() {
            return (now, late);
        }
        let now = Memo::new(move |_| self.all());
        let late = frame_after(now);
        provide_context(AllNowAndLate(now, late));
        (now, late)
    }

    /// The vendor requests behind the shown rows (tracked).
    pub fn requests(self) -> Vec<String> {
        self.tables.get().iter().flat_map(|(_, (_, requests))| requests.get()).collect()
    }
}
