//! The user timeline as a user meets it: three sources merged, days and sessions, table toggle,
//! source switches in the URL.

use auditdeck_sandbox::dataset::format_uuid;
use fantoccini::{Client, Locator};

use crate::harness::{
    Rig, TestResult, check, click, current_path, eventually, settled_rows, table_row_count, wait_for_path,
    wait_for_text,
};

const VIEW: &str = ".user-timeline";

/// A person with events in all three sources (Standfast in the default workspace); their
/// dashed UUID and ID.me event count.
fn person_everywhere(rig: &Rig) -> Option<(String, usize)> {
    let standfast = &rig.data.standfast.by_workspace[0];
    (0..rig.data.people.len()).find_map(|i| {
        let p = &rig.data.people[i];
        let idme = rig.data.idme_events_for_user(&p.uuid).len();
        let iden = rig.data.iden.iter().any(|e| e.actor == Some(i as u32));
        let contact = standfast.iter().any(|e| e.person == i as u32);
        (idme > 0 && iden && contact).then(|| (format_uuid(p.uuid_value()), idme))
    })
}

async fn entries(client: &Client) -> Result<Vec<(String, String)>, String> {
    let items = client.find_all(Locator::Css(".timeline .entry")).await.map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for item in items {
        let id = item.attr("data-id").await.map_err(|e| e.to_string())?.unwrap_or_default();
        let source = item
            .find(Locator::Css(".source-tag"))
            .await
            .map_err(|e| e.to_string())?
            .text()
            .await
            .map_err(|e| e.to_string())?;
        out.push((id, source));
    }
    Ok(out)
}

/// Waits until every source has answered and the timeline holds all three.
async fn settled_timeline(client: &Client) -> Result<Vec<(String, String)>, String> {
    eventually("the merged timeline", || async {
        let busy = client.find_all(Locator::Css(".timeline[aria-busy='true']")).await.ok()?;
        if !busy.is_empty() {
            return None;
        }
        let list = entries(client).await.ok()?;
        let has = |s: &str| list.iter().any(|(_, source)| source == s);
        (has("ID.me") && has("Iden") && has("Standfast")).then_some(list)
    })
    .await
}

pub async fn timeline_merges_sources_by_day_and_reloads_the_same(rig: &Rig, client: &Client) -> TestResult {
    let (uuid, idme_count) = person_everywhere(rig).ok_or("no person in all three sources")?;
    // The 32-hex form is accepted and normalised.
    client
        .goto(&rig.url(&format!("/users/{}", uuid.replace('-', "").to_uppercase())))
        .await
        .map_err(|e| e.to_string())?;
    let list = settled_timeline(client).await?;
    let pages = idme_count.div_ceil(50);
    wait_for_text(client, ".source-pager[data-source='ID.me']", &format!("page 1 of {pages} · {idme_count} events"))
        .await?;

    // Days: headings whose counts add up to the entries.
    let headings = client.find_all(Locator::Css(".day-heading")).await.map_err(|e| e.to_string())?;
    let mut total = 0;
    for h in headings {
        let text = h.text().await.map_err(|e| e.to_string())?;
        let count: usize = text
            .rsplit(" · ")
            .next()
            .and_then(|t| t.trim_end_matches(" events").trim_end_matches(" event").replace(',', "").parse().ok())
            .unwrap_or(0);
        total += count;
    }
    check(total == list.len(), || format!("day counts add to {total}, {} entries", list.len()))?;

    // Newest first across sources.
    let times = client.find_all(Locator::Css(".timeline .entry time")).await.map_err(|e| e.to_string())?;
    let mut stamps = Vec::new();
    for t in times {
        stamps.push(t.attr("datetime").await.map_err(|e| e.to_string())?.unwrap_or_default());
    }
    let parsed: Vec<_> = stamps.iter().filter_map(|s| chrono::DateTime::parse_from_rfc3339(s).ok()).collect();
    check(parsed.windows(2).all(|w| w[0] >= w[1]), || "entries newest first".into())?;

    client.refresh().await.map_err(|e| e.to_string())?;
    let again = settled_timeline(client).await?;
    check(again == list, || "a reload shows the same entries".into())?;

    // An IP in the timeline pivots to the IP search.
    let link = client.find(Locator::Css(".timeline .entry .ip-link")).await.map_err(|e| e.to_string())?;
    let ip = link.text().await.map_err(|e| e.to_string())?;
    link.click().await.map_err(|e| e.to_string())?;
    wait_for_path(client, &format!("/ip/{ip}?sources=idme,iden")).await?;
    wait_for_text(client, "#idme-heading", &ip).await.map(|_| ())
}

