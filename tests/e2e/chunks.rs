//! The wasm is split: the first load fetches the shell and home page only, the views of events
//! share one chunk fetched when the first of them opens, other routes fetch their own, and a
//! chunk that cannot be fetched is a message, not a dead page.

use fantoccini::{Client, Locator};

use crate::harness::{
    FAILED, REAL_FETCH, Rig, TestResult, check, click, devtools, eventually, intercept_fetches_of, later, page_value,
    wait_for_path, wait_for_text,
};

/// The file names (last path segment) of every .wasm the page has fetched so far.
async fn wasm_fetched(client: &Client) -> Result<Vec<String>, String> {
    page_value(
        client,
        "return performance.getEntriesByType('resource').map(e => e.name.split('?')[0].split('/').pop())\
         .filter(n => n.endsWith('.wasm'));",
    )
    .await
}

pub async fn home_loads_no_route_code_and_a_route_fetches_its_own(rig: &Rig, client: &Client) -> TestResult {
    client.goto(&rig.url("/")).await.map_err(|e| e.to_string())?;
    wait_for_text(client, "main h1", "Identity audit events").await?;
    let first = wasm_fetched(client).await?;
    check(first == ["auditdeck_bg.wasm"], || format!("the home page fetched {first:?}, not just the main module"))?;

    click(client, ".app-nav a[href='/severity']").await?;
    wait_for_path(client, "/severity").await?;
    wait_for_text(client, "main h1", "Events by severity").await?;
    let after = wasm_fetched(client).await?;
    check(after.iter().any(|n| n == "split_views.wasm"), || format!("opening /severity fetched {after:?}"))?;
    check(!after.iter().any(|n| n.starts_with("split_") && n != "split_views.wasm"), || {
        format!("opening /severity also fetched other routes' code: {after:?}")
    })?;

    // Another view of events needs no more code.
    click(client, ".app-nav a[href='/ip']").await?;
    wait_for_text(client, "main h1", "Search by IP address").await?;
    let again = wasm_fetched(client).await?;
    check(again == after, || {
        format!("opening /ip after /severity fetched {again:?}, not nothing more than {after:?}")
    })?;

    // While a route's code is on its way, the page says it is loading; then the view shows.
    client.execute(&intercept_fetches_of("split_settings", &later(1500)), vec![]).await.map_err(|e| e.to_string())?;
    click(client, ".app-nav a[href='/settings']").await?;
    eventually("the loading bar", || async { client.find(Locator::Css(".routing-progress")).await.ok() }).await?;
    let busy = client.find(Locator::Css("main")).await.map_err(|e| e.to_string())?.attr("aria-busy").await;
    check(busy.as_ref().is_ok_and(|b| b.as_deref() == Some("true")), || format!("main aria-busy {busy:?}"))?;
    wait_for_text(client, "main h1", "Settings").await?;
    eventually("the loading bar gone once the view is shown", || async {
        client.find_all(Locator::Css(".routing-progress")).await.ok().filter(|bars| bars.is_empty())
    })
    .await
    .map(|_| ())
}

/// A pasted link's code (the main module, the chunks' loader, its view's split module and that
/// view's shared chunks in one file) and `/config.json` are fetched as the page starts (the
/// modules and the configuration by boot.js, in the page itself, which compiles the modules and
/// reads the configuration), and the app takes those very responses and modules: each is fetched
/// once, no shared chunk on its own, no other view's code, and no script file before the code.
pub async fn a_link_fetches_its_code_and_config_once_each(rig: &Rig, client: &Client) -> TestResult {
    client.goto(&rig.url("/severity?severity=high,critical&limit=50")).await.map_err(|e| e.to_string())?;
    eventually("the rows", || async { client.find(Locator::Css("main table.events tbody tr[data-id]")).await.ok() })
        .await?;
    let fetched: Vec<(String, String)> = page_value(
        client,
        "return performance.getEntriesByType('resource').map(e => [new URL(e.name).pathname, e.initiatorType]);",
    )
    .await?;
    // Chromium names no initiator for a module preload ("other"); boot.js fetches the view's
    // modules ("fetch"); the others are link preloads.
    for (file, by) in [
        ("auditdeck.js", "other"),
        ("__wasm_split.js", "other"),
        ("auditdeck_bg.wasm", "link"),
        ("split_views.wasm", "fetch"),
        ("chunks_views.bin", "fetch"),
        ("config.json", "link"),
    ] {
        let times: Vec<&str> = fetched
            .iter()
            .filter(|(path, _)| path.rsplit('/').next() == Some(file))
            .map(|(_, by)| by.as_str())
            .collect();
        check(times == [by], || format!("{file} was fetched by {times:?}, not once by its preload: {fetched:?}"))?;
    }
    // The code from the directory named by its hash, which browsers keep; boot.js is in the page.
    let code: Vec<&String> =
        fetched.iter().map(|(path, _)| path).filter(|p| p.ends_with(".js") || p.contains(".wasm")).collect();
    check(code.iter().all(|p| p.starts_with("/pkg-")), || format!("code from outside the hashed directory: {code:?}"))?;
    check(!code.iter().any(|p| p.ends_with("/boot.js")), || format!("boot.js fetched as a file: {code:?}"))?;
    let alone: Vec<&String> = fetched.iter().map(|(path, _)| path).filter(|p| p.contains("/chunk_")).collect();
    check(alone.is_empty(), || format!("shared chunks fetched one by one: {alone:?}"))?;
    let others: Vec<&String> = fetched
        .iter()
        .map(|(path, _)| path)
        .filter(|p| {
            (p.contains("/split_") && !p.ends_with("/split_views.wasm"))
                || (p.contains("/chunks_") && !p.ends_with("/chunks_views.bin"))
        })
        .collect();
    check(others.is_empty(), || format!("a link to /severity also fetched {others:?}"))
}

