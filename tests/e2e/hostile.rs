//! Hostile strings in every free-text field of every vendor's events (the sandbox's
//! `hostile-strings` fault): they show as text, no script runs, no `javascript:` link appears,
//! and the layout holds (no page-wide overflow, rows of a sane height), in the tables, the
//! timeline and the detail panel.

use auditdeck_sandbox::dataset::SAMPLE_USER_UUIDS;
use auditdeck_sandbox::faults::{Fault, Vendor};
use fantoccini::{Client, Locator};

use crate::harness::{Rig, TestResult, check, eventually, table_row_count};

struct View {
    vendor: Vendor,
    url: String,
    scope: &'static str,
}

/// Tallest a table row may grow (a 10 KB word must wrap or be cut, not make a tower).
const MAX_ROW_PX: f64 = 160.0;

/// What the page shows of the attack, gathered in the page.
const PROBE: &str = r#"
const scope = arguments[0];
const rows = [...document.querySelectorAll(scope + ' table.events tbody tr[data-id]')]
    .filter(r => r.getAttribute('data-id'));
return {
    pwned: window.auditdeckPwned === undefined ? null : String(window.auditdeckPwned),
    injected: document.querySelectorAll(
        'table.events img, table.events svg, table.events script, table.events iframe, '
        + '.timeline img, .timeline svg, .timeline script, .timeline iframe, '
        + '.detail-panel img, .detail-panel svg, .detail-panel script, .detail-panel iframe').length,
    handlers: [...document.querySelectorAll('table.events *, .timeline *, .detail-panel *')]
        .filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
    javascript_links: [...document.querySelectorAll('a[href]')]
        .filter(a => a.getAttribute('href').trim().toLowerCase().startsWith('javascript:')).length,
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    tallest_row: Math.max(0, ...rows.map(r => r.getBoundingClientRect().height)),
    text_shown: document.body.innerText.includes("<script>window.auditdeckPwned"),
};
"#;

async fn probe(client: &Client, scope: &str) -> Result<serde_json::Value, String> {
    client.execute(PROBE, vec![scope.into()]).await.map_err(|e| e.to_string())
}

fn judge(found: &serde_json::Value, where_: &str) -> TestResult {
    check(found["pwned"].is_null(), || format!("{where_}: a hostile script ran: {}", found["pwned"]))?;
    check(found["injected"] == 0, || format!("{where_}: {} elements came from event text", found["injected"]))?;
    check(found["handlers"] == 0, || format!("{where_}: {} elements carry on* attributes", found["handlers"]))?;
    check(found["javascript_links"] == 0, || format!("{where_}: a javascript: link"))?;
    let overflow = found["overflow"].as_f64().unwrap_or(f64::MAX);
    check(overflow <= 0.0, || format!("{where_}: the page is {overflow} px wider than the window"))?;
    let tallest = found["tallest_row"].as_f64().unwrap_or(f64::MAX);
    check(tallest <= MAX_ROW_PX, || format!("{where_}: a row is {tallest} px tall"))
}

pub async fn hostile_strings_render_as_text_and_the_layout_holds(rig: &Rig, client: &Client) -> TestResult {
    let (ip, _) = rig.data.busiest_ips(1)[0];
    let views = [
        View { vendor: Vendor::Idme, url: format!("/ip/{ip}"), scope: ".source-idme" },
        View { vendor: Vendor::Iden, url: "/severity?limit=50".into(), scope: ".source-iden" },
        View { vendor: Vendor::Standfast, url: "/identity-events?limit=50".into(), scope: ".identity-events" },
    ];
    for view in &views {
        let context = |e: String| format!("{:?}: {e}", view.vendor);
        let _armed = rig.sandbox.faults.arm_while(view.vendor, Fault::HostileStrings, 1);
        client.goto(&rig.url(&view.url)).await.map_err(|e| e.to_string())?;
        // Every hostile record is a row: none is dropped as unreadable.
        eventually("50 hostile rows", || async {
            (table_row_count(client, view.scope).await.ok()? == 50).then_some(())
        })
        .await
        .map_err(context)?;
        let found = probe(client, view.scope).await?;
        check(found["text_shown"] == true, || format!("{:?}: the hostile text is not shown as text", view.vendor))?;
        judge(&found, "the table").map_err(context)?;

        // The detail panel shows every field, raw JSON included.
        client
            .execute(
                "document.querySelector(arguments[0] + ' tbody tr[data-id]:not([data-id=\"\"]) td:not(:has(a))').click();",
                vec![view.scope.into()],
            )
            .await
            .map_err(|e| e.to_string())?;
        eventually("the detail panel", || async {
            client.find(Locator::Css(".detail-panel .event-detail")).await.ok()
        })
        .await
        .map_err(context)?;
        let found = probe(client, view.scope).await?;
        judge(&found, "the detail panel").map_err(context)?;
    }
    Ok(())
}

/// The timeline's entries are written as HTML text (components/html_rows.rs's `Markup`), so
/// they get the same attack: every vendor's free text hostile.
pub async fn hostile_strings_in_the_timeline_render_as_text(rig: &Rig, client: &Client) -> TestResult {
    let _armed: Vec<_> = [Vendor::Idme, Vendor::Iden, Vendor::Standfast]
        .into_iter()
        .map(|vendor| rig.sandbox.faults.arm_while(vendor, Fault::HostileStrings, 10))
        .collect();
    client.goto(&rig.url(&format!("/users/{}", SAMPLE_USER_UUIDS[0]))).await.map_err(|e| e.to_string())?;
    eventually("the timeline's entries", || async {
        let entries = client.find_all(Locator::Css(".timeline .entry")).await.ok()?;
        (!entries.is_empty()).then_some(())
    })
    .await?;
    let found = probe(client, ".user-timeline").await?;
    check(found["text_shown"] == true, || "the hostile text is not shown as text in the timeline".to_string())?;
    judge(&found, "the timeline")
}
