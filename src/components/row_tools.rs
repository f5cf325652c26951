//! Tools over the rows a view has loaded, above its tables: the facet filters in force, events
//! over time (a histogram whose buckets narrow the view's time range where the vendor filters
//! by time), facet counts (click keeps a value, alt-click or "−" drops it) and export.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::components::export_tools::ExportTools;
use crate::components::first_frame::after_paint;
use crate::model::AuditEvent;
use crate::routes::query::instant_text;
use crate::routes::row_filter::{Column, Facet, FacetValue, RowFilter, counts};
use crate::rows::format::thousands;
use crate::rows::histogram::{Histogram, histogram};
use crate::views::current::{CurrentView, Narrow, use_row_filter};
use crate::views::shown::ShownRows;

/// Facet values listed per facet (the rest are summed up).
const FACET_VALUES: usize = 6;

/// The current URL with other row filters, sort or columns, and every other parameter kept as
/// it is (an open event stays open while columns or the sort change).
pub fn use_rows_href() -> impl Fn(RowFilter) -> String + Clone + 'static {
    let location = leptos_router::hooks::use_location();
    move |filter: RowFilter| {
        let path = location.pathname.get_untracked();
        location.query.with_untracked(|q| {
            let pairs = q.into_iter().map(|(k, v)| (k.as_ref(), v));
            crate::routes::query::Href::keeping(&path, pairs, &crate::routes::row_filter::PARAMS)
                .row_filter(&filter)
                .build()
        })
    }
}

/// Subscribes the closure that makes a link to the whole URL. Links made from the view read it
/// untracked, so a closure that tracks only the row filters would keep the view it was made
/// for when another part of the URL changes (the time zone, the severity).
pub fn track_url() -> impl Fn() + Copy + Send + Sync + 'static {
    let location = leptos_router::hooks::use_location();
    let (path, query) = (location.pathname, location.query);
    move || {
        path.track();
        query.track();
    }
}

/// `events` narrowed by the facet filters in the URL.
pub fn filtered(events: Signal<Vec<AuditEvent>>) -> Signal<Vec<AuditEvent>> {
    let filter = use_row_filter();
    // A memo: the table reads the rows on every scroll step, and filtering and sorting 100,000
    // rows per read would cost a frame each.
    Memo::new(move |_| {
        let filter = filter.get();
        let mut rows = events.with(|rows| keep_once(&filter, rows));
        filter.order(&mut rows);
        rows
    })
    .into()
}

/// The last rows the row filters kept, and from which rows.
struct LastKept {
    filter: RowFilter,
    from: Vec<AuditEvent>,
    kept: Vec<AuditEvent>,
}

thread_local! {
    static LAST_KEPT: std::cell::RefCell<Option<LastKept>> = const { std::cell::RefCell::new(None) };
}

/// `filter.keep(rows)`, done once for the same rows: a view with one table has the table and
/// the tools over its rows (counts, chart, export) filter the same rows, and a text search of
/// 100,000 rows is worth doing once. Sorting and columns are no part of what is kept.
fn keep_once(filter: &RowFilter, rows: &[AuditEvent]) -> Vec<AuditEvent> {
    if filter.is_empty() {
        return rows.to_vec();
    }
    let filter = filter.keeping();
    let same = |last: &LastKept| {
        last.filter == filter && last.from.len() == rows.len() && last.from.iter().zip(rows).all(|(a, b)| a.same(b))
    };
    if let Some(kept) = LAST_KEPT.with(|last| last.borrow().as_ref().filter(|l| same(l)).map(|l| l.kept.clone())) {
        return kept;
    }
    let kept = filter.keep(rows);
    LAST_KEPT.with(|last| *last.borrow_mut() = Some(LastKept { filter, from: rows.to_vec(), kept: kept.clone() }));
    kept
}

