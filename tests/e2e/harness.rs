//! The end-to-end rig: the gateway in-process on a free port (built-in sandbox plus an upstream
//! that serves the document's sample response), ChromeDriver, and one fresh headless Chromium
//! per scenario.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use auditdeck_server::{Dataset, GatewayConfig, GatewayOptions, Sandbox};
use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::post;
use fantoccini::{Client, ClientBuilder, Locator};

pub type TestResult = Result<(), String>;
pub type Scenario = for<'a> fn(&'a Rig, &'a Client) -> Pin<Box<dyn Future<Output = TestResult> + 'a>>;

/// The upstream the gateway proxies `doc-sample` to, and the credential it adds for it.
pub const SAMPLE_UPSTREAM_ID: &str = "doc-sample";
const SAMPLE_SECRET_ENV: &str = "AUDITDECK_E2E_SAMPLE_SECRET";
pub const SAMPLE_SECRET: &str = "sample-upstream-secret";

/// What the slow upstream saw: searches started, and searches dropped before they answered.
#[derive(Default)]
pub struct SlowUpstream {
    pub started: AtomicUsize,
    pub dropped_early: AtomicUsize,
}

/// Counts a request as dropped unless it ran to its answer.
struct DropWatch {
    upstream: Arc<SlowUpstream>,
    finished: bool,
}

