//! `cargo xtask bench`: the release build in headless Chromium against the sandbox, and the
//! gateway under load. Prints one table and writes `target/bench.json`. A benchmark, not a
//! test: it reports figures next to their budgets and never fails on timing.

#[path = "../tests/e2e/harness.rs"]
#[allow(dead_code)]
mod harness;
#[path = "browser/open_link.rs"]
mod open_link;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use axum::http::{Method, Request};
use fantoccini::{Client, Locator};
use harness::{Rig, TestResult, click, eventually, type_into};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

/// One figure: name, value, unit, budget (None: no budget), lower is better.
#[derive(Clone)]
struct Figure {
    name: String,
    value: f64,
    unit: &'static str,
    budget: Option<f64>,
}

static FIGURES: Mutex<Vec<Figure>> = Mutex::new(Vec::new());

fn record(name: impl Into<String>, value: f64, unit: &'static str, budget: Option<f64>) {
    if let Ok(mut f) = FIGURES.lock() {
        f.push(Figure { name: name.into(), value, unit, budget });
    }
}

type Http = HttpClient<hyper_util::client::legacy::connect::HttpConnector, Full<axum::body::Bytes>>;

fn http() -> Http {
    HttpClient::builder(TokioExecutor::new()).build_http()
}

/// Sends a request; returns the status and the body's size as sent (compressed when asked).
async fn send(
    client: &Http,
    method: Method,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<(u16, usize), String> {
    let mut request = Request::builder().method(method).uri(url);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let request = request.body(Full::new(axum::body::Bytes::copy_from_slice(body))).map_err(|e| e.to_string())?;
    let response = client.request(request).await.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
    Ok((status, bytes.len()))
}

// ---------------------------------------------------------------- first load

async fn first_load(rig: &Rig, client: &Client) -> TestResult {
    client.goto(&rig.url("/")).await.map_err(|e| e.to_string())?;
    eventually("the home page", || async { client.find(Locator::Css("main h1")).await.ok() }).await?;
    let urls = client
        .execute("return [location.href, ...performance.getEntriesByType('resource').map(e => e.name)];", vec![])
        .await
        .map_err(|e| e.to_string())?;
    let urls: Vec<String> = serde_json::from_value(urls).map_err(|e| e.to_string())?;
    let http = http();
    // Per encoding: html, js, wasm, css, other (icons).
    let mut sizes = [[0usize; 5]; 2];
    for url in urls.iter().filter(|u| u.starts_with(&rig.base) && !u.contains("/config.json")) {
        let path = url.trim_start_matches(&rig.base);
        let slot = if path == "/" || path.ends_with(".html") {
            0
        } else if path.ends_with(".js") {
            1
        } else if path.ends_with(".wasm") {
            2
        } else if path.ends_with(".css") {
            3
        } else {
            4
        };
        for (encoding, sizes) in ["gzip", "br"].into_iter().zip(sizes.iter_mut()) {
            let (_, size) = send(&http, Method::GET, url, &[("accept-encoding", encoding)], &[]).await?;
            sizes[slot] += size;
        }
    }
    let kb = |b: usize| b as f64 / 1024.0;
    for (encoding, sizes, budget) in [("gzipped", sizes[0], 175.0), ("brotli", sizes[1], 150.0)] {
        for (part, size) in ["html", "js", "wasm", "css", "other (icons)"].into_iter().zip(sizes) {
            record(format!("first load, {encoding}: {part}"), kb(size), "KB", None);
        }
        record(format!("first load, {encoding}: total"), kb(sizes.iter().sum()), "KB", Some(budget));
    }
    Ok(())
}

// ---------------------------------------------------------------- paint

/// A promise that resolves once the page is quiet: two idle periods in a row with 40 ms to
/// spare (or after 2 s). Each side of the paint figures starts from a quiet page, so what the
/// other side does after its own paint (the app's tools over the rows a frame later, the chart's
/// bars when the browser is idle) does not fall into its time.
macro_rules! quiet_js {
    () => {
        r#"
const quiet = () => new Promise(ok => {
    let calm = 0;
    const giveUp = setTimeout(ok, 2000);
    const check = (deadline) => {
        calm = deadline.timeRemaining() >= 40 ? calm + 1 : 0;
        if (calm >= 2) { clearTimeout(giveUp); ok(); } else requestIdleCallback(check);
    };
    requestIdleCallback(check);
});
"#
    };
}

/// Waits until at least `minEntries` Iden responses have been timed and the table under `scope`
/// holds `rows` rows and is not busy, then for the frame after next: returns performance.now()
/// at that point. Up to 300 rows every row is drawn, and the rows drawn are counted (a table's
/// first frame draws only a screenful); above that the table draws only the rows in view, so
/// its `aria-rowcount` tells. The condition is checked on every change to the page (a
/// MutationObserver, as the first-row watch of the open-link figures), so no polling interval is
/// added to the app's time that the plain page (timed from its own script) does not pay.
/// `action` (a path to move to, or a selector to click) is done by this script once it watches:
/// done by a WebDriver call of its own, it would leave the page unwatched for that call's round
/// trip (30–70 ms through chromedriver), and rows drawn in that time would be timed only from
/// when the watch began, two frames after it. The action waits for a quiet page (`quiet_js`).
const WAIT_PAINTED: &str = concat!(
    quiet_js!(),
    r#"
const [scope, rows, needle, minEntries, action] = arguments;
const done = arguments[arguments.length - 1];
const ready = () => {
    const answered = performance.getEntriesByType('resource').filter(e => e.name.includes(needle)).length;
    const t = document.querySelector(scope + ' table.events');
    return answered >= minEntries && t && t.getAttribute('aria-busy') !== 'true'
        && Number(t.getAttribute('aria-rowcount')) === rows + 1
        && (rows > 300 || t.querySelectorAll('tbody tr[data-id]').length === rows);
};
const observer = new MutationObserver(() => settle());
let scheduled = false;
const finish = (value) => { observer.disconnect(); clearTimeout(stuck); done(value); };
const settle = () => {
    if (scheduled || !ready()) return;
    scheduled = true;
    observer.disconnect();
    requestAnimationFrame(() => requestAnimationFrame(() => finish(performance.now())));
};
observer.observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['aria-busy', 'aria-rowcount'] });
// Stuck: say what is missing instead of waiting for the script timeout.
const stuck = setTimeout(() => {
    const t = document.querySelector(scope + ' table.events');
    finish(`stuck after 10 min: ${performance.getEntriesByType('resource').filter(e => e.name.includes(needle)).length} of ${minEntries} responses timed, `
        + `table ${t ? `aria-busy=${t.getAttribute('aria-busy')} aria-rowcount=${t.getAttribute('aria-rowcount')}` : 'absent'}, want ${rows + 1} rows; ${location.href}`);
}, 600000);
const act = () => {
    if (action.goto) {
        history.pushState(null, '', action.goto);
        dispatchEvent(new PopStateEvent('popstate'));
    } else if (action.click) {
        const target = document.querySelector(action.click);
        if (!target) return finish(`nothing to click at ${action.click}; ${location.href}`);
        target.click();
    }
    settle();
};
if (action) quiet().then(act); else settle();
"#
);

