//! Opening a pasted link: from navigation start until the first data row is painted. Cold (a new
//! browser profile, empty cache), warm (the same browser opening it again, the wasm cached) and
//! throttled (a new profile on a slow connection). Each figure is set beside a plain HTML+JS
//! page opened the same way, which sends the vendor requests the app sent for that link through
//! the same gateway and draws the rows with createElement (plain.html, plain.js).

use std::path::Path;

use fantoccini::Client;
use serde_json::{Value, json};

use super::{Http, harness, median, record, search_form, send};
use harness::{Rig, TestResult, devtools, webdriver_log};

/// Opens of each link without throttling, in the app and in the plain page (the medians are
/// reported); each is a new browser, measured cold and then warm. Five, not three: a cold open
/// moves by 50-150 ms between opens of the same build, and the budget is a ratio of two medians.
const SAMPLES: usize = 5;
/// Throttled opens of each link: seconds each, and steadier.
const THROTTLED_SAMPLES: usize = 3;
/// The slow connection of mobile page-speed audits: 1.6 Mbps down, 750 kbps up, 150 ms round trip.
const THROTTLE: (f64, f64, f64) = (150.0, 1_600_000.0 / 8.0, 750_000.0 / 8.0);

/// The throttled opens' network: [`THROTTLE`], or with `AUDITDECK_OPEN_LATENCY_ONLY` set its round
/// trip alone (no limit on throughput), where what waits for the network, not for bytes, shows.
fn throttle() -> (f64, f64, f64) {
    match std::env::var_os("AUDITDECK_OPEN_LATENCY_ONLY") {
        Some(_) => (THROTTLE.0, -1.0, -1.0),
        None => THROTTLE,
    }
}

/// The plain page's files, put beside the app's build in the directory the bench serves.
pub const PLAIN_HTML: (&str, &str) = ("bench-plain.html", include_str!("plain.html"));
pub const PLAIN_JS: (&str, &str) = ("bench-plain.js", include_str!("plain.js"));

/// Set in every new document before its own scripts: notes the time the first data row (a table
/// row, a timeline entry or an access-log entry) is painted: the frame that draws it, then a task
/// after that frame. The mark puts that moment in a trace too.
const FIRST_ROW_WATCH: &str = r#"
(() => {
    const rows = 'main table.events tbody tr[data-id]:not([data-id=""]), main .timeline .entry, main table.access-log tbody tr';
    const observer = new MutationObserver(() => {
        if (!document.querySelector(rows)) return;
        observer.disconnect();
        requestAnimationFrame(() => {
            const channel = new MessageChannel();
            channel.port1.onmessage = () => {
                window.__firstRowPainted = performance.now();
                performance.mark('auditdeck-first-row');
            };
            channel.port2.postMessage(null);
        });
    });
    observer.observe(document, { childList: true, subtree: true });
})();
"#;

/// Waits for [`FIRST_ROW_WATCH`]'s time; says what the page shows when no row comes.
const FIRST_ROW: &str = r#"
const done = arguments[arguments.length - 1];
const t0 = Date.now();
const poll = () => {
    if (typeof window.__firstRowPainted === 'number') return done(window.__firstRowPainted);
    if (Date.now() - t0 > 60000) return done('no row after 60 s: ' + location.href + ' ' + (document.querySelector('main') || document.body).innerText.slice(0, 300));
    setTimeout(poll, 20);
};
poll();
"#;

/// A link as pasted from a ticket, on the gateway that serves it (and the session cookie, for a
/// gateway with sign-in).
struct Link {
    name: &'static str,
    base: String,
    path: String,
    session: Option<String>,
}

#[derive(Clone, Copy, PartialEq)]
enum Network {
    Local,
    Throttled,
}

/// What one new browser measured: the cold open, the warm one (unthrottled only), and the
/// requests the page sent for its rows (as the plain page replays them).
struct Opened {
    cold: f64,
    warm: Option<f64>,
    requests: Value,
    /// What the cold open fetched: files (and requests), and their bodies' bytes as sent.
    fetched: (usize, f64),
}

async fn first_row(client: &Client) -> Result<f64, String> {
    let value = client.execute_async(FIRST_ROW, vec![]).await.map_err(|e| e.to_string())?;
    value.as_f64().ok_or_else(|| value.to_string())
}