impl Drop for DropWatch {
    fn drop(&mut self) {
        if !self.finished {
            self.upstream.dropped_early.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// The upstream that answers a search only after this long.
pub const SLOW_UPSTREAM_DELAY: Duration = Duration::from_secs(8);
pub const SLOW_UPSTREAM_ID: &str = "slow-sample";

/// The time zone the browser runs in: +05:30 all year, an offset no sandbox record is sent with.
pub const BROWSER_TZ: &str = "Asia/Kolkata";

pub struct Rig {
    pub base: String,
    /// The upstream the `doc-sample` connection proxies to (the benchmark also calls it directly).
    #[allow(dead_code)] // read by benches/browser.rs, which shares this file
    pub upstream: SocketAddr,
    pub slow: Arc<SlowUpstream>,
    pub data: Arc<Dataset>,
    pub sandbox: Sandbox,
    webdriver: String,
    _chromedriver: ChildGuard,
    screenshots: PathBuf,
}

struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// Serves `idme_search_by_ip_1.json` for any search, but only with the gateway's credential:
/// proves the gateway added it and the browser did not need it.
async fn start_sample_upstream(manifest_dir: &Path, slow: Arc<SlowUpstream>) -> Result<SocketAddr, String> {
    let body = std::fs::read_to_string(manifest_dir.join("tests/fixtures/idme_search_by_ip_1.json"))
        .map_err(|e| format!("fixture: {e}"))?;
    let expected = format!("ID.me {}", base64_of(SAMPLE_SECRET));
    let slow_body = body.clone();
    let app = Router::new()
        .route(
            "/slow/api/v1/events/search",
            post(move || {
                let slow = slow.clone();
                let body = slow_body.clone();
                async move {
                    slow.started.fetch_add(1, Ordering::SeqCst);
                    let mut watch = DropWatch { upstream: slow, finished: false };
                    tokio::time::sleep(SLOW_UPSTREAM_DELAY).await;
                    watch.finished = true;
                    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], body)
                }
            }),
        )
        .route(
            "/api/v1/events/search",
            post(move |headers: HeaderMap| {
                let body = body.clone();
                let expected = expected.clone();
                async move {
                    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
                    if auth == expected {
                        (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], body)
                    } else {
                        (
                            StatusCode::FORBIDDEN,
                            [(header::CONTENT_TYPE, "application/json")],
                            r#"{"code":"122","message":"Header Auth token is not associated with any account"}"#
                                .to_string(),
                        )
                    }
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(addr)
}

pub fn base64_of(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

impl Rig {
    pub async fn start() -> Result<Rig, String> {
        Self::start_serving(Self::built_dist()?).await
    }

    /// The app's release build: `AUDITDECK_DIST`, else `dist/` beside the manifest.
    pub fn built_dist() -> Result<PathBuf, String> {
        let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let dist = std::env::var_os("AUDITDECK_DIST").map(PathBuf::from).unwrap_or_else(|| manifest_dir.join("dist"));
        if !dist.join("index.html").is_file() {
            return Err(format!(
                "{} has no release build: run `cargo xtask test`, which builds it before these tests",
                dist.display()
            ));
        }
        Ok(dist)
    }

    /// A rig whose gateway serves `dist` (the benchmark's copy holds a page of its own too).
    pub async fn start_serving(dist: PathBuf) -> Result<Rig, String> {
        let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let slow = Arc::new(SlowUpstream::default());
        let upstream = start_sample_upstream(&manifest_dir, slow.clone()).await?;
        // Bound first: the sandbox transmitter pushes signals to this gateway's own address.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let signals = signals_database("rig");
        // The Iden sandbox's own rate limit is off: all scenarios share this gateway, and one
        // minute of them could spend it. The 429 handling is tested with a forced throttle.
        let config: GatewayConfig = toml::from_str(&format!(
            r#"
sandbox_iden_rate_limit = 0
sandbox_faults = true
# The hanging-response fault waits for this.
app_response_timeout_secs = 6
# Live tail checks often, so its scenarios wait seconds, not half a minute.
app_live_tail_secs = 2
# A request the documents do not describe fails the scenario that made it; the scenarios read
# what the app sent from the sandbox's request log.
sandbox_profile = {{ strict = true }}
sandbox_request_log = true

[signals]
database = "{signals}"
# The benchmark pushes thousands of SETs a minute.
rate_limit_per_minute = 1000000

[signals.sandbox]
origin = "http://{addr}"

[[upstream]]
id = "{SAMPLE_UPSTREAM_ID}"
provider = "idme"
label = "Document sample"
base_url = "http://{upstream}"
credential = {{ secret_env = "{SAMPLE_SECRET_ENV}", scheme = "ID.me" }}

[[upstream]]
id = "{SLOW_UPSTREAM_ID}"
provider = "idme"
label = "Slow upstream"
base_url = "http://{upstream}/slow"
"#,
            signals = signals.display(),
        ))
        .map_err(|e| e.to_string())?;
        let data = Arc::new(Dataset::generate());
        let gateway = auditdeck_server::build(
            GatewayOptions { dist, config, bind: [127, 0, 0, 1].into() },
            data.clone(),
            |name| (name == SAMPLE_SECRET_ENV).then(|| SAMPLE_SECRET.to_string()),
        )?;
        let (router, limits) = (gateway.router, gateway.client_limits);
        tokio::spawn(auditdeck_server::serve::serve(listener, router, limits, std::future::pending()));

        let port = free_port()?;
        // The browser's zone is not UTC, so "Local" times are told apart from UTC ones.
        let chromedriver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .env("TZ", BROWSER_TZ)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start chromedriver (install chromium-driver): {e}"))?;
        let guard = ChildGuard(chromedriver);
        let deadline = Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            if Instant::now() > deadline {
                return Err("chromedriver did not start listening within 20 s".into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let screenshots = manifest_dir.join("target/e2e-screenshots");
        Ok(Rig {
            base: format!("http://{addr}"),
            upstream,
            slow,
            data,
            sandbox: gateway.sandbox,
            webdriver: format!("http://127.0.0.1:{port}"),
            _chromedriver: guard,
            screenshots,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A browser of its own (a scenario that needs two people at once opens the second).
    pub async fn browser(&self, profile: &Path) -> Result<Client, String> {
        self.traced_browser(profile, None).await
    }

    /// A browser whose trace events of `trace_categories` (Chromium's, comma-separated) are
    /// collected from its start, read with [`webdriver_log`]`(…, "performance")`.
    pub async fn traced_browser(&self, profile: &Path, trace_categories: Option<&str>) -> Result<Client, String> {
        let mut args = vec![
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=1280,900",
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
        args.push(format!("--user-data-dir={}", profile.display()));
        let downloads = downloads_dir();
        let _ = std::fs::create_dir_all(&downloads);
        let mut options = serde_json::json!({
            "args": args,
            "prefs": {
                "download.default_directory": downloads.to_string_lossy(),
                "download.prompt_for_download": false,
                "download.directory_upgrade": true,
            },
        });
        if Path::new("/usr/bin/chromium").is_file() {
            options["binary"] = "/usr/bin/chromium".into();
        }
        let mut logs = serde_json::json!({ "browser": "ALL" });
        if let Some(categories) = trace_categories {
            options["perfLoggingPrefs"] =
                serde_json::json!({ "enableNetwork": false, "enablePage": false, "traceCategories": categories });
            logs["performance"] = "ALL".into();
        }
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), options);
        // The console, for tests that prove what it never prints.
        caps.insert("goog:loggingPrefs".into(), logs);
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&self.webdriver)
            .await
            .map_err(|e| format!("cannot start Chromium through chromedriver: {e}"))
    }

    /// Runs one scenario in a fresh browser; saves a screenshot when it fails.
    pub async fn run(&self, name: &str, scenario: Scenario) -> TestResult {
        let profile = temporary(&format!("profile-{name}"));
        let _ = std::fs::remove_dir_all(&profile);
        let client = self.browser(&profile).await?;
        let result = scenario(self, &client).await;
        // Any panic fails the scenario, whatever it asserted: the app's hook shows it on the
        // page and logs it to the console (which also covers pages navigated away from).
        let result = result.and(no_panic(self, &client).await);
        if result.is_err()
            && let Ok(png) = client.screenshot().await
        {
            let _ = std::fs::create_dir_all(&self.screenshots);
            let path = self.screenshots.join(format!("{name}.png"));
            if std::fs::write(&path, png).is_ok() {
                eprintln!("    screenshot: {}", path.display());
            }
        }
        let _ = client.close().await;
        let _ = std::fs::remove_dir_all(&profile);
        result
    }
}

/// Fails when the app panicked: its report on the page, or a panic in the console log.
pub async fn no_panic(rig: &Rig, client: &Client) -> TestResult {
    if let Some(report) = text_of(client, "#panic-report").await {
        return Err(format!("the app panicked: {report}"));
    }
    let console = console_messages(rig, client).await?;
    match console.iter().find(|m| m.contains("panicked at")) {
        Some(panic) => Err(format!("the app panicked: {panic}")),
        None => Ok(()),
    }
}

/// This run's directory for temporary files: browser profiles, downloads and databases.
fn temporary_directory() -> PathBuf {
    std::env::temp_dir().join(format!("auditdeck-e2e-{}", std::process::id()))
}

/// This run's temporary file or directory `name`, in the directory `remove_temporary_files`
/// deletes when the run ends.
pub fn temporary(name: &str) -> PathBuf {
    let directory = temporary_directory();
    let _ = std::fs::create_dir_all(&directory);
    directory.join(name)
}

/// Deletes this run's temporary files, once every browser and gateway of the run is done with them.
pub fn remove_temporary_files() {
    let _ = std::fs::remove_dir_all(temporary_directory());
}

/// Where the browser saves downloads (scenarios run one at a time, so they share it).
pub fn downloads_dir() -> PathBuf {
    temporary("downloads")
}

/// A new signals database for this run (`name` tells the gateways of one run apart).
pub fn signals_database(name: &str) -> PathBuf {
    let path = temporary(&format!("{name}-signals.sqlite3"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

/// Polls `probe` until it returns Some, for up to 15 seconds.
pub async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(value) = probe().await {
            return Ok(value);
        }
        if Instant::now() > deadline {
            return Err(format!("timed out waiting for {what}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Clicks the element matching `css`, once it is there.
pub async fn click(client: &Client, css: &str) -> TestResult {
    let element = eventually(css, || async { client.find(Locator::Css(css)).await.ok() }).await?;
    element.click().await.map_err(|e| e.to_string())
}

/// Unfolds a view's filter form (a view opened from a link shows its filters folded to one
/// line); nothing to do when the form already shows.
pub async fn open_filters(client: &Client) -> TestResult {
    eventually("the filter form or its summary", || async {
        client.find(Locator::Css("form.filter-form, .filter-summary .edit-filters")).await.ok()
    })
    .await?;
    if let Ok(edit) = client.find(Locator::Css(".filter-summary .edit-filters")).await {
        edit.click().await.map_err(|e| e.to_string())?;
    }
    eventually("the filter form", || async { client.find(Locator::Css("form.filter-form")).await.ok() })
        .await
        .map(|_| ())
}

/// Replaces the text of the input matching `css`, once it is there.
pub async fn type_into(client: &Client, css: &str, text: &str) -> TestResult {
    let element = eventually(css, || async { client.find(Locator::Css(css)).await.ok() }).await?;
    element.clear().await.map_err(|e| e.to_string())?;
    element.send_keys(text).await.map_err(|e| e.to_string())
}

/// Searches an IP from within the app (no page load, so in-memory settings stay).
pub async fn search_in_app(client: &Client, ip: &str) -> TestResult {
    click(client, ".app-nav a[href='/ip']").await?;
    type_into(client, "#ip-input", &format!("{ip}\n")).await
}

/// The text of the first element matching `css`, if any.
pub async fn text_of(client: &Client, css: &str) -> Option<String> {
    client.find(Locator::Css(css)).await.ok()?.text().await.ok()
}

/// Waits until an element matching `css` has text containing `needle`; returns the text.
pub async fn wait_for_text(client: &Client, css: &str, needle: &str) -> Result<String, String> {
    let last = std::cell::RefCell::new(None);
    eventually(&format!("{css} to contain {needle:?}"), || async {
        let text = text_of(client, css).await;
        last.replace(text.clone());
        text.filter(|t| t.contains(needle))
    })
    .await
    .map_err(|e| format!("{e}; last text: {:?}", last.borrow()))
}

/// The text of every cell in the events table, row by row.
pub async fn table_rows(client: &Client) -> Result<Vec<Vec<String>>, String> {
    let rows = client.find_all(Locator::Css("table.events tbody tr")).await.map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for row in rows {
        let mut cells = Vec::new();
        for cell in row.find_all(Locator::Css("td")).await.map_err(|e| e.to_string())? {
            cells.push(cell.text().await.map_err(|e| e.to_string())?);
        }
        out.push(cells);
    }
    Ok(out)
}

pub async fn current_path(client: &Client) -> Result<String, String> {
    let url = client.current_url().await.map_err(|e| e.to_string())?;
    Ok(match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    })
}

pub fn check(condition: bool, message: impl FnOnce() -> String) -> TestResult {
    if condition { Ok(()) } else { Err(message()) }
}

/// The `data-id` of every row of the first events table under `scope` (e.g. ".source-iden").
pub async fn row_ids(client: &Client, scope: &str) -> Result<Vec<String>, String> {
    let rows =
        client.find_all(Locator::Css(&format!("{scope} table.events tbody tr"))).await.map_err(|e| e.to_string())?;
    let mut ids = Vec::new();
    for row in rows {
        ids.push(row.attr("data-id").await.map_err(|e| e.to_string())?.unwrap_or_default());
    }
    Ok(ids)
}

/// The text of one column (0-based) of every row of the first events table under `scope`.
pub async fn column(client: &Client, scope: &str, index: usize) -> Result<Vec<String>, String> {
    let cells = client
        .find_all(Locator::Css(&format!("{scope} table.events tbody tr td:nth-child({})", index + 1)))
        .await
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for cell in cells {
        out.push(cell.text().await.map_err(|e| e.to_string())?);
    }
    Ok(out)
}

/// Waits until the table under `scope` has settled (not busy, not stale) with rows that
/// satisfy `accept`; returns their ids.
pub async fn settled_rows(
    client: &Client,
    scope: &str,
    what: &str,
    accept: impl Fn(&[String]) -> bool,
) -> Result<Vec<String>, String> {
    let last = std::cell::RefCell::new(Vec::new());
    // Read in one script: read call by call, the busy flag could be of one page and the rows of
    // the next, whose first frame draws only a screenful.
    const SETTLED_IDS: &str = "const scope = arguments[0]; \
        if (document.querySelector(`${scope} table.events[aria-busy='true'], ${scope} .results.stale`)) return null; \
        return Array.from(document.querySelectorAll(`${scope} table.events tbody tr`), r => r.getAttribute('data-id') || '');";
    eventually(what, || async {
        let value = client.execute(SETTLED_IDS, vec![serde_json::json!(scope)]).await.ok()?;
        let ids: Vec<String> = serde_json::from_value::<Option<Vec<String>>>(value).ok()??;
        last.replace(ids.clone());
        (!ids.is_empty() && accept(&ids)).then_some(ids)
    })
    .await
    .map_err(|e| format!("{e}; last rows: {:?}", last.borrow().iter().take(5).collect::<Vec<_>>()))
}

/// Waits until the location is `path` (with its query).
pub async fn wait_for_path(client: &Client, path: &str) -> TestResult {
    let last = std::cell::RefCell::new(String::new());
    eventually(&format!("the URL {path}"), || async {
        let now = current_path(client).await.ok()?;
        last.replace(now.clone());
        (now == path).then_some(())
    })
    .await
    .map_err(|e| format!("{e}; last: {}", last.borrow()))
}

/// The browser console's messages since the last call.
pub async fn console_messages(rig: &Rig, client: &Client) -> Result<Vec<String>, String> {
    webdriver_log(rig, client, "browser").await
}

/// The messages of one of ChromeDriver's logs (`browser`: the console; `performance`: trace
/// events, as JSON) since the last call.
pub async fn webdriver_log(rig: &Rig, client: &Client, kind: &str) -> Result<Vec<String>, String> {
    use http_body_util::BodyExt;
    let session = client.session_id().await.map_err(|e| e.to_string())?.ok_or("no WebDriver session")?;
    let body = serde_json::json!({ "type": kind }).to_string();
    let request = axum::http::Request::post(format!("{}/session/{session}/se/log", rig.webdriver))
        .header(header::CONTENT_TYPE, "application/json")
        .body(http_body_util::Full::new(axum::body::Bytes::from(body)))
        .map_err(|e| e.to_string())?;
    let http = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
    let response = http.request(request).await.map_err(|e| e.to_string())?;
    let body = response.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
    let json: serde_json::Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
    let entries = json["value"].as_array().ok_or_else(|| format!("no log entries in {json}"))?;
    Ok(entries.iter().map(|e| e["message"].as_str().unwrap_or_default().to_string()).collect())
}

/// The number of rows the events table under `scope` says it holds (`aria-rowcount` less the
/// header row), rendered or not.
pub async fn table_row_count(client: &Client, scope: &str) -> Result<usize, String> {
    let table = client.find(Locator::Css(&format!("{scope} table.events"))).await.map_err(|e| e.to_string())?;
    let count =
        table.attr("aria-rowcount").await.map_err(|e| e.to_string())?.ok_or("the table has no aria-rowcount")?;
    count.parse::<usize>().map(|n| n.saturating_sub(1)).map_err(|e| format!("aria-rowcount {count:?}: {e}"))
}

/// Runs `script` in the page and reads what it returns.
pub async fn page_value<T: serde::de::DeserializeOwned>(client: &Client, script: &str) -> Result<T, String> {
    let value = client.execute(script, vec![]).await.map_err(|e| e.to_string())?;
    serde_json::from_value(value).map_err(|e| e.to_string())
}

/// The requests the sandbox received since `mark` (a value of `rig.sandbox.wire.received()`),
/// read once the app is idle: its route is mounted and not loading, and no table, timeline or
/// load status says it is busy.
pub async fn requests_once_idle(
    rig: &Rig,
    client: &Client,
    mark: u64,
) -> Result<Vec<auditdeck_sandbox::WireRequest>, String> {
    const IDLE: &str = "return document.querySelector(\"main#main[aria-busy='false'] > *\") !== null \
        && document.querySelectorAll(\"[aria-busy='true'], p.loading, p.waiting\").length === 0";
    eventually("the app to be idle", || async { page_value::<bool>(client, IDLE).await.ok()?.then_some(()) }).await?;
    Ok(rig.sandbox.wire.since(mark))
}

/// The requests since `mark` whose path starts with `prefix`, once there is one and the app is
/// idle.
pub async fn vendor_requests(
    rig: &Rig,
    client: &Client,
    mark: u64,
    prefix: &str,
) -> Result<Vec<auditdeck_sandbox::WireRequest>, String> {
    let to_vendor = |requests: Vec<auditdeck_sandbox::WireRequest>| -> Vec<_> {
        requests.into_iter().filter(|r| r.path.starts_with(prefix)).collect()
    };
    eventually(&format!("a request to {prefix}"), || async {
        (!to_vendor(rig.sandbox.wire.since(mark)).is_empty()).then_some(())
    })
    .await?;
    Ok(to_vendor(requests_once_idle(rig, client, mark).await?))
}

/// A count as the app writes it, with "," between thousands (written out here, not taken from
/// the app's formatter).
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Replaces the page's fetches of URLs containing `file` by `answer`, a JS expression over
/// `input`, `init` and `realFetch` (undone by [`REAL_FETCH`]).
pub fn intercept_fetches_of(file: &str, answer: &str) -> String {
    format!(
        "if (!window.realFetch) window.realFetch = window.fetch;\
         const realFetch = window.realFetch;\
         window.fetch = (input, init) => String(input instanceof Request ? input.url : input).includes('{file}')\
           ? {answer} : realFetch(input, init);"
    )
}
pub const REAL_FETCH: &str = "if (window.realFetch) window.fetch = window.realFetch;";

/// A fetch answered `ms` later than it would be.
pub fn later(ms: u32) -> String {
    format!("new Promise(r => setTimeout(r, {ms})).then(() => realFetch(input, init))")
}

/// A fetch that fails as a dropped network would.
pub const FAILED: &str = "Promise.reject(new TypeError('Failed to fetch'))";

/// A chromedriver command that runs one Chrome DevTools Protocol method in the page's session.
#[derive(Debug)]
struct DevTools {
    method: &'static str,
    params: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for DevTools {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        let body = serde_json::json!({ "cmd": self.method, "params": self.params });
        (axum::http::Method::POST, Some(body.to_string()))
    }
}

/// Runs one DevTools Protocol method in the page's session and returns its result.
pub async fn devtools(
    client: &Client,
    method: &'static str,
    params: serde_json::Value,
) -> Result<serde_json::Value, String> {
    client.issue_cmd(DevTools { method, params }).await.map_err(|e| format!("{method}: {e}"))
}