/// The end of the last vendor response whose URL holds `needle`, and every such URL in order.
const RESPONSES: &str = r#"
const needle = arguments[0];
const entries = performance.getEntriesByType('resource').filter(e => e.name.includes(needle));
return [entries.length ? entries[entries.length - 1].responseEnd : null, entries.map(e => e.name)];
"#;

/// The plain-JavaScript baseline: fetches `urls`, then builds a plain table of the rows with
/// createElement and textContent. Returns the time to painted from the last response's end
/// (Resource Timing, as the app's figure is timed), and from its rows being parsed (what this
/// figure was timed from before: the body's reading and parsing left out, which the app's
/// figure counts).
///
/// It starts once the page is quiet (`quiet_js`). With `announce`, it first says "Loading…" on
/// the page, as the app says its own status when a view changes: a page that draws something as
/// its request leaves has the browser's frames under way when its answer comes, and its rows
/// wait for the next one; a page that drew nothing since it was quiet gets a frame at once. The
/// budget compares like with like (docs/PERFORMANCE.md, "The plain page's first frame").
const BASELINE: &str = concat!(
    quiet_js!(),
    r#"
const [urls, auth, listKey, announce] = arguments;
const done = arguments[arguments.length - 1];
(async () => {
    await quiet();
    const status = document.createElement('p');
    if (announce) {
        status.textContent = 'Loading…';
        document.body.appendChild(status);
    }
    const started = performance.now();
    let rows = [];
    for (const url of urls) {
        const res = await fetch(url, { headers: { Authorization: auth } });
        const body = await res.json();
        rows = rows.concat(listKey ? body[listKey] : body);
    }
    const available = performance.now();
    const table = document.createElement('table');
    const tbody = document.createElement('tbody');
    for (const r of rows) {
        const tr = document.createElement('tr');
        for (const v of [r.id, r.occurred_at || r.created_at, r.type || r.event_type, r.severity, JSON.stringify(r.actor || r.contact_id || ''), r.ip_address || '']) {
            const td = document.createElement('td');
            td.textContent = v == null ? '' : String(v);
            tr.appendChild(td);
        }
        tbody.appendChild(tr);
    }
    table.appendChild(tbody);
    status.textContent = `${rows.length} rows`;
    const holder = document.createElement('div');
    holder.style.cssText = 'max-height: 75vh; overflow: auto';
    holder.appendChild(table);
    document.body.appendChild(holder);
    requestAnimationFrame(() => requestAnimationFrame(() => {
        const painted = performance.now();
        holder.remove();
        status.remove();
        const timed = performance.getEntriesByName(urls[urls.length - 1]).filter(e => e.startTime >= started);
        if (!timed.length) return done('baseline: no Resource Timing entry for ' + urls[urls.length - 1]);
        done([painted - timed[timed.length - 1].responseEnd, painted - available]);
    }));
})().catch(e => done('baseline failed: ' + e));
"#
);

const IDEN: &str = ".source-iden";
const IDEN_PATH: &str = "/sandbox/iden/";

fn iden_auth() -> String {
    format!("Api-Key {}", auditdeck_sandbox::iden::SANDBOX_KEY)
}

