//! Accessibility: axe-core (from the npm registry, injected into the page) on every route in
//! the light and the dark theme, with no link but the page's own marked as the current page, and
//! a keyboard-only walk from a search to an export.

use std::path::PathBuf;

use auditdeck_sandbox::dataset::SAMPLE_USER_UUIDS;
use fantoccini::key::Key;
use fantoccini::{Client, Locator};

use crate::harness::{Rig, TestResult, check, downloads_dir, eventually, settled_rows, wait_for_path};

/// axe-core's script: `AUDITDECK_AXE` (set by `cargo xtask test`), else any copy under target/.
pub fn axe_source() -> Result<String, String> {
    let path = match std::env::var_os("AUDITDECK_AXE") {
        Some(path) => PathBuf::from(path),
        None => {
            let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target");
            std::fs::read_dir(&target)
                .map_err(|e| e.to_string())?
                .filter_map(Result::ok)
                .map(|d| d.path().join("node_modules/axe-core/axe.min.js"))
                .find(|p| p.is_file())
                .ok_or("axe-core is not installed: run `cargo xtask test`, which installs it")?
        }
    };
    std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Runs axe on the page; returns its serious and critical violations, one line each.
const RUN_AXE: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, { resultTypes: ['violations'] })
    .then(r => done(r.violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => `${v.impact} ${v.id}: ${v.help} (${v.nodes.length} nodes, e.g. ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')})`)))
    .catch(e => done(['axe failed: ' + e]));
"#;

/// Links marked `aria-current="page"` that are not the page shown: WAI-ARIA's "page" is the link
/// that represents the current page (a section of the main navigation, or this very address),
/// not every link to another view of the same path (a sort, a page of results, a time zone).
const NOT_THE_CURRENT_PAGE: &str = r#"
const here = location.pathname + location.search;
return [...document.querySelectorAll('[aria-current="page"]')]
    .filter(a => !a.closest('nav.app-nav'))
    .filter(a => { const u = new URL(a.getAttribute('href') || '', location.href); return u.pathname + u.search !== here; })
    .map(a => `${a.tagName.toLowerCase()}.${a.className} ${a.getAttribute('href')} "${a.textContent.trim()}"`);
"#;

fn routes(rig: &Rig) -> Vec<String> {
    let (ip, _) = rig.data.busiest_ips(1)[0];
    vec![
        "/".into(),
        "/ip".into(),
        format!("/ip/{ip}"),
        "/users".into(),
        format!("/users/{}", SAMPLE_USER_UUIDS[0]),
        "/identity-events?limit=50".into(),
        "/severity?limit=50".into(),
        "/signals".into(),
        "/events/not-an-event".into(),
        "/settings".into(),
        "/verify".into(),
        "/no-such-page".into(),
    ]
}

/// Waits until nothing on the page is loading.
async fn settled(client: &Client) -> TestResult {
    eventually("the page to settle", || async {
        let main = client.find_all(Locator::Css("main")).await.ok()?;
        let busy =
            client.find_all(Locator::Css(".loading, [aria-busy='true'], .results.stale, .skeleton")).await.ok()?;
        (!main.is_empty() && busy.is_empty()).then_some(())
    })
    .await
}

/// axe-core's serious and critical violations on the page as it is now, one line each.
pub async fn violations(client: &Client, axe: &str) -> Result<Vec<String>, String> {
    client.execute(axe, vec![]).await.map_err(|e| format!("injecting axe-core: {e}"))?;
    let found = client.execute_async(RUN_AXE, vec![]).await.map_err(|e| e.to_string())?;
    serde_json::from_value(found).map_err(|e| e.to_string())
}

