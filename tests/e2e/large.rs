//! Large result sets: load more to 5,000 rows, then sort and search within them.

use auditdeck::components::virtual_rows::ROW_PX;

use auditdeck_sandbox::dataset::format_uuid;
use auditdeck_sandbox::iden::data::{EVENT_TYPES, severity};
use fantoccini::{Client, Locator};

use crate::harness::{
    Rig, TestResult, check, click, column, eventually, page_value, row_ids, table_row_count, thousands, type_into,
    wait_for_path, wait_for_text,
};

const IDEN: &str = ".source-iden";
const ROWS: usize = 5_000;

pub async fn load_more_to_5000_then_sort_and_search(rig: &Rig, client: &Client) -> TestResult {
    let mut events: Vec<_> = rig.data.iden.iter().collect();
    events.sort_by_key(|e| std::cmp::Reverse((e.occurred_ms, e.seq)));
    events.truncate(ROWS);
    let view = "/severity?limit=200";
    client.goto(&rig.url(view)).await.map_err(|e| e.to_string())?;
    eventually("the first page", || async { (row_ids(client, IDEN).await.ok()?.len() == 200).then_some(()) }).await?;
    type_into(client, ".load-more-cap", &ROWS.to_string()).await?;
    click(client, "h1").await?; // the change event
    click(client, ".load-more-start").await?;
    wait_for_text(client, ".load-more-status", &format!("{} rows loaded: the cap.", thousands(ROWS as u64))).await?;
    wait_for_text(client, ".export-count", &format!("Export the {} loaded rows", thousands(ROWS as u64))).await?;
    // The severity chips count the appended rows too.
    wait_for_text(client, ".severity-chips .help", &format!("Counts of the {} loaded rows", thousands(ROWS as u64)))
        .await?;
    let critical = events.iter().filter(|e| severity(EVENT_TYPES[e.kind as usize]) == "critical").count();
    wait_for_text(
        client,
        ".severity-chips [data-severity='critical']",
        &format!("critical {}", thousands(critical as u64)),
    )
    .await?;
    // Only the rows in view are in the page, yet the table knows all of them.
    let rendered = row_ids(client, IDEN).await?;
    check(rendered.len() < 200, || format!("{} rows rendered of {ROWS}", rendered.len()))?;
    let want_first: Vec<String> = events.iter().take(5).map(|e| format_uuid(e.event_id)).collect();
    check(rendered.iter().filter(|id| !id.is_empty()).take(5).cloned().collect::<Vec<_>>() == want_first, || {
        "the newest rows come first".into()
    })?;
    let count = table_row_count(client, IDEN).await?;
    check(count == ROWS, || format!("the table holds {count} rows"))?;

    // Sort by event type: the URL says so, and the alphabetically first type leads.
    click(client, &format!("{IDEN} th[data-column='type'] a")).await?;
    wait_for_path(client, &format!("{view}&sort=type")).await?;
    let first_type = events.iter().map(|e| EVENT_TYPES[e.kind as usize]).min().ok_or("no events")?;
    eventually("rows sorted by type", || async {
        let types = column(client, IDEN, 1).await.ok()?;
        let sorted = types.windows(2).all(|w| w[0] <= w[1]);
        (types.first().map(String::as_str) == Some(first_type) && sorted).then_some(())
    })
    .await?;
    // Again: the other way.
    click(client, &format!("{IDEN} th[data-column='type'] a")).await?;
    wait_for_path(client, &format!("{view}&sort=-type")).await?;
    let last_type = events.iter().map(|e| EVENT_TYPES[e.kind as usize]).max().ok_or("no events")?;
    wait_for_text(client, &format!("{IDEN} tbody tr[data-id] td.event-type"), last_type).await?;

    // Search within the loaded rows.
    let needle = "session.login";
    let matching = events.iter().filter(|e| EVENT_TYPES[e.kind as usize].contains(needle)).count();
    type_into(client, "#row-text", &format!("{needle}\n")).await?;
    wait_for_path(client, &format!("{view}&q={needle}&sort=-type")).await?;
    wait_for_text(
        client,
        ".active-filters",
        &format!("Showing {} of {} loaded rows", thousands(matching as u64), thousands(ROWS as u64)),
    )
    .await?;
    let types = column(client, IDEN, 1).await?;
    check(types.iter().filter(|t| !t.is_empty()).all(|t| t.contains(needle)), || format!("{types:?}"))?;

    // The column chooser hides a column; the URL keeps the choice.
    click(client, ".column-chooser summary").await?;
    click(client, "#column-source").await?;
    wait_for_path(client, &format!("{view}&q={needle}&sort=-type&hide=source")).await?;
    eventually("the source column to go", || async {
        let headers = client.find_all(Locator::Css(&format!("{IDEN} th[data-column]"))).await.ok()?;
        let source = client.find_all(Locator::Css(&format!("{IDEN} th[data-column='source']"))).await.ok()?;
        (headers.len() == 8 && source.is_empty()).then_some(())
    })
    .await?;

    // Scrolling renders the rows further down.
    let before = row_ids(client, IDEN).await?;
    client
        .execute(
            "document.querySelector('.source-iden .table-wrap').scrollTop = arguments[0];",
            vec![SCROLLED_PX.into()],
        )
        .await
        .map_err(|e| e.to_string())?;
    eventually("other rows after scrolling", || async {
        let now = row_ids(client, IDEN).await.ok()?;
        (now.iter().find(|id| !id.is_empty()) != before.iter().find(|id| !id.is_empty())).then_some(())
    })
    .await?;
    // And the rows in view are the ones for that position, where the user looks: the row just
    // under the sticky header is the row that many row heights down (not a spacer, not a row
    // from before the scroll).
    let want = (SCROLLED_PX / ROW_PX).floor() as i64 + 2;
    let seen = std::cell::Cell::new((0.0, -1));
    eventually("the row for the scroll position under the header", || async {
        seen.set(page_value::<(f64, i64)>(client, ROW_UNDER_HEADER).await.ok()?);
        ((seen.get().1 - want).abs() <= 1).then_some(())
    })
    .await
    .map_err(|e| format!("{e}: scrollTop and aria-rowindex under the header {:?}, want about {want}", seen.get()))?;
    Ok(())
}