/// What `WAIT_PAINTED` does once it watches the page.
enum Then<'a> {
    Wait,
    /// Moves the running app to this path, as its own links do (history and popstate, no reload).
    Goto(&'a str),
    /// Clicks the element this selector finds.
    Click(&'a str),
}

async fn wait_painted(client: &Client, rows: usize, min_entries: usize, then: Then<'_>) -> Result<f64, String> {
    let action = match then {
        Then::Wait => Value::Null,
        Then::Goto(path) => json!({ "goto": path }),
        Then::Click(selector) => json!({ "click": selector }),
    };
    let painted = client
        .execute_async(WAIT_PAINTED, vec![IDEN.into(), rows.into(), IDEN_PATH.into(), min_entries.into(), action])
        .await
        .map_err(|e| format!("waiting for {rows} rows: {e}"))?;
    painted.as_f64().ok_or_else(|| format!("waiting for {rows} rows: {painted}"))
}

/// How many Iden responses the page has timed so far.
async fn iden_entries(client: &Client) -> Result<usize, String> {
    let (_, urls) = responses(client).await.unwrap_or((0.0, Vec::new()));
    Ok(urls.len())
}

async fn responses(client: &Client) -> Result<(f64, Vec<String>), String> {
    let value = client.execute(RESPONSES, vec![IDEN_PATH.into()]).await.map_err(|e| e.to_string())?;
    let (end, urls): (Option<f64>, Vec<String>) = serde_json::from_value(value).map_err(|e| e.to_string())?;
    Ok((end.ok_or("no Iden response was timed")?, urls))
}

/// The plain page's paint after its last response's end, and after its rows were parsed;
/// `announce`: it says "Loading…" as its request leaves (see `BASELINE`).
async fn baseline(client: &Client, urls: Vec<String>, announce: bool) -> Result<(f64, f64), String> {
    let value = client
        .execute_async(BASELINE, vec![json!(urls), iden_auth().into(), "results".into(), announce.into()])
        .await
        .map_err(|e| e.to_string())?;
    serde_json::from_value(value.clone()).map_err(|_| format!("{value}"))
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Raises the Load more cap (the field commits on change).
async fn set_cap(client: &Client, rows: usize) -> TestResult {
    type_into(client, ".load-more-cap", &rows.to_string()).await?;
    click(client, "h1").await
}

/// Lets scripts run long: the app keeps Iden's documented 60 requests a minute, so thousands
/// of rows take minutes. Also keeps every resource timing (the buffer holds 250 by default).
async fn allow_long_scripts(client: &Client) -> TestResult {
    let minutes = |m: u64| Some(std::time::Duration::from_secs(m * 60));
    client
        .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(minutes(20), minutes(2), None))
        .await
        .map_err(|e| e.to_string())?;
    client.execute("performance.setResourceTimingBufferSize(100000);", vec![]).await.map_err(|e| e.to_string())?;
    Ok(())
}

async fn paint(rig: &Rig, client: &Client) -> TestResult {
    client.goto(&rig.url("/severity?limit=20")).await.map_err(|e| e.to_string())?;
    allow_long_scripts(client).await?;
    wait_painted(client, 20, 1, Then::Wait).await?;
    // Every sample is a view the running app has not loaded yet (as when a user changes a
    // filter): its own first request, never the cache, so no (filter, limit) repeats. Fifteen
    // for 50 rows (each severity, then each pair): the plain page's figure moves by up to a frame
    // with where its frame falls, and the budget is a ratio of two medians. Three for the longer
    // ones. Iden pages hold up to 200, so 500 and 5,000 rows come by Load more, with page sizes
    // that divide the count (Load more fetches whole pages), timed from the last response.
    let samples: [(usize, &[(&str, usize)]); 3] = [
        (
            50,
            &[
                ("severity=info", 50),
                ("severity=low", 50),
                ("severity=medium", 50),
                ("severity=high", 50),
                ("severity=critical", 50),
                ("severity=info,low", 50),
                ("severity=info,medium", 50),
                ("severity=info,high", 50),
                ("severity=info,critical", 50),
                ("severity=low,medium", 50),
                ("severity=low,high", 50),
                ("severity=low,critical", 50),
                ("severity=medium,high", 50),
                ("severity=medium,critical", 50),
                ("severity=high,critical", 50),
            ],
        ),
        (500, &[("", 100), ("", 125), ("", 50)]),
        (5_000, &[("", 200), ("severity=info", 125), ("severity=info", 100)]),
    ];
    for (rows, views) in samples {
        let (mut app, mut plain, mut plain_parsed, mut plain_silent) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for &(filter, limit) in views {
            let before = iden_entries(client).await?;
            let path = format!("/severity?limit={limit}&{filter}");
            let mut painted = wait_painted(client, limit, before + 1, Then::Goto(&path)).await?;
            let requests = rows.div_ceil(limit);
            if requests > 1 {
                set_cap(client, rows).await?;
                painted = wait_painted(client, rows, before + requests, Then::Click(".load-more-start")).await?;
            }
            let (end, urls) = responses(client).await?;
            app.push(painted - end);
            let (after_response, after_parse) = baseline(client, urls[before..].to_vec(), true).await?;
            plain.push(after_response);
            plain_parsed.push(after_parse);
            plain_silent.push(baseline(client, urls[before..].to_vec(), false).await?.0);
        }
        let (app, plain, silent) = (median(app), median(plain), median(plain_silent));
        record(format!("paint {rows} rows after the last response: Auditdeck"), app, "ms", None);
        record(format!("paint {rows} rows after the last response: plain JS"), plain, "ms", None);
        record(format!("paint {rows} rows after the rows are parsed: plain JS"), median(plain_parsed), "ms", None);
        // For comparison only: a plain page that draws nothing before its rows gets a frame as
        // soon as they are in, where a page that showed its status waits for the next frame.
        record(
            format!("paint {rows} rows after the last response: plain JS drawing nothing before"),
            silent,
            "ms",
            None,
        );
        record(
            format!("paint {rows} rows: Auditdeck / plain JS drawing nothing before"),
            app / silent.max(0.001),
            "×",
            None,
        );
        // 50 rows: the page size most views open with (issue 21); 500: a long page.
        let budget = match rows {
            50 => Some(1.5),
            500 => Some(1.3),
            _ => None,
        };
        record(format!("paint {rows} rows: Auditdeck / plain JS"), app / plain.max(0.001), "×", budget);
    }
    Ok(())
}

// ---------------------------------------------------------------- 100,000 rows

const ROWS_100K: usize = 100_000;

/// Clicks `css` (or types `text` into it and submits its form), then times the work until the
/// table's first rendered row has changed and the table is laid out: the app's handlers and
/// render (its effects run as microtasks: they are drained before the clock stops) and the
/// browser's style and layout. Paint and the wait for the next frame are not included, as in
/// the scroll figure; if the change needs more than microtasks, the figure waits for it frame
/// by frame (that wait included). Returns the milliseconds, or -1 when no change came.
const TIME_CHANGE: &str = r#"
const [scope, css, text] = arguments;
const done = arguments[arguments.length - 1];
const first = () => { const r = document.querySelector(scope + ' table.events tbody tr[data-id]:not([data-id=""])'); return r ? r.getAttribute('data-id') : null; };
const before = first();
const changed = () => first() !== before && document.querySelector(scope + ' table.events').getAttribute('aria-busy') !== 'true';
const laidOut = () => { document.querySelector(scope + ' table.events tbody tr:last-child').getBoundingClientRect(); return performance.now() - t0; };
const t0 = performance.now();
(async () => {
    if (text !== null) {
        const input = document.querySelector(css);
        input.value = text;
        input.dispatchEvent(new Event('input', { bubbles: true }));
        input.form.requestSubmit();
    } else {
        document.querySelector(css).click();
    }
    for (let i = 0; i < 100; i++) await null;
    if (changed()) return done(laidOut());
    const poll = () => changed() ? done(laidOut())
        : (performance.now() - t0 > 60000 ? done(-1) : requestAnimationFrame(poll));
    requestAnimationFrame(poll);
})();
"#;

/// Scrolls the table's wrapper by 10 rows a step, 100 steps (1,000 rows), one step a frame;
/// each step's work is timed: the scroll itself (setting the position), the scroll handler,
/// the app's render (its effects run as microtasks: they are drained before the clock stops)
/// and the layout of the result. Paint and compositing are the browser's and not included;
/// nor is the wait for the next frame, which a message task would add (16 ms in headless
/// Chromium whatever the work). Returns the worst step in ms, or -1 when the rendered rows had
/// not moved by the end of most steps.
const SCROLL: &str = r#"
const scope = arguments[0];
const done = arguments[arguments.length - 1];
const wrap = document.querySelector(scope + ' .table-wrap');
const lastRow = () => { const rows = wrap.querySelectorAll('tbody tr[aria-rowindex]'); return rows.length ? Number(rows[rows.length - 1].getAttribute('aria-rowindex')) : 0; };
let step = 0, worst = 0, moved = 0;
const tick = async () => {
    const before = lastRow();
    const t0 = performance.now();
    wrap.scrollTop += 330;
    wrap.dispatchEvent(new Event('scroll'));
    for (let i = 0; i < 100; i++) await null;
    wrap.querySelector('tbody tr:last-child').getBoundingClientRect();
    worst = Math.max(worst, performance.now() - t0);
    if (lastRow() !== before) moved += 1;
    step += 1;
    step < 100 ? requestAnimationFrame(tick) : done(moved >= 95 ? worst : -1);
};
requestAnimationFrame(tick);
"#;

/// Makes the CSV of the loaded rows; returns the milliseconds until its link is there.
const EXPORT: &str = r#"
const done = arguments[arguments.length - 1];
const t0 = performance.now();
document.querySelector('.export-tools .export-csv').click();
const poll = () => document.querySelector('.export-tools a.export-manifest')
    ? done(performance.now() - t0)
    : (performance.now() - t0 > 120000 ? done(-1) : requestAnimationFrame(poll));
poll();
"#;

/// Runs [`TIME_CHANGE`] on the Iden table: clicks `css`, or types `text` into it and submits.
async fn time_change(client: &Client, css: &str, text: Option<&str>, what: &str) -> Result<f64, String> {
    let text = text.map_or(Value::Null, Value::from);
    let ms = client.execute_async(TIME_CHANGE, vec![IDEN.into(), css.into(), text]).await.map_err(|e| e.to_string())?;
    timed(ms, what)
}

/// A page script's time in ms; its -1 (or anything else) says the measured change did not happen.
fn timed(value: Value, what: &str) -> Result<f64, String> {
    value.as_f64().filter(|ms| *ms >= 0.0).ok_or_else(|| format!("{what} did not happen as measured: {value}"))
}

async fn hundred_thousand(rig: &Rig, client: &Client) -> TestResult {
    client.goto(&rig.url("/severity?limit=200")).await.map_err(|e| e.to_string())?;
    allow_long_scripts(client).await?;
    wait_painted(client, 200, 1, Then::Wait).await?;
    set_cap(client, ROWS_100K).await?;
    let started = Instant::now();
    click(client, ".load-more-start").await?;
    // 500 requests to the sandbox: minutes, not seconds.
    client
        .execute_async(
            r#"const [want, done] = arguments; const t0 = performance.now();
               const poll = () => { const t = document.querySelector('.source-iden table.events');
                   if (t && Number(t.getAttribute('aria-rowcount')) === want + 1) return done(true);
                   if (performance.now() - t0 > 18 * 60000) return done(`stuck after 18 min: aria-rowcount=${t && t.getAttribute('aria-rowcount')}; `
                       + (document.querySelector('.load-more') || document.body).innerText.slice(0, 300));
                   setTimeout(poll, 250); };
               poll();"#,
            vec![ROWS_100K.into()],
        )
        .await
        .map_err(|e| format!("loading 100,000 rows: {e}"))
        .and_then(|v| if v == Value::Bool(true) { Ok(()) } else { Err(format!("loading 100,000 rows: {v}")) })?;
    record("load 100,000 rows (500 Iden pages from the sandbox)", started.elapsed().as_secs_f64(), "s", None);

    // Each figure is the median of three: a single change is as noisy as one frame's work.
    // Ascending, descending, (back to the loaded order, not timed), ascending again.
    let type_header = format!("{IDEN} th[data-column='type'] a");
    let mut sorts = Vec::new();
    for timed_run in [true, true, false, true] {
        let ms = time_change(client, &type_header, None, "the sort").await?;
        if timed_run {
            sorts.push(ms);
        }
    }
    record("100,000 rows: sort by type (median of 3)", median(sorts), "ms", Some(100.0));
    // Three searches, each of the rows sorted by type; none repeats the one before (the app
    // keeps the last search's rows).
    let mut filters = Vec::new();
    for text in ["session.login", "session.logout", "user.updated"] {
        filters.push(time_change(client, "#row-text", Some(text), "the text filter").await?);
    }
    record("100,000 rows: text filter (median of 3)", median(filters), "ms", Some(100.0));
    // Clear the filter again for the scroll and the export.
    time_change(client, "#row-text", Some(""), "clearing the text filter").await?;
    let worst = client.execute_async(SCROLL, vec![IDEN.into()]).await.map_err(|e| e.to_string())?;
    record("100,000 rows: worst frame scrolling 1,000 rows", timed(worst, "the scroll")?, "ms", Some(16.0));
    let heap = client
        .execute("return performance.memory ? performance.memory.usedJSHeapSize : null;", vec![])
        .await
        .map_err(|e| e.to_string())?;
    // The JS heap does not hold the wasm's linear memory (where the rows live): that is read
    // from the wasm module's exports (a second init of the same module returns them).
    let wasm = client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               const tag = document.querySelector('script[data-wasm]');
               import(tag.dataset.js).then(m => m.default({ module_or_path: tag.dataset.wasm }))
                   .then(w => done(w.memory.buffer.byteLength), e => done(null));"#,
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    let (js_mb, wasm_mb) =
        (heap.as_f64().unwrap_or(f64::NAN) / 1_048_576.0, wasm.as_f64().unwrap_or(f64::NAN) / 1_048_576.0);
    record("100,000 rows: JS heap", js_mb, "MB", None);
    record("100,000 rows: wasm memory", wasm_mb, "MB", None);
    record("100,000 rows: heap, JS + wasm", js_mb + wasm_mb, "MB", Some(150.0));

    let export = client.execute_async(EXPORT, vec![]).await.map_err(|e| e.to_string())?;
    record("100,000 rows: CSV export with its SHA-256", timed(export, "the export")? / 1000.0, "s", Some(1.0));
    // The page shows the file's rows and SHA-256 (a blob cannot be fetched under the CSP).
    let made = client
        .execute(
            r#"return [document.querySelector('.export-tools a.export-file').textContent,
                       document.querySelector('.export-tools .export-sha256').textContent];"#,
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    let (file, sha): (String, String) = serde_json::from_value(made).map_err(|e| e.to_string())?;
    if let Ok(mut f) = SHA.lock() {
        *f = format!("{file}, sha256 {sha}");
    }
    Ok(())
}

static SHA: Mutex<String> = Mutex::new(String::new());

// ---------------------------------------------------------------- gateway

/// The body of the `n`th request a load sends.
type Bodies = fn(usize) -> Vec<u8>;

/// Latency percentiles of `n` requests one after another, and requests/s with `parallel` at once.
async fn load(what: &str, url: &str, method: Method, headers: &[(&str, &str)], body: Bodies) -> Result<f64, String> {
    let http = http();
    for n in 0..50 {
        send(&http, method.clone(), url, headers, &body(n)).await?;
    }
    let mut latencies = Vec::new();
    for n in 0..1_000 {
        let request = body(50 + n);
        let t = Instant::now();
        let (status, _) = send(&http, method.clone(), url, headers, &request).await?;
        if status != 200 {
            return Err(format!("{what}: status {status}"));
        }
        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    latencies.sort_by(f64::total_cmp);
    let p50 = latencies[latencies.len() / 2];
    let p99 = latencies[latencies.len() * 99 / 100];
    let (parallel, per_task) = (16, 250);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for task in 0..parallel {
        let (http, url, method) = (http.clone(), url.to_string(), method.clone());
        let headers: Vec<(String, String)> = headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        tasks.push(tokio::spawn(async move {
            let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            for n in 0..per_task {
                send(&http, method.clone(), &url, &headers, &body(1_050 + task * per_task + n)).await?;
            }
            Ok::<(), String>(())
        }));
    }
    for task in tasks {
        task.await.map_err(|e| e.to_string())??;
    }
    let rate = (parallel * per_task) as f64 / started.elapsed().as_secs_f64();
    record(format!("gateway, {what}: requests/s (16 at once)"), rate, "req/s", None);
    record(format!("gateway, {what}: p50"), p50, "ms", None);
    record(format!("gateway, {what}: p99"), p99, "ms", None);
    Ok(p50)
}

async fn gateway(rig: &Rig) -> TestResult {
    let iden = format!("{}/sandbox/iden/org/{}/api/events/?limit=50", rig.base, auditdeck_sandbox::iden::ORG_SLUG);
    let auth = iden_auth();
    load("sandbox Iden page of 50", &iden, Method::GET, &[("authorization", &auth)], |_| Vec::new()).await?;
    let multipart = ("content-type", "multipart/form-data; boundary=auditdeckbench");
    let proxied = format!("{}/upstream/{}/api/v1/events/search", rig.base, harness::SAMPLE_UPSTREAM_ID);
    // Each search asks for another address, so none is answered from the shared cache.
    let proxied_p50 =
        load("proxied search (gateway adds the credential)", &proxied, Method::POST, &[multipart], search_form).await?;
    let direct = format!("http://{}/api/v1/events/search", rig.upstream);
    let credential = format!("ID.me {}", harness::base64_of(harness::SAMPLE_SECRET));
    let direct_p50 = load(
        "the same searches sent to the upstream directly",
        &direct,
        Method::POST,
        &[multipart, ("authorization", &credential)],
        search_form,
    )
    .await?;
    record("gateway: proxy overhead at p50", proxied_p50 - direct_p50, "ms", Some(1.0));
    let (team, session) = gateway_for_a_team(rig, Path::new("/nonexistent")).await?;
    let team_search = format!("{team}/upstream/{}/api/v1/events/search", harness::SAMPLE_UPSTREAM_ID);
    let signed_in_p50 = load(
        "proxied search, signed in, access log on",
        &team_search,
        Method::POST,
        &[multipart, ("cookie", &session)],
        search_form,
    )
    .await?;
    record(
        "gateway with sign-in and the access log: proxy overhead at p50",
        signed_in_p50 - direct_p50,
        "ms",
        Some(1.0),
    );
    load("one search again and again (shared cache hit)", &proxied, Method::POST, &[multipart], |_| search_form(0))
        .await?;
    Ok(())
}

/// A second gateway as a team runs it, serving `dist`: sign-in configured, the access log on (in
/// a temporary file), the sample upstream open to the group `bench`, which is also the admin
/// group. Returns its base URL and the Cookie header of a session made in its own store (the
/// provider is needed only to sign in).
async fn gateway_for_a_team(rig: &Rig, dist: &Path) -> Result<(String, String), String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let base = format!("http://{}", listener.local_addr().map_err(|e| e.to_string())?);
    static GATEWAYS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = GATEWAYS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let database = harness::temporary(&format!("access-{n}.sqlite3"));
    let config: auditdeck_server::GatewayConfig = toml::from_str(&format!(
        r#"
sandbox = false
public_url = "{base}"
[auth]
issuer = "http://127.0.0.1:9/only-needed-to-sign-in"
client_id = "auditdeck"
admin_group = "bench"
[access_log]
path = "{}"
[[upstream]]
id = "{}"
provider = "idme"
label = "Document sample"
base_url = "http://{}"
credential = {{ secret_env = "SAMPLE", scheme = "ID.me" }}
allow_groups = ["bench"]
"#,
        database.display(),
        harness::SAMPLE_UPSTREAM_ID,
        rig.upstream
    ))
    .map_err(|e| e.to_string())?;
    let gateway = auditdeck_server::build(
        auditdeck_server::GatewayOptions { dist: dist.to_path_buf(), config, bind: [127, 0, 0, 1].into() },
        rig.data.clone(),
        |name| (name == "SAMPLE").then(|| harness::SAMPLE_SECRET.to_string()),
    )?;
    let who = auditdeck_server::auth::Identity {
        subject: "bench".into(),
        email: Some("bench@example.org".into()),
        name: None,
        groups: vec!["bench".into()],
    };
    let token = gateway.auth.as_ref().ok_or("sign-in is not configured")?.sessions.start(who);
    tokio::spawn(auditdeck_server::serve::serve(
        listener,
        gateway.router,
        gateway.client_limits,
        std::future::pending(),
    ));
    Ok((base, format!("auditdeck_session={token}")))
}

/// The document's request, `curl -F ipaddress=…` (multipart/form-data), for the `n`th address.
fn search_form(n: usize) -> Vec<u8> {
    let ip = format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255);
    format!(
        "--auditdeckbench\r\nContent-Disposition: form-data; name=\"ipaddress\"\r\n\r\n{ip}\r\n--auditdeckbench--\r\n"
    )
    .into_bytes()
}