#[component]
pub fn RowTools() -> impl IntoView {
    let (Some(shown), Some(current)) = (ShownRows::use_context(), CurrentView::use_context()) else {
        return ().into_any();
    };
    let with_rows = Callback::new(move |rows| current.with_rows(rows));
    let narrow = current.narrowed();
    let filter = use_row_filter();
    // `loaded` a frame after the table: the rows are what a change of view is made for.
    let (now, loaded) = shown.all_now_and_a_frame_late();
    // In loaded order: a sort changes none of the counts, the chart or the file's rows, so it
    // recomputes none of them (the export puts its rows in the table's order when it is made).
    // Nor does it copy the rows again: only a change to what is kept recomputes them.
    let keeping = Memo::new(move |_| filter.with(RowFilter::keeping));
    let kept = Memo::new(move |_| {
        let keeping = keeping.get();
        loaded.with(|rows| keep_once(&keeping, rows))
    });
    // The export's file holds the rows the tables show now (with the requests behind them), not
    // those of a frame ago: a whole-query export starts as soon as its last page is in.
    let kept_now = Memo::new(move |_| {
        let keeping = keeping.get();
        now.with(|rows| keep_once(&keeping, rows))
    });
    // The rows of the view that goes are not kept for a filter of the next.
    on_cleanup(|| LAST_KEPT.with(|last| drop(last.borrow_mut().take())));
    view! {
        <div class="row-tools">
            <ActiveFilters filter with_rows kept=Signal::derive(move || kept.with(Vec::len)) loaded=Signal::derive(move || loaded.with(Vec::len))/>
            <div class="row-controls">
                <RowSearch filter/>
                <ColumnChooser filter/>
            </div>
            <TimeHistogram rows=kept narrow/>
            <Facets loaded filter with_rows/>
            <ExportTools rows=kept_now filter/>
        </div>
    }
    .into_any()
}

#[component]
fn ActiveFilters(
    filter: Memo<RowFilter>,
    with_rows: Callback<RowFilter, String>,
    kept: Signal<usize>,
    loaded: Signal<usize>,
) -> impl IntoView {
    let track_url = track_url();
    move || {
        track_url();
        let f = filter.get();
        (!f.is_empty()).then(|| {
            let chip = |value: &FacetValue, verb: &'static str| {
                let href = with_rows.run(f.without(value));
                let text = format!("{verb} {}: {}", value.facet.label(), value.value);
                view! { <a href=href class=format!("filter-chip {}", verb.to_lowercase()) title="Remove this filter">{text}" ✕"</a> }
            };
            let chips: Vec<_> =
                f.only.iter().map(|v| chip(v, "Only")).chain(f.not.iter().map(|v| chip(v, "Not"))).collect();
            view! {
                <p class="active-filters" role="status">
                    {
                        // `loaded` before `kept` (which derives from it), so a change to the loaded
                        // rows is seen even when the kept count stays the same.
                        let loaded = loaded.get();
                        format!("Showing {} of {} loaded rows (filtered in the browser): ", thousands(kept.get() as u64), thousands(loaded as u64))
                    }
                    {chips}
                    " " <a href=with_rows.run(RowFilter::default()) class="clear-filters">"Clear"</a>
                </p>
            }
        })
    }
}

/// Text search within the loaded rows (`q` in the URL); Enter applies it.
#[component]
fn RowSearch(filter: Memo<RowFilter>) -> impl IntoView {
    let href = use_rows_href();
    let navigate = StoredValue::new_local(use_navigate());
    let typed = RwSignal::new(String::new());
    Effect::new(move |_| typed.set(filter.with(|f| f.text.clone().unwrap_or_default())));
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        let text = typed.get_untracked().trim().to_string();
        let next = RowFilter { text: (!text.is_empty()).then_some(text), ..filter.get_untracked() };
        let target = href(next);
        navigate.with_value(|n| n(&target, Default::default()));
    };
    view! {
        <form class="row-search" role="search" on:submit=submit>
            <label for="row-text">"Find in the loaded rows"</label>
            <input id="row-text" type="search" autocomplete="off" spellcheck="false" placeholder="type, IP, user, application…"
                prop:value=typed on:input=move |e| typed.set(event_target_value(&e))/>
            <button type="submit">"Find"</button>
        </form>
    }
}

/// Which columns the events table shows (`hide` in the URL).
#[component]
fn ColumnChooser(filter: Memo<RowFilter>) -> impl IntoView {
    let href = use_rows_href();
    let navigate = StoredValue::new_local(use_navigate());
    let boxes = Column::ALL
        .into_iter()
        .map(|column| {
            let href = href.clone();
            let id = format!("column-{}", column.key());
            let label_for = id.clone();
            let on_change = move |e: leptos::ev::Event| {
                let target = href(filter.get_untracked().with_hidden(column, !event_target_checked(&e)));
                navigate.with_value(|n| n(&target, Default::default()));
            };
            view! {
                <label class="check" for=label_for>
                    <input type="checkbox" id=id prop:checked=move || filter.with(|f| !f.hidden.contains(&column)) on:change=on_change/>
                    {column.label()}
                </label>
            }
        })
        .collect_view();
    view! {
        <details class="column-chooser">
            <summary>"Columns"</summary>
            <fieldset><legend class="visually-hidden">"Columns shown"</legend>{boxes}</fieldset>
        </details>
    }
}

