//! Live tail, as a user meets it: an event the sandbox adds appears on top, highlighted.
//! Runs last: it adds events to the shared sandbox, which other scenarios' expectations
//! (taken from the generated data set) do not know.

use std::time::Duration;

use auditdeck_sandbox::Profile;
use auditdeck_sandbox::profile::ProfileGuard;
use fantoccini::{Client, Locator};

use crate::harness::{Rig, TestResult, check, click, eventually, row_ids, settled_rows, wait_for_text};

const IDEN: &str = ".source-iden";

/// Opens the newest Iden page under the reading `first_page_previous` and turns live tail on;
/// returns the profile's guard, the rows shown and the request log's mark.
async fn live_iden_page(
    rig: &Rig,
    client: &Client,
    first_page_previous: bool,
) -> Result<(ProfileGuard, Vec<String>, u64), String> {
    let profile = Profile { iden_first_page_previous_cursor: first_page_previous, ..rig.sandbox.profiles.current() };
    let guard = rig.sandbox.profiles.switch(profile);
    client.goto(&rig.url("/severity?limit=20")).await.map_err(|e| e.to_string())?;
    let before = settled_rows(client, IDEN, "the newest rows", |ids| ids.len() == 20).await?;
    click(client, ".live-toggle").await?;
    wait_for_text(client, ".live-status", "0 new").await?;
    Ok((guard, before, rig.sandbox.wire.received()))
}

/// The Iden requests since `mark`.
fn iden_checks(rig: &Rig, mark: u64) -> Vec<auditdeck_sandbox::WireRequest> {
    rig.sandbox.wire.since(mark).into_iter().filter(|r| r.path.starts_with("/sandbox/iden/")).collect()
}

/// The document's reading as a Django cursor paginator answers it: no `previous_cursor` on the
/// first page. Live tail asks `occurred_at__gte` = the newest time shown, drops the ids shown,
/// and pages with `next_cursor` when more than a page arrived.
pub async fn iden_live_tail_without_a_first_page_previous_cursor(rig: &Rig, client: &Client) -> TestResult {
    let (_profile, before, mark) = live_iden_page(rig, client, false).await?;
    let first = rig.sandbox.iden.insert_now(1);
    let shown = added_on_top(client, &first, &before).await?;
    wait_for_text(client, ".live-status", "1 new").await?;
    let row =
        client.find(Locator::Css(&format!("{IDEN} tr[data-id='{}']", first[0]))).await.map_err(|e| e.to_string())?;
    let class = row.attr("class").await.map_err(|e| e.to_string())?.unwrap_or_default();
    check(class.contains("live-new"), || format!("the new row is highlighted: class {class:?}"))?;

    // More than a page (200) at once: the check walks next_cursor down to the rows shown.
    let many = rig.sandbox.iden.insert_now(230);
    added_on_top(client, &many, &shown).await?;
    wait_for_text(client, ".live-status", "231 new").await?;
    let checks = iden_checks(rig, mark);
    check(checks.iter().all(|r| r.query_value("occurred_at__gte").is_some()), || {
        format!("every check asks from the newest time shown: {checks:?}")
    })?;
    check(checks.iter().any(|r| r.query_value("cursor").is_some()), || format!("a check paged on: {checks:?}"))?;
    click(client, ".live-toggle").await?;
    wait_for_text(client, ".live-toggle", "Live").await?;
    Ok(())
}

/// The other reading: the first page carries a `previous_cursor`, and live tail follows it.
pub async fn iden_live_tail_with_a_first_page_previous_cursor(rig: &Rig, client: &Client) -> TestResult {
    let (_profile, before, mark) = live_iden_page(rig, client, true).await?;
    let added = rig.sandbox.iden.insert_now(2);
    added_on_top(client, &added, &before).await?;
    wait_for_text(client, ".live-status", "2 new").await?;
    let checks = iden_checks(rig, mark);
    check(!checks.is_empty() && checks.iter().all(|r| r.query_value("cursor").is_some()), || {
        format!("every check follows a previous_cursor: {checks:?}")
    })?;
    Ok(())
}

/// Waits until the rows start with `added` (the sandbox lists them newest first, the reverse of
/// the order they were added in) followed by `before`, each once; returns the rows.
async fn added_on_top(client: &Client, added: &[String], before: &[String]) -> Result<Vec<String>, String> {
    let newest_first: Vec<String> = added.iter().rev().cloned().collect();
    let deadline = std::time::Instant::now() + Duration::from_secs(45);
    loop {
        let ids = row_ids(client, IDEN).await?;
        if ids.len() >= newest_first.len() && ids[..newest_first.len()] == newest_first[..] {
            let rest = &ids[newest_first.len()..];
            check(rest.starts_with(before), || {
                format!("the earlier rows follow, none repeated: {:?}", &rest[..rest.len().min(3)])
            })?;
            return Ok(ids);
        }
        if std::time::Instant::now() > deadline {
            return Err(format!("the added events did not appear on top; rows start {:?}", &ids[..ids.len().min(3)]));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Standfast has no cursor: live tail asks `from` the newest instant seen (inclusive) and shows
/// only the events it had not shown.
pub async fn standfast_live_tail_shows_events_the_sandbox_adds(rig: &Rig, client: &Client) -> TestResult {
    let mut last_insert = 0;
    for (reading, profile) in crate::identity_events::standfast_readings(rig) {
        let _profile = rig.sandbox.profiles.switch(profile);
        // Each reading's events are added in a later second than the last ones, as new events
        // are (the sub-second reading would otherwise place some before them).
        eventually("the next second", || async { (chrono::Utc::now().timestamp() > last_insert).then_some(()) })
            .await?;
        standfast_live_tail(rig, client).await.map_err(|e| format!("{reading}: {e}"))?;
        last_insert = chrono::Utc::now().timestamp();
    }
    // A bounded range cannot grow: live tail says why it is off.
    client.goto(&rig.url("/identity-events?to=2026-01-01T00:00:00Z")).await.map_err(|e| e.to_string())?;
    wait_for_text(client, ".live-status", "clear “To”").await?;
    Ok(())
}

async fn standfast_live_tail(rig: &Rig, client: &Client) -> TestResult {
    const VIEW: &str = ".identity-events";
    client.goto(&rig.url("/identity-events?limit=20")).await.map_err(|e| e.to_string())?;
    let before = settled_rows(client, VIEW, "the newest rows", |ids| ids.len() == 20).await?;
    click(client, ".live-toggle").await?;
    wait_for_text(client, ".live-status", "0 new").await?;
    rig.sandbox.standfast.insert_now(0, 2);
    // The new events as the sandbox lists them under this reading: the newest, down to the
    // rows already shown.
    let listed = rig.sandbox.standfast.listing(0, &Default::default());
    let added: Vec<String> = listed.into_iter().take_while(|id| !before.contains(id)).collect();
    check(added.len() == 2, || format!("the sandbox lists {added:?} above the rows shown"))?;
    let deadline = std::time::Instant::now() + Duration::from_secs(45);
    loop {
        let ids = row_ids(client, VIEW).await?;
        if ids.len() >= 2 && ids[..2] == added[..] {
            check(ids[2..].starts_with(&before), || "the earlier rows follow, none repeated".into())?;
            break;
        }
        if std::time::Instant::now() > deadline {
            return Err(format!(
                "the added events {added:?} did not appear on top; rows start {:?}",
                &ids[..ids.len().min(3)]
            ));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    wait_for_text(client, ".live-status", "2 new").await?;
    Ok(())
}