// ---------------------------------------------------------------- report

// ---------------------------------------------------------------- soak

/// In-app navigations of the soak, and how many of them warm up (caches, first chunks) before
/// the wasm memory is read the first time.
const SOAK_NAVIGATIONS: usize = 1_000;
const SOAK_WARM_UP: usize = 100;

/// Moves the app through `paths` in turn, `count` times, as its own links do; each step waits
/// until the view's heading and its rows (or its form) are drawn. Returns the wasm memory's size
/// in bytes after `warm` navigations, after half of them and at the end, and the JS heap at the
/// end.
const SOAK: &str = r#"
const [paths, count, warm] = arguments;
const done = arguments[arguments.length - 1];
const wasmBytes = async () => {
    const tag = document.querySelector('script[data-wasm]');
    const m = await import(tag.dataset.js);
    const w = await m.default({ module_or_path: tag.dataset.wasm });
    return w.memory.buffer.byteLength;
};
const drawn = (path, before) => {
    if (location.pathname + location.search !== path) return false;
    const h1 = document.querySelector('main h1');
    if (!h1 || document.querySelector('.routing-progress')) return false;
    // A view without rows to wait for (home, settings, a bare form) is drawn with its own
    // heading, not the one of the view before it.
    if (!/^\/(ip|users)\/|^\/identity-events|^\/severity/.test(path)) return h1 !== before;
    return document.querySelector('main table tbody tr[data-id], main .timeline .entry') !== null;
};
const until = (path, step, before) => new Promise((resolve, reject) => {
    const t0 = performance.now();
    const poll = () => {
        if (drawn(path, before)) return requestAnimationFrame(() => resolve());
        if (performance.now() - t0 > 20000) return reject(new Error('navigation ' + (step + 1) + ' not drawn after 20 s: ' + path + ' (shown: ' + location.pathname + location.search + ', ' + (document.querySelector('main') || document.body).innerText.slice(0, 300) + ')'));
        requestAnimationFrame(poll);
    };
    poll();
});
(async () => {
    let atWarm = null, atHalf = null;
    for (let i = 0; i < count; i++) {
        const path = paths[i % paths.length];
        const before = document.querySelector('main h1');
        // Chromium ignores history changes past 200 in 10 s (its flood guard), which a
        // soak of two cached views reaches: try again until the address takes.
        history.pushState(null, '', path);
        while (location.pathname + location.search !== path) {
            await new Promise(r => setTimeout(r, 50));
            history.pushState(null, '', path);
        }
        dispatchEvent(new PopStateEvent('popstate'));
        await until(path, i, before);
        if (i + 1 === warm) atWarm = await wasmBytes();
        if (i + 1 === count / 2) atHalf = await wasmBytes();
    }
    const heap = performance.memory ? performance.memory.usedJSHeapSize : null;
    done([atWarm, atHalf, await wasmBytes(), heap]);
})().catch(e => done(String(e)));
"#;