const CHART_W: f64 = 600.0;
const CHART_H: f64 = 60.0;

fn bucket_title(h: &Histogram, i: usize) -> String {
    let (start, end) = h.bounds(i);
    let n = h.counts[i];
    format!(
        "{} – {} UTC: {} event{}",
        start.format("%Y-%m-%d %H:%M:%S"),
        end.format("%Y-%m-%d %H:%M:%S"),
        thousands(n as u64),
        if n == 1 { "" } else { "s" }
    )
}

#[component]
fn TimeHistogram(rows: Memo<Vec<AuditEvent>>, narrow: Option<Narrow>) -> impl IntoView {
    let navigate = StoredValue::new_local(use_navigate());
    let drag_from = RwSignal::new(None::<usize>);
    let chart =
        Memo::new(move |_| rows.with(|r| histogram(r.iter().filter_map(|e| e.occurred.parsed.map(|t| t.to_utc())))));
    // The bars follow the rows by a frame: the rows are what a pasted link is opened for, and
    // the chart keeps its size meanwhile, so nothing moves when its bars come.
    let drawn = after_paint(chart, None);
    move || {
        let h = chart.get()?;
        let bars = {
            let h = h.clone();
            move || drawn.with(|d| d.as_ref() == Some(&h)).then(|| bars(&h, narrow, navigate, drag_from))
        };
        let (first, _) = h.bounds(0);
        let (_, last) = h.bounds(h.counts.len() - 1);
        let how = if narrow.is_some() {
            "Click a bar, or drag across bars, to narrow the time range."
        } else {
            "This view's vendor cannot filter by time, so the bars only show the spread."
        };
        Some(view! {
            <figure class="histogram" class:narrows=narrow.is_some()>
                <svg viewBox=format!("0 0 {CHART_W} {CHART_H}") preserveAspectRatio="none" role="group"
                    aria-label=format!("Events over time, {} per bar", h.bucket_label)>{bars}</svg>
                <figcaption class="help">
                    {format!("{} to {} UTC, {} per bar, busiest {}. {how}", first.format("%Y-%m-%d %H:%M"), last.format("%Y-%m-%d %H:%M"), h.bucket_label, thousands(h.max() as u64))}
                </figcaption>
            </figure>
        })
    }
}

/// The chart's bars: each labelled with its range and count, and where the view can narrow its
/// time range, a button for that range (dragging across bars takes their span).
fn bars<Navigate: Fn(&str, leptos_router::NavigateOptions) + 'static>(
    h: &Histogram,
    narrow: Option<Narrow>,
    navigate: StoredValue<Navigate, LocalStorage>,
    drag_from: RwSignal<Option<usize>>,
) -> impl IntoView + use<Navigate> {
    let max = h.max().max(1) as f64;
    let width = CHART_W / h.counts.len() as f64;
    // A range is inclusive at both ends for the vendors: it ends 1 ms before the next bucket.
    let go = move |h: &Histogram, a: usize, b: usize| {
        let (Some(narrow), (start, _), (_, end)) = (narrow, h.bounds(a.min(b)), h.bounds(a.max(b))) else { return };
        let href = narrow.run((start, end - chrono::Duration::milliseconds(1)));
        navigate.with_value(|n| n(&href, Default::default()));
    };
    (0..h.counts.len())
        .map(|i| {
            let n = h.counts[i];
            let height = if n == 0 { 0.0 } else { (n as f64 / max * (CHART_H - 2.0)).max(2.0) };
            let (start, end) = h.bounds(i);
            let title = bucket_title(h, i);
            let label = title.clone();
            let (up, key) = (h.clone(), h.clone());
            let tabindex = if narrow.is_some() && n > 0 { "0" } else { "-1" };
            // Without a range to narrow, a bar is only a picture of its count (still labelled).
            let role = if narrow.is_some() { "button" } else { "img" };
            let on_key = move |e: leptos::ev::KeyboardEvent| {
                if e.key() == "Enter" || e.key() == " " {
                    e.prevent_default();
                    go(&key, i, i);
                }
            };
            let on_up = move |_| {
                let from = drag_from.get_untracked().unwrap_or(i);
                drag_from.set(None);
                go(&up, from, i);
            };
            view! {
                <g class="bucket" data-from=instant_text(start) data-to=instant_text(end) data-count=n
                    tabindex=tabindex role=role aria-label=label
                    on:mousedown=move |_| drag_from.set(Some(i)) on:mouseup=on_up on:keydown=on_key>
                    <title>{title}</title>
                    <rect class="hit" x=i as f64 * width y="0" width=width height=CHART_H/>
                    <rect class="bar" x=i as f64 * width + 0.5 y=CHART_H - height width=(width - 1.0).max(0.5) height=height/>
                </g>
            }
        })
        .collect_view()
}

