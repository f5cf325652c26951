//! Long tables render only the rows in view: spacer rows stand in for the rest, so the scroll
//! bar stays true to the whole list, and scrolling swaps rows in and out. Rows have a fixed
//! height in this mode (CSS `table.virtual`).

use leptos::html::Div;
use leptos::prelude::*;

use crate::model::AuditEvent;

/// Above this many rows only the rows in view are rendered.
pub const VIRTUAL_FROM: usize = 300;
/// The height of a row when rendering only the rows in view (CSS `table.virtual`).
pub const ROW_PX: f64 = 33.0;
/// Rows rendered above and below the visible ones.
const OVERSCAN: usize = 20;

/// Which rows to render for a scroll position: (first, last exclusive).
pub fn visible_range(total: usize, scroll_top: f64, viewport_px: f64) -> (usize, usize) {
    if total <= VIRTUAL_FROM {
        return (0, total);
    }
    let first = ((scroll_top / ROW_PX).floor().max(0.0) as usize).min(total).saturating_sub(OVERSCAN);
    let visible = (viewport_px / ROW_PX).ceil() as usize;
    (first, (first + visible + 2 * OVERSCAN).min(total))
}

/// A table's scroll state: put `wrap` and `on_scroll` on its scrolling wrapper, render the
/// rows of `range`, with `spacer(true)` before them and `spacer(false)` after.
#[derive(Clone, Copy)]
pub struct VirtualRows {
    pub wrap: NodeRef<Div>,
    scroll_top: RwSignal<f64>,
    viewport: RwSignal<f64>,
    total: Memo<usize>,
    /// The rows to render: (first, last exclusive).
    pub range: Memo<(usize, usize)>,
    /// Whether only the rows in view are rendered.
    pub on: Memo<bool>,
}

impl VirtualRows {
    pub fn new(total: Memo<usize>) -> Self {
        let scroll_top = RwSignal::new(0.0);
        let viewport = RwSignal::new(800.0);
        VirtualRows {
            wrap: NodeRef::new(),
            scroll_top,
            viewport,
            total,
            range: Memo::new(move |_| visible_range(total.get(), scroll_top.get(), viewport.get())),
            on: Memo::new(move |_| total.get() > VIRTUAL_FROM),
        }
    }

    pub fn on_scroll(self) -> impl Fn(leptos::ev::Event) + Copy + 'static {
        move |_| {
            if let Some(el) = self.wrap.get() {
                self.scroll_top.set(el.scroll_top() as f64);
                self.viewport.set(el.client_height().max(200) as f64);
            }
        }
    }

    /// The rows to render of `events` (tracked): each with its key and its place among all.
    pub fn window(self, events: Signal<Vec<AuditEvent>>) -> Vec<(String, usize, AuditEvent)> {
        let (first, last) = self.range.get();
        events.with(|all| {
            crate::model::keyed(all[first.min(all.len())..last.min(all.len())].to_vec())
                .into_iter()
                .enumerate()
                .map(|(i, (key, e))| (key, first + i, e))
                .collect()
        })
    }

    /// The spacer row above (`true`) or below the rendered rows, when rows are left out there.
    pub fn spacer(self, above: bool) -> impl Fn() -> Option<AnyView> + Send + Sync + 'static {
        move || {
            let (first, last) = self.range.get();
            let rows = if above { first } else { self.total.get() - last };
            (self.on.get() && rows > 0).then(|| {
                view! { <tr class="spacer" aria-hidden="true"><td style:height=format!("{}px", rows as f64 * ROW_PX)></td></tr> }
                    .into_any()
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_rows_in_view_are_rendered_above_the_threshold() {
        assert_eq!(visible_range(VIRTUAL_FROM, 5_000.0, 600.0), (0, VIRTUAL_FROM), "small tables render every row");
        let (first, last) = visible_range(5_000, 0.0, 660.0);
        assert_eq!((first, last), (0, 20 + 2 * OVERSCAN));
        // 1,000 rows down: the rows from there, with the overscan above and below.
        let (first, last) = visible_range(5_000, 1_000.0 * ROW_PX, 660.0);
        assert_eq!((first, last), (1_000 - OVERSCAN, 1_000 - OVERSCAN + 20 + 2 * OVERSCAN));
        assert_eq!(visible_range(5_000, 1e9, 660.0).1, 5_000, "never past the end");
    }
}