/// 1,000 in-app navigations across the views (each view's rows drawn every time): what the
/// wasm memory grows by after the first 100, when every answer comes from the app's cache.
async fn soak(rig: &Rig, client: &Client) -> TestResult {
    let (ip, _) = rig.data.busiest_ips(1)[0];
    let person = rig
        .data
        .people
        .iter()
        .find(|p| !rig.data.idme_events_for_user(&p.uuid).is_empty())
        .ok_or("no person with ID.me events")?;
    let uuid = auditdeck_sandbox::dataset::format_uuid(person.uuid_value());
    let paths = [
        format!("/ip/{ip}"),
        format!("/users/{uuid}"),
        "/identity-events".to_string(),
        "/severity".to_string(),
        format!("/ip/{ip}?sources=idme,iden&hide=client"),
        format!("/users/{uuid}?layout=table"),
        "/identity-events?types=ani_blocked".to_string(),
        "/severity?severity=high,critical&sort=-occurred".to_string(),
        "/".to_string(),
    ];
    // AUDITDECK_SOAK_PATHS=/,/settings (comma-separated; {ip} and {uuid} stand for the ones above)
    // soaks other paths, to find what grows.
    let paths: Vec<String> = match std::env::var("AUDITDECK_SOAK_PATHS") {
        Ok(list) if !list.trim().is_empty() => {
            list.split(',').map(|p| p.replace("{ip}", &ip.to_string()).replace("{uuid}", &uuid)).collect()
        }
        _ => paths.to_vec(),
    };
    client.goto(&rig.url("/")).await.map_err(|e| e.to_string())?;
    eventually("the home page", || async { client.find(Locator::Css("main h1")).await.ok() }).await?;
    allow_long_scripts(client).await?;
    let value = client
        .execute_async(SOAK, vec![json!(paths), SOAK_NAVIGATIONS.into(), SOAK_WARM_UP.into()])
        .await
        .map_err(|e| e.to_string())?;
    let (warm, half, end, heap): (Option<f64>, Option<f64>, Option<f64>, Option<f64>) =
        serde_json::from_value(value.clone()).map_err(|_| format!("the soak stopped: {value}"))?;
    let mb = |b: Option<f64>| b.unwrap_or(f64::NAN) / 1_048_576.0;
    let per_nav_kb = (mb(end) - mb(warm)) * 1024.0 / (SOAK_NAVIGATIONS - SOAK_WARM_UP) as f64;
    record("soak: wasm memory after 100 navigations", mb(warm), "MB", None);
    record("soak: wasm memory after 1,000 navigations", mb(end), "MB", None);
    record("soak: wasm memory growth, navigations 100 to 1,000", mb(end) - mb(warm), "MB", Some(1.0));
    record("soak: wasm memory growth per navigation", per_nav_kb, "KB", None);
    // Whether it still grows in the second half, or has levelled off (a high-water mark).
    record("soak: wasm memory growth, navigations 500 to 1,000", mb(end) - mb(half), "MB", None);
    record("soak: JS heap after 1,000 navigations", mb(heap), "MB", None);
    Ok(())
}