/// Opens `link` (or, with `plain`, the plain page sending those requests) in a new browser.
async fn open(rig: &Rig, link: &Link, plain: Option<&Value>, network: Network) -> Result<Opened, String> {
    let profile = harness::temporary("profile-open");
    let _ = std::fs::remove_dir_all(&profile);
    let client = rig.browser(&profile).await?;
    let result = measure(rig, &client, link, plain, network).await;
    let _ = client.close().await;
    let _ = std::fs::remove_dir_all(&profile);
    result
}

/// Sets [`FIRST_ROW_WATCH`] in every new document, and the link's session cookie when it has one.
async fn watch_first_row_as(client: &Client, link: &Link) -> TestResult {
    devtools(client, "Page.addScriptToEvaluateOnNewDocument", json!({ "source": FIRST_ROW_WATCH })).await?;
    if let Some(session) = &link.session {
        let cookie = json!({ "name": "auditdeck_session", "value": session, "url": link.base, "httpOnly": true, "sameSite": "Lax" });
        devtools(client, "Network.setCookie", cookie).await?;
    }
    Ok(())
}

async fn measure(
    rig: &Rig,
    client: &Client,
    link: &Link,
    plain: Option<&Value>,
    network: Network,
) -> Result<Opened, String> {
    watch_first_row_as(client, link).await?;
    if let Some(requests) = plain {
        let source = format!("window.__plainRequests = {requests};");
        devtools(client, "Page.addScriptToEvaluateOnNewDocument", json!({ "source": source })).await?;
    }
    if network == Network::Throttled {
        let (latency, down, up) = throttle();
        devtools(client, "Network.enable", json!({})).await?;
        let conditions =
            json!({ "offline": false, "latency": latency, "downloadThroughput": down, "uploadThroughput": up });
        devtools(client, "Network.emulateNetworkConditions", conditions).await?;
    }
    let url = match plain {
        Some(_) => format!("{}/{}", link.base, PLAIN_HTML.0),
        None => format!("{}{}", link.base, link.path),
    };
    let mark = rig.sandbox.wire.received();
    client.goto(&url).await.map_err(|e| e.to_string())?;
    let cold = first_row(client).await?;
    trace(client, &url, "cold").await?;
    let requests = requests_sent(rig, client, mark).await?;
    let fetched = client
        .execute(
            "const all = [performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')];
             return [all.length, all.reduce((sum, e) => sum + e.encodedBodySize, 0)];",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    let fetched: (usize, f64) = serde_json::from_value(fetched).map_err(|e| e.to_string())?;
    let warm = match network {
        Network::Throttled => None,
        Network::Local => {
            client.goto("about:blank").await.map_err(|e| e.to_string())?;
            client.goto(&url).await.map_err(|e| e.to_string())?;
            let warm = first_row(client).await?;
            trace(client, &url, "warm").await?;
            Some(warm)
        }
    };
    Ok(Opened { cold, warm, requests, fetched })
}

/// With `AUDITDECK_OPEN_TRACE` set, prints when each file and request of the open started and
/// ended, and when the first row was painted (ms from navigation start): where the time goes.
async fn trace(client: &Client, url: &str, what: &str) -> TestResult {
    if std::env::var_os("AUDITDECK_OPEN_TRACE").is_none() {
        return Ok(());
    }
    let lines = client
        .execute(
            "const nav = performance.getEntriesByType('navigation')[0];
             return [`document ${nav.responseEnd.toFixed(0)} domInteractive ${nav.domInteractive.toFixed(0)}`,
               ...performance.getEntriesByType('resource').map(e => `${e.startTime.toFixed(0).padStart(6)} ${e.responseEnd.toFixed(0).padStart(6)} ${String(e.transferSize).padStart(7)} ${e.initiatorType.padEnd(6)} ${e.name.split('/').pop().slice(0, 60)}`),
               `first row painted ${window.__firstRowPainted.toFixed(0)}`];",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    println!("--- {what} {url}");
    for line in lines.as_array().into_iter().flatten() {
        println!("{}", line.as_str().unwrap_or_default());
    }
    Ok(())
}

/// The vendor requests the page sent since `mark` as the sandbox received them, and the gateway's
/// own access-log requests it timed: method, URL, credential and form fields, for the plain page.
async fn requests_sent(rig: &Rig, client: &Client, mark: u64) -> Result<Value, String> {
    let mut requests: Vec<Value> = rig
        .sandbox
        .wire
        .since(mark)
        .into_iter()
        .map(|r| {
            let query = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&r.query).finish();
            let url = if query.is_empty() { r.path.clone() } else { format!("{}?{query}", r.path) };
            json!({ "method": r.method, "url": url, "authorization": r.authorization,
                    "content_type": r.content_type, "form": r.form })
        })
        .collect();
    let own = client
        .execute(
            "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/admin/access.json'));",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    for url in own.as_array().into_iter().flatten() {
        requests.push(json!({ "method": "GET", "url": url, "authorization": null, "content_type": null, "form": [] }));
    }
    Ok(Value::Array(requests))
}

/// How many WebAssembly functions a cold open of `link` compiles before its first row is painted.
/// V8 compiles a function on its first call, on the page's thread; this count moves with the
/// code that runs on the way to the first row, not with what else the machine does (a cold open's
/// time varies by 50-150 ms between opens of one build). Traced in a browser of its own: tracing
/// slows an open down.
async fn compiled_before_first_row(rig: &Rig, link: &Link) -> Result<usize, String> {
    let profile = harness::temporary("profile-compiled");
    let _ = std::fs::remove_dir_all(&profile);
    // AUDITDECK_COMPILED_CATEGORIES adds trace categories (`devtools.timeline` shows the page's
    // tasks, style, layout and paint), for reading the trace AUDITDECK_COMPILED_TRACE keeps.
    let mut categories = String::from("v8.wasm,blink.user_timing");
    if let Ok(more) = std::env::var("AUDITDECK_COMPILED_CATEGORIES") {
        categories = format!("{categories},{more}");
    }
    let client = rig.traced_browser(&profile, Some(&categories)).await?;
    let counted = async {
        watch_first_row_as(&client, link).await?;
        let url = format!("{}{}", link.base, link.path);
        client.goto(&url).await.map_err(|e| e.to_string())?;
        first_row(&client).await?;
        // AUDITDECK_COMPILED_WARM counts the warm open's instead (its trace follows the cold
        // one's): the same browser opens the link again, as the timed warm open does.
        let warm = std::env::var_os("AUDITDECK_COMPILED_WARM").is_some();
        if warm {
            client.goto("about:blank").await.map_err(|e| e.to_string())?;
            client.goto(&url).await.map_err(|e| e.to_string())?;
            first_row(&client).await?;
        }
        let events: Vec<Value> = webdriver_log(rig, &client, "performance")
            .await?
            .iter()
            .filter_map(|message| serde_json::from_str::<Value>(message).ok())
            .map(|entry| entry["message"]["params"].clone())
            .collect();
        // AUDITDECK_COMPILED_TRACE=<directory> keeps each open's trace events, as a JSON array.
        if let Some(directory) = std::env::var_os("AUDITDECK_COMPILED_TRACE") {
            let file = Path::new(&directory).join(format!("{}.json", link.name.replace(' ', "-")));
            std::fs::write(&file, Value::Array(events.clone()).to_string())
                .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        }
        let cold = compiled_before_mark(&events, "auditdeck-first-row", 0)?;
        match warm {
            true => Ok(compiled_before_mark(&events, "auditdeck-first-row", 1)? - cold),
            false => Ok(cold),
        }
    }
    .await;
    let _ = client.close().await;
    let _ = std::fs::remove_dir_all(&profile);
    counted
}

/// Of the trace `events`, the lazy compilations of WebAssembly functions that began before the
/// user-timing mark `mark` (the `nth` such mark, from 0).
fn compiled_before_mark(events: &[Value], mark: &str, nth: usize) -> Result<usize, String> {
    let at = |e: &Value| e["ts"].as_f64();
    let mut marks: Vec<f64> = events.iter().filter(|e| e["name"] == mark).filter_map(at).collect();
    marks.sort_by(f64::total_cmp);
    let marked = *marks
        .get(nth)
        .ok_or_else(|| format!("the trace has {} marks {mark} among {} events", marks.len(), events.len()))?;
    Ok(events.iter().filter(|e| e["name"] == "wasm.CompileLazy" && at(e).is_some_and(|t| t < marked)).count())
}

fn links(rig: &Rig, team: (String, String)) -> Vec<Link> {
    let (ip, _) = rig.data.busiest_ips(1)[0];
    let here = |name, path: String| Link { name, base: rig.base.clone(), path, session: None };
    vec![
        here("IP search", format!("/ip/{ip}")),
        here("timeline", format!("/users/{}", auditdeck_sandbox::dataset::SAMPLE_USER_UUIDS[0])),
        here("identity events", "/identity-events?types=ani_blocked,risk_signal_raised&limit=50".into()),
        here("severity", "/severity?severity=high,critical&limit=50".into()),
        Link { name: "access log", base: team.0, path: "/admin/access".into(), session: Some(team.1) },
    ]
}

/// Every view a ticket links to: the IP search, timeline, identity events and severity views on
/// `rig`'s gateway, and the access log on a gateway for a team, with a first page of entries.
async fn ticket_links(rig: &Rig, dist: &Path) -> Result<Vec<Link>, String> {
    let (team, session) = super::gateway_for_a_team(rig, dist).await?;
    // Entries for the access log's first page: searches made by the signed-in admin.
    let http: Http = super::http();
    let search = format!("{team}/upstream/{}/api/v1/events/search", harness::SAMPLE_UPSTREAM_ID);
    let headers = [("content-type", "multipart/form-data; boundary=auditdeckbench"), ("cookie", session.as_str())];
    for n in 0..30 {
        send(&http, axum::http::Method::POST, &search, &headers, &search_form(n)).await?;
    }
    let token = session.trim_start_matches("auditdeck_session=").to_string();
    Ok(links(rig, (team, token)))
}

/// The WebAssembly functions a cold open of each view compiles before its first row.
pub async fn compiled_on_open(rig: &Rig, dist: &Path) -> TestResult {
    for link in ticket_links(rig, dist).await? {
        let compiled = compiled_before_first_row(rig, &link).await.map_err(|e| format!("{}: {e}", link.name))?;
        record(
            format!("open a link cold, {}: WebAssembly functions compiled before the first row", link.name),
            compiled as f64,
            "",
            None,
        );
    }
    Ok(())
}

/// Cold, warm and throttled opens of every view a ticket links to, Auditdeck beside the plain page.
pub async fn open_links(rig: &Rig, dist: &Path) -> TestResult {
    for link in ticket_links(rig, dist).await? {
        let first = open(rig, &link, None, Network::Local).await.map_err(|e| format!("{}: {e}", link.name))?;
        let requests = first.requests.clone();
        if requests.as_array().is_none_or(Vec::is_empty) {
            return Err(format!("{}: the app sent no request the plain page could repeat", link.name));
        }
        // The app's opens and the plain page's take turns, so that what else the machine does
        // meanwhile weighs on both alike: the ratio compares them.
        let (mut app, mut plain) = (vec![first], Vec::new());
        for n in 0..SAMPLES {
            plain.push(
                open(rig, &link, Some(&requests), Network::Local)
                    .await
                    .map_err(|e| format!("{}: plain page: {e}", link.name))?,
            );
            if n + 1 < SAMPLES {
                app.push(open(rig, &link, None, Network::Local).await.map_err(|e| format!("{}: {e}", link.name))?);
            }
        }
        let (mut app_slow, mut plain_slow) = (Vec::new(), Vec::new());
        // AUDITDECK_OPEN_UNTHROTTLED=1 leaves the throttled opens out: about half the time,
        // for comparing builds.
        let throttled = if std::env::var_os("AUDITDECK_OPEN_UNTHROTTLED").is_some() { 0 } else { THROTTLED_SAMPLES };
        for _ in 0..throttled {
            app_slow.push(open(rig, &link, None, Network::Throttled).await?.cold);
            plain_slow.push(open(rig, &link, Some(&requests), Network::Throttled).await?.cold);
        }
        let cold = |o: &[Opened]| median(o.iter().map(|o| o.cold).collect());
        let warm = |o: &[Opened]| median(o.iter().filter_map(|o| o.warm).collect());
        let name = link.name;
        let (app_cold, plain_cold) = (cold(&app), cold(&plain));
        record(format!("open a link cold, {name}: Auditdeck"), app_cold, "ms", None);
        record(format!("open a link cold, {name}: plain page"), plain_cold, "ms", None);
        record(
            format!("open a link cold, {name}: Auditdeck / plain"),
            app_cold / plain_cold.max(0.001),
            "×",
            Some(3.0),
        );
        record(format!("open a link warm, {name}: Auditdeck"), warm(&app), "ms", Some(200.0));
        record(format!("open a link warm, {name}: plain page"), warm(&plain), "ms", None);
        let (files, bytes) = app[0].fetched;
        record(format!("open a link, {name}: files and requests of the cold open"), files as f64, "", None);
        record(format!("open a link, {name}: bytes of the cold open (brotli)"), bytes / 1024.0, "KB", None);
        if throttled > 0 {
            record(format!("open a link throttled, {name}: Auditdeck"), median(app_slow), "ms", None);
            record(format!("open a link throttled, {name}: plain page"), median(plain_slow), "ms", None);
        }
    }
    Ok(())
}
