//! What the first frame of rows leaves out: a list's first frame holds only the rows a screen
//! can show (the rest come as soon as that frame is painted), and what sits beside the rows (the
//! chart's bars) follows them when the browser has time to spare. A pasted link then shows its
//! first rows without first building what nobody looks at in that first moment.

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

/// `source`, drawn once the frame being built is painted and the browser has time to spare:
/// what a list's neighbours draw after the list's rows, so neither the frame that brings the
/// rows nor the next one (a scroll, a click) waits for them.
pub fn after_paint<T: Clone + Send + Sync + 'static>(source: Memo<T>, initial: T) -> ReadSignal<T> {
    let (late, set_late) = signal(initial);
    Effect::new(move |_| {
        let value = source.get();
        request_animation_frame(move || {
            when_idle(IDLE_TRIES, move || {
                set_late.try_set(value);
            })
        });
    });
    late
}

/// `source` a frame late: its value once the frame being built when it changed is painted.
/// What sits beside a list and counts its rows (the severity chips, the row tools' counts and
/// chart) follows the rows by a frame, so the frame that brings a view's rows is spent on them.
pub fn frame_after<T: Clone + PartialEq + Send + Sync + 'static>(source: Memo<T>) -> ReadSignal<T> {
    let (late, set_late) = signal(source.get_untracked());
    Effect::new(move |_| {
        let value = source.get();
        after_next_paint(move || {
            set_late.try_maybe_update(|late| {
                let changed = *late != value;
                if changed {
                    *late = value;
                }
                (changed, ())
            });
        });
    });
    late
}

/// How many idle periods `when_idle` waits for one with room enough; then it runs anyway.
const IDLE_TRIES: u32 = 8;
/// Room enough: what drawing a chart's bars takes, with a margin (docs/PERFORMANCE.md).
const IDLE_MS: f64 = 6.0;

/// Runs `then` in the browser's idle time: in the first idle period with `IDLE_MS` to spare, or
/// after `tries` periods (or 200 ms) at the latest. Where there is no `requestIdleCallback`
/// (Safari), after a timeout.
fn when_idle(tries: u32, then: impl FnOnce() + 'static) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let Some(window) = web_sys::window() else { return };
    if !js_sys::Reflect::has(&window, &"requestIdleCallback".into()).unwrap_or(false) {
        set_timeout(then, std::time::Duration::ZERO);
        return;
    }
    let callback = Closure::once_into_js(move |deadline: web_sys::IdleDeadline| {
        if tries > 1 && !deadline.did_timeout() && deadline.time_remaining() < IDLE_MS {
            when_idle(tries - 1, then);
        } else {
            then();
        }
    });
    let options = web_sys::IdleRequestOptions::new();
    options.set_timeout(200);
    let _ = window.request_idle_callback_with_options(callback.unchecked_ref(), &options);
}

/// The least height above a view's first row: the header, the view's heading and form, its
/// controls and the compact chart. The screenshots in docs/ put the first row 410–440 px down at
/// 1280 wide; a wider window wraps fewer controls, hence the margin.
const ABOVE_FIRST_ROW_PX: f64 = 300.0;

/// The rows that fit below what sits above a view's first row, in a window of this height: the
/// rows the first frame draws. Each row drawn beyond the screen costs its markup, parsing and
/// layout before anything is shown (docs/PERFORMANCE.md, "A first frame of the rows in view").
fn rows_a_screen_holds() -> usize {
    let height = web_sys::window().and_then(|w| w.inner_height().ok()).and_then(|h| h.as_f64()).unwrap_or(1080.0);
    rows_below_the_controls(height)
}

/// The rows, at least one, that fit below `ABOVE_FIRST_ROW_PX` in a window `height` px high.
fn rows_below_the_controls(height: f64) -> usize {
    ((height - ABOVE_FIRST_ROW_PX).max(ROW_PX) / ROW_PX).ceil() as usize
}

/// Runs `then` once the frame being built now has been painted: a task posted from an animation
/// frame callback runs after that frame's paint.
fn after_next_paint(then: impl FnOnce() + 'static) {
    request_animation_frame(move || behind_waiting_tasks(then));
}

/// Runs `then` in a task of background priority (`scheduler.postTask`), behind the tasks already
/// waiting: what follows a frame of rows (the rows below the screen, the counts beside them) does
/// not hold up a click or a key pressed as the rows appear. Where there is no `scheduler`
/// (Safari), in a timeout.
fn behind_waiting_tasks(then: impl FnOnce() + 'static) {
    use js_sys::{Function, Object, Reflect};
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let scheduler = Reflect::get(&js_sys::global(), &"scheduler".into()).ok().filter(|s| s.is_object());
    let post_task = scheduler
        .as_ref()
        .and_then(|s| Reflect::get(s, &"postTask".into()).ok())
        .and_then(|f| f.dyn_into::<Function>().ok());
    let (Some(scheduler), Some(post_task)) = (scheduler, post_task) else {
        set_timeout(then, std::time::Duration::ZERO);
        return;
    };
    let options = Object::new();
    let _ = Reflect::set(&options, &"priority".into(), &"background".into());
    let _ = post_task.call2(&scheduler, &Closure::once_into_js(then), &options);
}

#[cfg(test)]
mod tests {
    use super::rows_below_the_controls;

    #[test]
    fn the_first_frame_draws_the_rows_below_the_controls() {
        // 33 px rows below 300 px of controls, a part row counted whole.
        assert_eq!(rows_below_the_controls(800.0), 16, "1280×800: 500 px of rows");
        assert_eq!(rows_below_the_controls(900.0), 19, "the bench's window: 600 px");
        assert_eq!(rows_below_the_controls(1080.0), 24, "1920×1080: 780 px");
        assert_eq!(rows_below_the_controls(200.0), 1, "a window smaller than the controls still draws a row");
    }
}