fn report() -> Value {
    let figures = FIGURES.lock().map(|f| f.clone()).unwrap_or_default();
    println!("\n{:<62} {:>12}  {:<6} {:>10}", "figure", "value", "unit", "budget");
    println!("{}", "-".repeat(100));
    let mut rows = Vec::new();
    for f in &figures {
        let verdict = match f.budget {
            Some(b) if f.value.is_finite() && f.value >= 0.0 && f.value <= b => "within budget",
            Some(_) => "OVER BUDGET",
            None => "",
        };
        let budget = f.budget.map(|b| format!("≤ {b}")).unwrap_or_default();
        println!("{:<62} {:>12.2}  {:<6} {:>10}  {verdict}", f.name, f.value, f.unit, budget);
        rows.push(
            json!({ "figure": f.name, "value": f.value, "unit": f.unit, "budget": f.budget, "verdict": verdict }),
        );
    }
    let sha = SHA.lock().map(|s| s.clone()).unwrap_or_default();
    println!("\nexport of 100,000 rows: {sha}");
    json!({ "figures": rows, "export_100k": sha })
}

// ---------------------------------------------------------------- signals

/// SETs the sandbox signs, pushed to the gateway's receiver: verified (signature, claims) and
/// kept (SQLite, one transaction each) per second, 16 at once, and one at a time at p50.
async fn signals_throughput(rig: &Rig) -> TestResult {
    use auditdeck_sandbox::ssf::{EventKind, PushKind};
    let url = rig.url("/ssf/sandbox");
    let headers = [("content-type", "application/secevent+jwt")];
    let make = |n: usize| {
        rig.sandbox.ssf.make(PushKind::Good, EventKind::ALL[n % EventKind::ALL.len()], n).map(|m| m.token.into_bytes())
    };
    let sequential: Vec<Vec<u8>> = (0..500).map(make).collect::<Result<_, _>>()?;
    let parallel: Vec<Vec<u8>> = (500..4_500).map(make).collect::<Result<_, _>>()?;
    let http = http();
    let mut latencies = Vec::new();
    for token in &sequential {
        let t = Instant::now();
        let (status, _) = send(&http, Method::POST, &url, &headers, token).await?;
        if status != 202 {
            return Err(format!("a SET was answered {status}"));
        }
        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    record("signals: a SET verified and kept, p50", median(latencies), "ms", None);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for chunk in parallel.chunks(parallel.len() / 16) {
        let (http, url, chunk) = (http.clone(), url.clone(), chunk.to_vec());
        tasks.push(tokio::spawn(async move {
            for token in chunk {
                let (status, _) =
                    send(&http, Method::POST, &url, &[("content-type", "application/secevent+jwt")], &token).await?;
                if status != 202 {
                    return Err(format!("a SET was answered {status}"));
                }
            }
            Ok::<(), String>(())
        }));
    }
    for task in tasks {
        task.await.map_err(|e| e.to_string())??;
    }
    let rate = parallel.len() as f64 / started.elapsed().as_secs_f64();
    record("signals: SETs verified and kept per second (16 at once)", rate, "SET/s", None);
    Ok(())
}

/// From the push to the row on an open `/signals` page: the push is timed here, the row's
/// arrival in the page (a MutationObserver), both on this machine's clock.
async fn signal_to_row(rig: &Rig, client: &Client) -> TestResult {
    use auditdeck_sandbox::ssf::{EventKind, PushKind};
    client.goto(&rig.url("/signals")).await.map_err(|e| e.to_string())?;
    harness::wait_for_text(client, ".live-state", "Live:").await?;
    client
        .execute(
            "window.__seen = {}; new MutationObserver(() => { for (const r of document.querySelectorAll('tr[data-id]')) \
             { if (!(r.dataset.id in window.__seen)) window.__seen[r.dataset.id] = Date.now(); } })\
             .observe(document.body, { childList: true, subtree: true }); return null;",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    let mut delays = Vec::new();
    for n in 0..10 {
        let pushed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_err(|e| e.to_string())?;
        let (status, body, made) = rig.sandbox.ssf.push(PushKind::Good, EventKind::SessionRevoked, 900 + n).await?;
        if status != 202 {
            return Err(format!("the push was answered {status} {body}"));
        }
        let script = format!("return window.__seen[{:?}] ?? null", made.jti);
        let seen: f64 = eventually("the pushed signal's row", || async {
            client.execute(&script, vec![]).await.ok().and_then(|v| v.as_f64())
        })
        .await?;
        delays.push(seen - pushed.as_millis() as f64);
    }
    record("signals: push to row on an open /signals page, median of 10", median(delays), "ms", Some(2000.0));
    Ok(())
}

/// The app's build with the plain page beside it, in a temporary directory the gateways serve.
fn dist_with_plain_page() -> Result<PathBuf, String> {
    fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
        std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
        for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
            let entry = entry.map_err(|e| e.to_string())?;
            let target = to.join(entry.file_name());
            if entry.path().is_dir() {
                copy_dir(&entry.path(), &target)?;
            } else {
                std::fs::copy(entry.path(), &target).map_err(|e| format!("{}: {e}", target.display()))?;
            }
        }
        Ok(())
    }
    let copy = harness::temporary("dist");
    let _ = std::fs::remove_dir_all(&copy);
    copy_dir(&Rig::built_dist()?, &copy)?;
    for (name, text) in [open_link::PLAIN_HTML, open_link::PLAIN_JS] {
        std::fs::write(copy.join(name), text).map_err(|e| format!("{name}: {e}"))?;
    }
    Ok(copy)
}