pub async fn source_switch_and_table_toggle_live_in_the_url(rig: &Rig, client: &Client) -> TestResult {
    let (uuid, _) = person_everywhere(rig).ok_or("no person in all three sources")?;
    client.goto(&rig.url(&format!("/users/{uuid}"))).await.map_err(|e| e.to_string())?;
    let list = settled_timeline(client).await?;

    click(client, ".layout-switch a:nth-of-type(2)").await?;
    wait_for_path(client, &format!("/users/{uuid}?layout=table")).await?;
    let rows = settled_rows(client, VIEW, "the same rows as a table", |ids| ids.len() == list.len()).await?;
    let ids: Vec<String> = list.iter().map(|(id, _)| id.clone()).collect();
    check(rows == ids, || "the table holds the timeline's rows in the same order".into())?;

    click(client, "#source-standfast").await?;
    // This gateway receives signals, so they are a source of the timeline too (kept).
    wait_for_path(client, &format!("/users/{uuid}?sources=idme,iden,signals&layout=table")).await?;
    let sources = eventually("no Standfast rows", || async {
        let sources = crate::harness::column(client, VIEW, 7).await.ok()?;
        (!sources.is_empty() && sources.iter().all(|s| s != "Standfast")).then_some(sources)
    })
    .await?;
    check(sources.iter().any(|s| s == "ID.me"), || "ID.me rows stay".into())?;

    client.back().await.map_err(|e| e.to_string())?;
    wait_for_path(client, &format!("/users/{uuid}?layout=table")).await?;
    settled_rows(client, VIEW, "Standfast rows back", |shown| shown == ids).await?;
    Ok(())
}

pub async fn invalid_uuid_is_refused_before_any_request(rig: &Rig, client: &Client) -> TestResult {
    let mark = rig.sandbox.wire.received();
    client.goto(&rig.url("/users/not-a-uuid")).await.map_err(|e| e.to_string())?;
    wait_for_text(client, ".invalid-url", "is not a UUID").await?;
    crate::harness::type_into(client, "#user-input", "12345\n").await?;
    wait_for_text(client, "#user-input-error", "is not a UUID").await?;
    let path = current_path(client).await?;
    check(path == "/users/not-a-uuid", || path.clone())?;
    let sent = crate::harness::requests_once_idle(rig, client, mark).await?;
    check(sent.is_empty(), || format!("sandbox requests for an invalid UUID: {sent:?}"))
}

/// A person with events in every source and more than a page in one, but not too many.
fn person_with_pages(rig: &Rig) -> Option<(String, usize)> {
    use auditdeck_sandbox::standfast::{missing_field, required_fields};
    let standfast = &rig.data.standfast.by_workspace[0];
    (0..rig.data.people.len()).find_map(|i| {
        let p = &rig.data.people[i];
        let idme = rig.data.idme_events_for_user(&p.uuid).len();
        let iden = rig
            .data
            .iden
            .iter()
            .filter(|e| e.actor == Some(i as u32) || (e.subject_type != 6 && e.subject == p.uuid_value()))
            .count();
        // Standfast's contact filter: events bound to the contact (NOTES.md).
        let bound = |e: &&auditdeck_sandbox::standfast::data::Event| {
            e.person == i as u32
                && required_fields(e.kind).contains(&"factorBoundToPrincipal")
                && missing_field(e) != Some("factorBoundToPrincipal")
        };
        let contact = standfast.iter().filter(bound).count();
        let total = idme + iden + contact;
        let paged = idme > 50 || iden > 50 || contact > 50;
        (idme > 0 && iden > 0 && contact > 0 && paged && total < 3_000).then(|| (format_uuid(p.uuid_value()), total))
    })
}

pub async fn load_more_brings_every_source_to_its_end(rig: &Rig, client: &Client) -> TestResult {
    let (uuid, total) = person_with_pages(rig).ok_or("no person with pages in a source")?;
    let view = format!("/users/{uuid}?layout=table");
    client.goto(&rig.url(&view)).await.map_err(|e| e.to_string())?;
    let first = settled_rows(client, VIEW, "the first pages", |_| true).await?;
    check(first.iter().filter(|id| !id.is_empty()).count() < total, || "the first pages hold only part".into())?;
    click(client, ".load-more-start").await?;
    wait_for_text(client, ".load-more-status", "the vendor has no more").await?;
    eventually("every event of the person in the table", || async {
        (table_row_count(client, VIEW).await.ok()? == total).then_some(())
    })
    .await
    .map_err(|e| format!("{e} ({total} events expected)"))?;
    Ok(())
}