#[component]
fn Facets(
    loaded: ReadSignal<Vec<AuditEvent>>,
    filter: Memo<RowFilter>,
    with_rows: Callback<RowFilter, String>,
) -> impl IntoView {
    let navigate = StoredValue::new_local(use_navigate());
    let track_url = track_url();
    // Counted when rows arrive, not when a filter or the sort changes: then only the links'
    // addresses and the kept/dropped marks change, in place.
    let tallies = Memo::new(move |_| loaded.with(|rows| Facet::ALL.map(|facet| (facet, counts(rows, facet)))));
    let columns = move || {
        tallies.with(|tallies| {
            tallies
                .iter()
                .map(|(facet, all)| {
                    let facet = *facet;
                    let rest: usize = all.iter().skip(FACET_VALUES).map(|(_, n)| n).sum();
                    let items = all
                        .iter()
                        .take(FACET_VALUES)
                        .map(|(value, n)| {
                            let n = *n;
                            let fv = FacetValue::new(facet, value.clone());
                            let (keep_fv, drop_fv, state_fv, alt_fv) = (fv.clone(), fv.clone(), fv.clone(), fv);
                            let keep = move || {
                                track_url();
                                with_rows.run(filter.with(|f| f.toggled_only(&keep_fv)))
                            };
                            let drop = move || {
                                track_url();
                                with_rows.run(filter.with(|f| f.toggled_not(&drop_fv)))
                            };
                            let state = move || {
                                filter.with(|f| {
                                    if f.only.contains(&state_fv) {
                                        "facet-value kept"
                                    } else if f.not.contains(&state_fv) {
                                        "facet-value dropped"
                                    } else {
                                        "facet-value"
                                    }
                                })
                            };
                            let on_click = move |e: leptos::ev::MouseEvent| {
                                if e.alt_key() {
                                    e.prevent_default();
                                    let href = with_rows.run(filter.with_untracked(|f| f.toggled_not(&alt_fv)));
                                    navigate.with_value(|go| go(&href, Default::default()));
                                }
                            };
                            view! {
                                <li class=state data-facet=facet.key() data-value=value.clone()>
                                    <a href=keep class="keep" title="Show only this value (alt-click: hide it)" on:click=on_click>
                                        <span class="facet-text">{value.clone()}</span>" "<span class="facet-count">{thousands(n as u64)}</span>
                                    </a>
                                    " "<a href=drop class="drop" title=format!("Hide {value}") aria-label=format!("Hide {}", value)>"−"</a>
                                </li>
                            }
                        })
                        .collect_view();
                    let more = if rest > 0 {
                        Some(format!("others: {}", thousands(rest as u64)))
                    } else if all.is_empty() {
                        Some("none in these rows".to_string())
                    } else {
                        None
                    }
                    .map(|text| view! { <li class="help">{text}</li> });
                    view! {
                        <div class="facet" data-facet=facet.key()>
                            <h3>{facet.label()}</h3>
                            <ul>{items}{more}</ul>
                        </div>
                    }
                })
                .collect_view()
        })
    };
    // Folded: a pasted link's rows come first; the counts are one click away. They are drawn
    // only while unfolded, so opening a view or changing its rows builds none of them.
    let open = RwSignal::new(false);
    let details = NodeRef::<leptos::html::Details>::new();
    let on_toggle = move |_| open.set(details.get_untracked().is_some_and(|d| d.open()));
    view! {
        <details class="facets" node_ref=details on:toggle=on_toggle>
            <summary>"Facets of the loaded rows"</summary>
            <div class="facet-grid">{move || open.get().then(columns)}</div>
        </details>
    }
}