fn main() -> std::process::ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("bench: cannot start tokio: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let dist = match dist_with_plain_page() {
            Ok(dist) => dist,
            Err(e) => {
                eprintln!("bench: cannot set up: {e}");
                return std::process::ExitCode::FAILURE;
            }
        };
        let rig = match Rig::start_serving(dist.clone()).await {
            Ok(rig) => rig,
            Err(e) => {
                eprintln!("bench: cannot set up: {e}");
                return std::process::ExitCode::FAILURE;
            }
        };
        // AUDITDECK_BENCH=paint (a part of a name) runs only the matching parts.
        let only = std::env::var("AUDITDECK_BENCH").unwrap_or_default();
        let mut problems = Vec::new();
        if "bench_open".contains(&only) {
            println!("bench: opening links…");
            if let Err(e) = open_link::open_links(&rig, &dist).await {
                problems.push(format!("opening links: {e}"));
            }
        }
        if "bench_compiled".contains(&only) {
            println!("bench: functions compiled on opening links…");
            if let Err(e) = open_link::compiled_on_open(&rig, &dist).await {
                problems.push(format!("functions compiled on opening links: {e}"));
            }
        }
        let scenarios: [(&str, harness::Scenario); 5] = [
            ("bench_first_load", |r, c| Box::pin(first_load(r, c))),
            ("bench_signal_to_row", |r, c| Box::pin(signal_to_row(r, c))),
            ("bench_paint", |r, c| Box::pin(paint(r, c))),
            ("bench_soak", |r, c| Box::pin(soak(r, c))),
            ("bench_100k", |r, c| Box::pin(hundred_thousand(r, c))),
        ];
        for (name, scenario) in scenarios.into_iter().filter(|(name, _)| name.contains(&only)) {
            println!("bench: {name}…");
            if let Err(e) = rig.run(name, scenario).await {
                problems.push(format!("{name}: {e}"));
            }
        }
        if "bench_gateway".contains(&only) {
            println!("bench: gateway…");
            if let Err(e) = gateway(&rig).await {
                problems.push(format!("gateway: {e}"));
            }
        }
        if "bench_signals".contains(&only) {
            println!("bench: signals…");
            if let Err(e) = signals_throughput(&rig).await {
                problems.push(format!("signals: {e}"));
            }
        }
        let mut json = report();
        json["problems"] = json!(problems);
        let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench.json");
        match serde_json::to_string_pretty(&json).map(|text| std::fs::write(&out, text)) {
            Ok(Ok(())) => println!("written to {}", out.display()),
            _ => eprintln!("bench: cannot write {}", out.display()),
        }
        for p in &problems {
            eprintln!("bench: could not measure: {p}");
        }
        drop(rig);
        harness::remove_temporary_files();
        // Figures are reported, never judged; only a measurement that could not run fails.
        if problems.is_empty() { std::process::ExitCode::SUCCESS } else { std::process::ExitCode::FAILURE }
    })
}
