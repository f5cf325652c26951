//! What the first frame of rows leaves out, drawn as soon as that frame is painted: a list's
//! first frame holds only the rows a screen can show, and what sits beside the rows (the chart's
//! bars) follows them. A pasted link then shows its first rows without first building what
//! nobody looks at in that first moment.

use leptos::prelude::*;

// A table row's height; a timeline entry is taller, so a screen holds no more entries than this.
use crate::components::virtual_rows::ROW_PX;

/// How many rows a list made now draws: the rows a screen holds until the frame being built is
/// painted, then None (all of them).
pub fn first_frame_cap() -> ReadSignal<Option<usize>> {
    let (cap, set_cap) = signal(Some(rows_a_screen_holds()));
    after_next_paint(move || {
        set_cap.try_set(None);
    });
    cap
}

/// `source`, one painted frame late: what a list's neighbours draw after the list's rows, so the
/// frame that brings the rows is not held up by them.
pub fn after_paint<T: Clone + Send + Sync + 'static>(source: Memo<T>, initial: T) -> ReadSignal<T> {
    let (late, set_late) = signal(initial);
    Effect::new(move |_| {
        let value = source.get();
        after_next_paint(move || {
            set_late.try_set(value);
        });
    });
    late
}

/// The rows a screen of the window's height can show.
fn rows_a_screen_holds() -> usize {
    let height = web_sys::window().and_then(|w| w.inner_height().ok()).and_then(|h| h.as_f64()).unwrap_or(1080.0);
    (height / ROW_PX).ceil().max(1.0) as usize
}

/// Runs `then` once the frame being built now has been painted: a timeout set from an
/// animation frame callback runs after that frame's paint.
fn after_next_paint(then: impl FnOnce() + 'static) {
    request_animation_frame(move || set_timeout(then, std::time::Duration::ZERO));
}