/// How far the 5,000-row table is scrolled.
const SCROLLED_PX: f64 = 20_000.0;

/// The Iden table's scroll position and the `aria-rowindex` of the row drawn just under its
/// header (-1 when that spot shows no row), after bringing the table into the window.
const ROW_UNDER_HEADER: &str = r#"
const wrap = document.querySelector('.source-iden .table-wrap');
wrap.scrollIntoView({ block: 'start' });
const box = wrap.getBoundingClientRect();
const header = wrap.querySelector('thead').getBoundingClientRect().height;
const spot = document.elementFromPoint(box.left + 40, box.top + header + 6);
const row = spot && spot.closest('tr[aria-rowindex]');
return [wrap.scrollTop, row ? Number(row.getAttribute('aria-rowindex')) : -1];
"#;

pub async fn idme_load_more_appends_numbered_pages(rig: &Rig, client: &Client) -> TestResult {
    let (ip, count) = rig.data.busiest_ips(1)[0];
    check(count > 500, || format!("the busiest IP has {count} events"))?;
    client.goto(&rig.url(&format!("/ip/{ip}"))).await.map_err(|e| e.to_string())?;
    eventually("the first page", || async { (row_ids(client, ".source-idme").await.ok()?.len() == 50).then_some(()) })
        .await?;
    type_into(client, ".source-idme .load-more-cap", "500").await?;
    click(client, "h1").await?;
    click(client, ".source-idme .load-more-start").await?;
    wait_for_text(client, ".source-idme .load-more-status", "500 rows loaded: the cap.").await?;
    let rows = table_row_count(client, ".source-idme").await?;
    check(rows == 500, || format!("the table holds {rows} rows"))?;
    wait_for_text(client, ".export-count", "Export the 500 loaded rows").await?;
    Ok(())
}
