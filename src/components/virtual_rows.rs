//! Long tables render only the rows in view: spacer rows stand in for the rest, so the scroll
//! bar stays true to the whole list, and scrolling swaps rows in and out. Rows have a fixed
//! height in this mode (CSS `table.virtual`), and the scroller has no scroll anchoring (CSS
//! `.table-wrap.virtual` says why): the spacers keep the position.

use leptos::html::Div;
use leptos::prelude::*;

use crate::components::first_frame::first_frame_cap;
use crate::model::AuditEvent;

/// Above this many rows only the rows in view are rendered.
pub const VIRTUAL_FROM: usize = 300;
/// The height of a row when rendering only the rows in view (CSS `table.virtual`).
pub const ROW_PX: f64 = 33.0;
/// Rows rendered above and below the visible ones.
const OVERSCAN: usize = 10;

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
/// rows of `window()`, with spacer rows `spacer_px(true)` high before them and
/// `spacer_px(false)` after.
///
/// The window and the spacers read the rows themselves, not a memo of their count: a closure
/// that reads a memo both directly and through a memo derived from it can miss a change
/// (leptos' reactive graph re-checks the derived path first and then sees the direct source
/// clean), which left a table showing the rows before "Back" when both pages had 25 rows.
#[derive(Clone, Copy)]
pub struct VirtualRows {
    pub wrap: NodeRef<Div>,
    /// The scroll position, to the row (the top of the first row in view).
    scroll_top: RwSignal<f64>,
    viewport: RwSignal<f64>,
    rows: Signal<Vec<AuditEvent>>,
    /// Whether only the rows in view are rendered.
    pub on: Memo<bool>,
    /// Until the table's first frame is painted: how many rows it draws.
    first_frame: ReadSignal<Option<usize>>,
}

impl VirtualRows {
    pub fn new(rows: Signal<Vec<AuditEvent>>) -> Self {
        VirtualRows {
            wrap: NodeRef::new(),
            scroll_top: RwSignal::new(0.0),
            viewport: RwSignal::new(800.0),
            rows,
            on: Memo::new(move |_| rows.with(Vec::len) > VIRTUAL_FROM),
            first_frame: first_frame_cap(),
        }
    }

    pub fn on_scroll(self) -> impl Fn(leptos::ev::Event) + Copy + 'static {
        move |_| {
            if let Some(el) = self.wrap.get() {
                // Positions within a row change no rendered row: only a new row sets the signal
                // (each set re-renders the window).
                let top = (el.scroll_top() as f64 / ROW_PX).floor() * ROW_PX;
                let viewport = el.client_height().max(200) as f64;
                if self.scroll_top.get_untracked() != top {
                    self.scroll_top.set(top);
                }
                if self.viewport.get_untracked() != viewport {
                    self.viewport.set(viewport);
                }
            }
        }
    }

    /// The rows in view (tracked): (first, last exclusive) of how many.
    fn in_view(self) -> (usize, usize, usize) {
        let total = self.rows.with(Vec::len);
        let (first, last) = visible_range(total, self.scroll_top.get(), self.viewport.get());
        (first, last, total)
    }

    /// The rows to render (tracked): those in view, but for the first frame's screenful.
    fn range(self) -> (usize, usize, usize) {
        let (first, last, total) = self.in_view();
        let last = self.first_frame.get().map_or(last, |screen| last.min(first + screen));
        (first, last, total)
    }

    /// Whether rows in view are left for the next frame (tracked): the table says it is busy
    /// until they are in, so nobody reads it as complete.
    pub fn rows_to_come(self) -> bool {
        self.range().1 < self.in_view().1
    }

    /// The rows to render (tracked): each with its key and its place among all.
    pub fn window(self) -> Vec<(String, usize, AuditEvent)> {
        let (first, last, _) = self.range();
        self.rows.with(|all| {
            crate::model::keyed(all[first.min(all.len())..last.min(all.len())].to_vec())
                .into_iter()
                .enumerate()
                .map(|(i, (key, e))| (key, first + i, e))
                .collect()
        })
    }

    /// The height of the rows left out above (`true`) or below the rendered rows (tracked): 0
    /// when none are.
    pub fn spacer_px(self, above: bool) -> f64 {
        let (first, last, total) = self.range();
        let rows = if above { first } else { total - last.min(total) };
        if total > VIRTUAL_FROM { rows as f64 * ROW_PX } else { 0.0 }
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
