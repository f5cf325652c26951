//! The view in the URL, parsed once per navigation by its page (`use_view`) and lent to what
//! works across views: the tables and row tools (row filters, zone, links that change only
//! those) and the detail panel (zone, what was searched). Nothing else reads them from the URL.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::error_box::Notice;
use crate::routes::row_filter::RowFilter;
use crate::routes::view::ViewState;
use crate::rows::format::Zone;

/// The view's URL narrowed to a time range (both ends inclusive).
pub type Narrow = Callback<(DateTime<Utc>, DateTime<Utc>), String>;

/// What components outside a page need of its view.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ViewBasics {
    pub rows: RowFilter,
    pub zone: Zone,
    /// What the view searched for (an IP search's IP).
    pub searched: Option<String>,
}

/// The links a view makes for the tools over its rows.
#[derive(Clone, Copy)]
struct Links {
    with_rows: Callback<RowFilter, String>,
    /// Where the view's vendors filter by time.
    narrowed: Option<Narrow>,
}

/// The page's view, as far as it is lent out.
#[derive(Clone, Copy)]
struct Lent {
    owner: u64,
    basics: Memo<ViewBasics>,
    links: Links,
}

/// Context: the view of the page shown (none on pages without one).
#[derive(Clone, Copy)]
pub struct CurrentView {
    lent: RwSignal<Option<Lent>>,
    next_owner: StoredValue<u64>,
}

impl CurrentView {
    pub fn provide() {
        provide_context(CurrentView { lent: RwSignal::new(None), next_owner: StoredValue::new(0) });
    }

    pub fn use_context() -> Option<CurrentView> {
        leptos::prelude::use_context::<CurrentView>()
    }

    /// The shown view's basics (tracked); defaults where no view is shown.
    pub fn basics(self) -> ViewBasics {
        self.lent.get().map(|l| l.basics.get()).unwrap_or_default()
    }

    /// The shown view's URL with other row filters (untracked).
    pub fn with_rows(self, rows: RowFilter) -> String {
        self.lent.get_untracked().map(|l| l.links.with_rows.run(rows)).unwrap_or_default()
    }

    /// The shown view's URL narrowed to a time range, where its vendors filter by time (untracked).
    pub fn narrowed(self) -> Option<Narrow> {
        self.lent.get_untracked().and_then(|l| l.links.narrowed)
    }

    fn lend(self, basics: Memo<ViewBasics>, links: Links) {
        let owner = self.next_owner.get_value();
        self.next_owner.set_value(owner + 1);
        self.lent.set(Some(Lent { owner, basics, links }));
        // The next page may have lent its view before this one goes.
        on_cleanup(move || {
            self.lent.try_update(|lent| {
                if lent.as_ref().is_some_and(|l| l.owner == owner) {
                    *lent = None;
                }
            });
        });
    }
}

/// The row filters of the shown view (tracked, as a memo).
pub fn use_row_filter() -> Memo<RowFilter> {
    let current = CurrentView::use_context();
    Memo::new(move |_| current.map(|c| c.basics().rows).unwrap_or_default())
}

/// A page's typed view of the URL.
pub struct PageView<V: ViewState> {
    /// What the URL asks for: None without the path parameter (the bare form), else the view or
    /// why it cannot be read.
    pub target: Memo<Option<Result<V, String>>>,
    /// The view, when the URL holds a valid one.
    pub current: Memo<Option<V>>,
    pub zone: Signal<Zone>,
}

impl<V: ViewState> Clone for PageView<V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V: ViewState> Copy for PageView<V> {}

impl<V: ViewState> PageView<V> {
    /// The current view changed by `change`, as a URL (untracked; empty without a view).
    pub fn href(self, change: impl FnOnce(V) -> V) -> String {
        self.current.get_untracked().map(|v| change(v).href()).unwrap_or_default()
    }

    /// The reason the URL cannot be read, when it cannot.
    pub fn url_problem(self) -> impl IntoView {
        move || match self.target.get() {
            Some(Err(message)) => Some(view! { <Notice message=message kind="invalid-url"/> }),
            _ => None,
        }
    }
}

/// The page's view, read from the URL once per navigation and lent to the components that
/// work across views.
pub fn use_view<V: ViewState>() -> PageView<V> {
    let params = use_params_map();
    let query = use_query_map();
    let target = Memo::new(move |_| {
        let path = match V::PATH_PARAM {
            Some(name) => params.read().get(name)?,
            None => String::new(),
        };
        Some(V::from_url(&path, |key| query.read().get(key)))
    });
    let current = Memo::new(move |_| target.get().and_then(Result::ok));
    let basics = Memo::new(move |_| {
        current.with(|view| {
            view.as_ref()
                .map(|v| ViewBasics { rows: v.rows().clone(), zone: v.zone(), searched: v.searched() })
                .unwrap_or_default()
        })
    });
    let zone = Signal::derive(move || basics.with(|b| b.zone));
    if let Some(shown) = CurrentView::use_context() {
        let links = Links {
            with_rows: Callback::new(move |rows| {
                current.get_untracked().map(|v| v.with_rows(rows).href()).unwrap_or_default()
            }),
            narrowed: V::NARROWS.then(|| {
                Callback::new(move |(from, to)| {
                    current.get_untracked().map(|v| v.narrowed(from, to).href()).unwrap_or_default()
                })
            }),
        };
        shown.lend(basics, links);
    }
    PageView { target, current, zone }
}