pub async fn axe_finds_no_serious_violation_on_any_route(rig: &Rig, client: &Client) -> TestResult {
    let axe = axe_source()?;
    let mut problems = Vec::new();
    for theme in ["light", "dark"] {
        client.goto(&rig.url("/")).await.map_err(|e| e.to_string())?;
        client
            .execute("localStorage.setItem('auditdeck.theme', arguments[0]);", vec![theme.into()])
            .await
            .map_err(|e| e.to_string())?;
        for route in routes(rig) {
            client.goto(&rig.url(&route)).await.map_err(|e| e.to_string())?;
            settled(client).await.map_err(|e| format!("{route}: {e}"))?;
            let shown = client
                .execute("return document.documentElement.getAttribute('data-theme');", vec![])
                .await
                .map_err(|e| e.to_string())?;
            check(shown == theme, || format!("{route}: the theme is {shown}, not {theme}"))?;
            let found = violations(client, &axe).await?;
            problems.extend(found.into_iter().map(|v| format!("{route} ({theme}): {v}")));
            let current = client.execute(NOT_THE_CURRENT_PAGE, vec![]).await.map_err(|e| e.to_string())?;
            let current: Vec<String> = serde_json::from_value(current).map_err(|e| e.to_string())?;
            problems
                .extend(current.into_iter().map(|link| format!("{route} ({theme}): aria-current=\"page\" on {link}")));
        }
    }
    check(problems.is_empty(), || format!("axe-core found:\n      {}", problems.join("\n      ")))
}

async fn press(client: &Client, key: impl Into<String>) -> TestResult {
    let active = client.active_element().await.map_err(|e| e.to_string())?;
    active.send_keys(&key.into()).await.map_err(|e| e.to_string())
}

/// (id, data-id, class) of the focused element.
async fn focused(client: &Client) -> Result<(String, String, String), String> {
    crate::harness::page_value(
        client,
        "const a = document.activeElement; return [a.id || '', a.getAttribute('data-id') || '', a.className || ''];",
    )
    .await
}

/// Presses `key` (Tab or Shift+Tab) until the focused element satisfies `wanted`, at most 150 times.
async fn tab_to(
    client: &Client,
    key: &str,
    what: &str,
    wanted: impl Fn(&(String, String, String)) -> bool,
) -> TestResult {
    for _ in 0..150 {
        if wanted(&focused(client).await?) {
            return Ok(());
        }
        press(client, key).await?;
    }
    Err(format!("Tab never reached {what}"))
}

pub async fn keyboard_only_search_results_detail_export(rig: &Rig, client: &Client) -> TestResult {
    let (ip, _) = rig.data.busiest_ips(1)[0];
    let tab = Key::Tab.to_string();
    let back_tab = format!("{}{}", Key::Shift, Key::Tab);
    client.goto(&rig.url("/ip")).await.map_err(|e| e.to_string())?;
    settled(client).await?;
    tab_to(client, &tab, "the IP field", |(id, _, _)| id == "ip-input").await?;
    press(client, format!("{ip}{}", Key::Enter)).await?;
    wait_for_path(client, &format!("/ip/{ip}")).await?;
    let ids = settled_rows(client, ".source-idme", "the results", |ids| ids.len() > 3).await?;

    // Into the results: the first row takes the focus; Enter opens its detail.
    tab_to(client, &tab, "a row", |(_, data_id, _)| !data_id.is_empty()).await?;
    let (_, row, _) = focused(client).await?;
    check(row == ids[0], || format!("Tab reached row {row}, not the first ({})", ids[0]))?;
    press(client, Key::Enter.to_string()).await?;
    wait_for_path(client, &format!("/ip/{ip}?event={row}")).await?;
    eventually("the detail panel", || async {
        client.find(Locator::Css(&format!(".detail-panel .event-detail[data-id='{row}']"))).await.ok()
    })
    .await?;
    press(client, Key::Escape.to_string()).await?;
    wait_for_path(client, &format!("/ip/{ip}")).await?;

    // Back up to the export buttons; Enter makes the file, then its link downloads it.
    tab_to(client, &back_tab, "the CSV export", |(_, _, class)| class.split(' ').any(|c| c == "export-csv")).await?;
    press(client, Key::Enter.to_string()).await?;
    tab_to(client, &tab, "the download link", |(_, _, class)| class.split(' ').any(|c| c == "export-file")).await?;
    let link = client.find(Locator::Css(".export-tools a.export-file")).await.map_err(|e| e.to_string())?;
    let name = link.attr("download").await.map_err(|e| e.to_string())?.ok_or("the link names no file")?;
    let _ = std::fs::remove_file(downloads_dir().join(&name));
    press(client, Key::Enter.to_string()).await?;
    let csv = crate::export::saved_download(&name).await?;
    check(csv.contains(&ids[0]), || "the exported file holds the first row".into())
}
