//! The tools over loaded rows: the histogram narrows the time range, facets keep and drop values.

use auditdeck_sandbox::dataset::format_uuid;
use auditdeck_sandbox::iden::data::{EVENT_TYPES, severity};
use chrono::{DateTime, SecondsFormat, Utc};
use fantoccini::{Client, Locator};

use crate::harness::{Rig, TestResult, check, click, column, eventually, settled_rows, wait_for_path};

const IDEN: &str = ".source-iden";

/// The newest `n` critical Iden events occurring within [from, to] (ms), newest first.
fn critical_between(rig: &Rig, from: i64, to: i64, n: usize) -> Vec<String> {
    let mut events: Vec<_> = rig
        .data
        .iden
        .iter()
        .filter(|e| {
            severity(EVENT_TYPES[e.kind as usize]) == "critical" && e.occurred_ms >= from && e.occurred_ms <= to
        })
        .collect();
    events.sort_by_key(|e| std::cmp::Reverse((e.occurred_ms, e.seq)));
    events.into_iter().take(n).map(|e| format_uuid(e.event_id)).collect()
}

fn instant(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text).map(|t| t.to_utc()).map_err(|e| format!("{text}: {e}"))
}

async fn attr(client: &Client, css: &str, name: &str) -> Result<String, String> {
    let element = eventually(css, || async { client.find(Locator::Css(css)).await.ok() }).await?;
    element.attr(name).await.map_err(|e| e.to_string())?.ok_or_else(|| format!("{css} has no {name}"))
}

pub async fn histogram_bar_narrows_the_time_range(rig: &Rig, client: &Client) -> TestResult {
    client.goto(&rig.url("/severity?severity=critical&limit=200")).await.map_err(|e| e.to_string())?;
    let first = settled_rows(client, IDEN, "critical rows", |ids| ids.len() == 200).await?;
    // The busiest bar: its bounds come from the page, the expected rows from the data set.
    // The bars come when the browser is idle after the rows.
    let bars = eventually("the chart's bars", || async {
        let bars = client.find_all(Locator::Css(".histogram .bucket")).await.ok()?;
        (!bars.is_empty()).then_some(bars)
    })
    .await?;
    let mut busiest = (0, String::new(), String::new());
    for bar in bars {
        let count: usize = bar.attr("data-count").await.ok().flatten().and_then(|c| c.parse().ok()).unwrap_or(0);
        if count > busiest.0 {
            let from = bar.attr("data-from").await.ok().flatten().unwrap_or_default();
            let to = bar.attr("data-to").await.ok().flatten().unwrap_or_default();
            busiest = (count, from, to);
        }
    }
    let (count, from, to) = busiest;
    check(count > 0, || "a bar has events".into())?;
    let last = (instant(&to)? - chrono::Duration::milliseconds(1)).to_rfc3339_opts(SecondsFormat::AutoSi, true);
    click(client, &format!(".histogram .bucket[data-from='{from}'] rect.hit")).await?;
    wait_for_path(client, &format!("/severity?severity=critical&from={from}&to={last}&limit=200")).await?;
    let want = critical_between(rig, instant(&from)?.timestamp_millis(), instant(&last)?.timestamp_millis(), 200);
    check(want.len() >= count, || format!("{} events in the range, the bar counted {count}", want.len()))?;
    settled_rows(client, IDEN, "the rows of that range", |ids| ids == want && ids != first).await?;
    Ok(())
}

pub async fn facets_keep_and_drop_values(rig: &Rig, client: &Client) -> TestResult {
    let view = "/severity?severity=critical,high&limit=200";
    client.goto(&rig.url(view)).await.map_err(|e| e.to_string())?;
    let all = settled_rows(client, IDEN, "critical rows", |ids| ids.len() == 200).await?;
    let types = column(client, IDEN, 1).await?;
    click(client, ".facets summary").await?;
    // The busiest type is listed first, with its count.
    let top = attr(client, ".facet[data-facet='type'] .facet-value", "data-value").await?;
    let top_count = types.iter().filter(|t| **t == top).count();
    let listed = attr(client, ".facet[data-facet='type'] .facet-value .facet-count", "class").await;
    check(listed.is_ok(), || "counts are shown".into())?;

    click(client, &format!(".facet[data-facet='type'] .facet-value[data-value='{top}'] a.keep")).await?;
    wait_for_path(client, &format!("{view}&only=type:{top}")).await?;
    let kept = settled_rows(client, IDEN, "only that type", |ids| ids.len() == top_count).await?;
    check(column(client, IDEN, 1).await?.iter().all(|t| *t == top), || "every row has the kept type".into())?;
    check(kept.iter().all(|id| all.contains(id)), || "kept rows are loaded rows".into())?;

    // Alt-click on a value drops it instead.
    client.goto(&rig.url(view)).await.map_err(|e| e.to_string())?;
    settled_rows(client, IDEN, "critical rows again", |ids| ids == all).await?;
    click(client, ".facets summary").await?;
    let script = "document.querySelector(arguments[0]).dispatchEvent(new MouseEvent('click', {altKey: true, bubbles: true, cancelable: true}));";
    let keep_link = format!(".facet[data-facet='type'] .facet-value[data-value='{top}'] a.keep");
    // The facets count the rows a frame after the table shows them.
    eventually("the value's keep link", || async { client.find(Locator::Css(&keep_link)).await.ok() }).await?;
    client.execute(script, vec![keep_link.into()]).await.map_err(|e| e.to_string())?;
    wait_for_path(client, &format!("{view}&not=type:{top}")).await?;
    settled_rows(client, IDEN, "all but that type", |ids| ids.len() == all.len() - top_count).await?;
    check(column(client, IDEN, 1).await?.iter().all(|t| *t != top), || "no row has the dropped type".into())?;
    // Local time keeps the rows and the facet filter, and the link that clears it keeps local time.
    click(client, ".zone-switch a:nth-of-type(2)").await?;
    wait_for_path(client, &format!("/severity?severity=critical,high&limit=200&tz=local&not=type:{top}")).await?;
    let clear = "/severity?severity=critical,high&limit=200&tz=local";
    eventually(&format!("Clear to lead to {clear}"), || async {
        let link = client.find(Locator::Css(".active-filters a.clear-filters")).await.ok()?;
        (link.attr("href").await.ok().flatten().as_deref() == Some(clear)).then_some(())
    })
    .await?;
    // So do the facets' keep and hide links (the facets are open).
    let stale = "return [...document.querySelectorAll('.facets a')].map(a => a.getAttribute('href')).filter(h => !h.includes('tz=local')).length;";
    eventually("every facet link to keep local time", || async {
        let left = client.execute(stale, vec![]).await.ok()?;
        (left.as_u64() == Some(0) && client.find(Locator::Css(".facets a.keep")).await.is_ok()).then_some(())
    })
    .await?;
    client.back().await.map_err(|e| e.to_string())?;
    wait_for_path(client, &format!("{view}&not=type:{top}")).await?;
    settled_rows(client, IDEN, "all but that type again", |ids| ids.len() == all.len() - top_count).await?;
    // The chip removes the filter.
    click(client, ".active-filters a.filter-chip").await?;
    wait_for_path(client, view).await?;
    settled_rows(client, IDEN, "every row back", |ids| ids == all).await?;
    Ok(())
}