pub async fn a_route_whose_code_cannot_load_says_so_and_retry_works(rig: &Rig, client: &Client) -> TestResult {
    client.goto(&rig.url("/")).await.map_err(|e| e.to_string())?;
    wait_for_text(client, "main h1", "Identity audit events").await?;
    client.execute(&intercept_fetches_of("split_views", FAILED), vec![]).await.map_err(|e| e.to_string())?;

    click(client, ".app-nav a[href='/severity']").await?;
    wait_for_path(client, "/severity").await?;
    let message = wait_for_text(client, "main [role=alert]", "could not be loaded").await?;
    check(message.contains("network"), || format!("the failure message does not say why: {message:?}"))?;

    // The shell still works, and once the network is back the same route loads.
    client.execute(REAL_FETCH, vec![]).await.map_err(|e| e.to_string())?;
    click(client, ".app-nav a[href='/']").await?;
    wait_for_text(client, "main h1", "Identity audit events").await?;
    click(client, ".app-nav a[href='/severity']").await?;
    wait_for_text(client, "main h1", "Events by severity").await?;
    Ok(())
}

/// A link whose code or configuration boot.js could not fetch as the page started (a dropped
/// connection) still opens: the glue fetches the main module again, the app reads `/config.json`
/// itself, and the chunks' loader fetches the view's module again when the route asks for it, and
/// the view's shared chunks one by one when their file failed.
pub async fn a_link_whose_early_fetches_fail_fetches_them_again(rig: &Rig, client: &Client) -> TestResult {
    let files = ["split_views.wasm", "chunks_views.bin", "auditdeck_bg.wasm", "config.json"];
    let first_fails = format!(
        "window.fetchesOf = {{}}; window.chunksAlone = []; const realFetch = window.fetch; \
        window.fetch = (input, init) => {{ \
          const url = String(input instanceof Request ? input.url : input); \
          if (url.includes('/chunk_')) window.chunksAlone.push(url.split('/').pop()); \
          const file = {files:?}.find(f => url.includes(f)); \
          if (file === undefined) return realFetch(input, init); \
          window.fetchesOf[file] = (window.fetchesOf[file] || 0) + 1; \
          return window.fetchesOf[file] === 1 ? Promise.reject(new TypeError('Failed to fetch')) : realFetch(input, init); }};"
    );
    devtools(client, "Page.addScriptToEvaluateOnNewDocument", serde_json::json!({ "source": first_fails })).await?;
    client.goto(&rig.url("/severity?severity=high,critical&limit=50")).await.map_err(|e| e.to_string())?;
    eventually("the rows", || async { client.find(Locator::Css("main table.events tbody tr[data-id]")).await.ok() })
        .await?;
    let fetches: std::collections::BTreeMap<String, u32> = page_value(client, "return window.fetchesOf;").await?;
    for (file, want) in [("split_views.wasm", 2), ("chunks_views.bin", 1), ("auditdeck_bg.wasm", 2), ("config.json", 2)]
    {
        let times = fetches.get(file).copied().unwrap_or(0);
        check(times == want, || {
            format!("{file} was asked for {times} times, not {want} (boot.js's failed, then the app's): {fetches:?}")
        })?;
    }
    let mut alone: Vec<String> = page_value(client, "return window.chunksAlone;").await?;
    let all = alone.len();
    alone.sort_unstable();
    alone.dedup();
    check(!alone.is_empty() && alone.len() == all, || {
        format!("the shared chunks were not each fetched once: {alone:?} of {all}")
    })
}
