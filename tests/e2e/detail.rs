//! The event detail panel, permalinks and the ID.me Events API lookup, as a user meets them.

use std::net::IpAddr;

use auditdeck_sandbox::idme::{PAGE_SIZE, issued_id, wire_event};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};

use crate::harness::{
    Rig, TestResult, check, click, current_path, eventually, settled_rows, wait_for_path, wait_for_text,
};

const IDME: &str = ".source-idme";

/// The n-th record (0-based) of a search by `ip`, as the vendor sends it.
fn record(rig: &Rig, ip: IpAddr, n: usize) -> serde_json::Value {
    let index = rig.data.idme_events_for_ip(&ip)[n] as usize;
    serde_json::to_value(wire_event(&rig.data, &rig.data.idme_events[index])).unwrap_or_default()
}

/// The panel's (label, value) pairs.
async fn detail_fields(client: &Client) -> Result<Vec<(String, String)>, String> {
    crate::harness::page_value(
        client,
        "return [...document.querySelectorAll('.event-detail dt')].map(dt => [dt.textContent, dt.nextElementSibling.textContent]);",
    )
    .await
}

fn field<'a>(fields: &'a [(String, String)], label: &str) -> Option<&'a str> {
    fields.iter().find(|(l, _)| l == label).map(|(_, v)| v.as_str())
}

async fn focused_row_id(client: &Client) -> Option<String> {
    let value = client.execute("return document.activeElement.getAttribute('data-id');", vec![]).await.ok()?;
    value.as_str().map(String::from)
}

pub async fn row_opens_detail_and_permalink_reopens_it(rig: &Rig, client: &Client) -> TestResult {
    let (ip, _) = rig.data.busiest_ips(1)[0];
    let view = format!("/ip/{ip}?page=2");
    client.goto(&rig.url(&view)).await.map_err(|e| e.to_string())?;
    let ids = settled_rows(client, IDME, "page 2", |ids| ids.len() == PAGE_SIZE).await?;
    // The third row of page 2 is the sandbox's record 52 for this address; its key is the app's.
    let raw = record(rig, ip, PAGE_SIZE + 2);
    let key = ids[2].clone();

    // A click on a plain cell opens the panel; the URL names the event.
    click(client, &format!("{IDME} tr[data-id='{key}'] td.client")).await?;
    let permalink_path = format!("{view}&event={key}");
    wait_for_path(client, &permalink_path).await?;
    eventually("the panel with the event", || async {
        client.find(Locator::Css(&format!(".detail-panel .event-detail[data-id='{key}']"))).await.ok()
    })
    .await?;
    let fields = detail_fields(client).await?;
    check(field(&fields, "Event type") == raw["event"].as_str(), || format!("fields {fields:?}"))?;
    let tracked = raw["tracked_at"].as_str().unwrap_or_default();
    wait_for_text(client, ".detail-panel .raw-json", &format!("\"tracked_at\": \"{tracked}\"")).await?;
    // The audit log gives no id: the row's key is never shown or linked as ID.me's.
    check(field(&fields, "Id") == Some("none: the ID.me audit log gives no event id"), || {
        format!("fields {fields:?}")
    })?;
    check(field(&fields, "Row key").is_some_and(|v| v.starts_with(&key) && v.contains("made by Auditdeck")), || {
        format!("the row key is Auditdeck's: {fields:?}")
    })?;
    wait_for_text(client, ".detail-panel .no-vendor-id", "cannot be looked up in the ID.me Events API").await?;
    let lookups =
        client.find_all(Locator::Css(".detail-panel a[href^='/events/']")).await.map_err(|e| e.to_string())?;
    check(lookups.is_empty(), || "no Events API link for a record without an id".into())?;
    let permalink = client
        .find(Locator::Css("#permalink-text"))
        .await
        .map_err(|e| e.to_string())?
        .prop("value")
        .await
        .map_err(|e| e.to_string())?
        .unwrap_or_default();
    check(permalink == rig.url(&permalink_path), || format!("permalink {permalink}"))?;

    // Esc closes it and gives the focus back to the row.
    client
        .active_element()
        .await
        .map_err(|e| e.to_string())?
        .send_keys(&Key::Escape.to_string())
        .await
        .map_err(|e| e.to_string())?;
    wait_for_path(client, &view).await?;
    eventually("the panel to close", || async {
        client.find_all(Locator::Css(".detail-panel")).await.ok().filter(|p| p.is_empty())
    })
    .await?;
    check(focused_row_id(client).await.as_deref() == Some(key.as_str()), || "focus is back on the row".into())?;

    // Enter on a focused row opens that row.
    let other =
        client.find(Locator::Css(&format!("{IDME} tr[data-id='{}']", ids[5]))).await.map_err(|e| e.to_string())?;
    other.send_keys(&Key::Enter.to_string()).await.map_err(|e| e.to_string())?;
    wait_for_path(client, &format!("{view}&event={}", ids[5])).await?;

    // A pasted permalink reruns the view and opens the event.
    client.goto(&permalink).await.map_err(|e| e.to_string())?;
    eventually("the panel from the permalink", || async {
        client.find(Locator::Css(&format!(".detail-panel .event-detail[data-id='{key}']"))).await.ok()
    })
    .await?;
    settled_rows(client, IDME, "page 2 again", |now| now == ids.as_slice()).await?;

    // An id no longer in the results says so.
    client.goto(&rig.url(&format!("{view}&event=idme-gone"))).await.map_err(|e| e.to_string())?;
    settled_rows(client, IDME, "page 2 once more", |now| now == ids.as_slice()).await?;
    wait_for_text(client, ".detail-panel .not-in-results", "not in this view's results").await?;
    Ok(())
}

/// The Events API is for ids ID.me issued (a user brings them): the sandbox's id for a record
/// finds it; the key Auditdeck made for a row of the audit log does not.
pub async fn events_api_looks_an_event_up_by_id(rig: &Rig, client: &Client) -> TestResult {
    let (ip, _) = rig.data.busiest_ips(1)[0];
    let index = rig.data.idme_events_for_ip(&ip)[0] as usize;
    let wire = wire_event(&rig.data, &rig.data.idme_events[index]);
    let id = issued_id(index);
    client.goto(&rig.url(&format!("/events/{id}"))).await.map_err(|e| e.to_string())?;
    let fields = eventually("the looked-up event", || async {
        let fields = detail_fields(client).await.ok()?;
        (!fields.is_empty()).then_some(fields)
    })
    .await?;
    check(field(&fields, "Id") == Some(id.as_str()), || format!("the vendor's id: {fields:?}"))?;
    check(field(&fields, "Event type") == Some(wire.event), || format!("fields {fields:?}"))?;
    check(field(&fields, "IP address") == Some(wire.ipaddress.as_str()), || format!("fields {fields:?}"))?;
    check(field(&fields, "Row key").is_none(), || format!("an id ID.me gave needs no row key: {fields:?}"))?;

    // The same record's row key, as the IP view shows it: ID.me does not know it.
    client.goto(&rig.url(&format!("/ip/{ip}"))).await.map_err(|e| e.to_string())?;
    let rows = settled_rows(client, IDME, "the first page", |ids| ids.len() == PAGE_SIZE).await?;
    let derived = format!("/events/{}", rows[0]);
    client.goto(&rig.url(&derived)).await.map_err(|e| e.to_string())?;
    wait_for_text(client, ".event-lookup .error-headline", "404 not found (code 404)").await?;
    check(current_path(client).await? == derived, || "stays on the page".into())
}
