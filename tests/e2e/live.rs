//! Live tail, as a user meets it: an event the sandbox adds appears on top, highlighted.
//! Runs last: it adds events to the shared sandbox, which other scenarios' expectations
//! (taken from the generated data set) do not know.

use std::time::Duration;

use fantoccini::{Client, Locator};

use crate::harness::{Rig, TestResult, check, click, row_ids, settled_rows, wait_for_text};

const IDEN: &str = ".source-iden";

pub async fn live_tail_shows_an_event_the_sandbox_adds(rig: &Rig, client: &Client) -> TestResult {
    client.goto(&rig.url("/severity?limit=20")).await.map_err(|e| e.to_string())?;
    let before = settled_rows(client, IDEN, "the newest rows", |ids| ids.len() == 20).await?;
    click(client, ".live-toggle").await?;
    wait_for_text(client, ".live-status", "0 new").await?;
    let added = rig.sandbox.iden.insert_now(1);
    let id = added.first().ok_or("the sandbox added no event")?.clone();
    // The next poll (every 30 s) brings it.
    let deadline = std::time::Instant::now() + Duration::from_secs(45);
    loop {
        let ids = row_ids(client, IDEN).await?;
        if ids.first() == Some(&id) {
            check(ids[1..].starts_with(&before), || "the earlier rows follow it".into())?;
            break;
        }
        if std::time::Instant::now() > deadline {
            return Err(format!("the added event {id} did not appear on top; rows start {:?}", ids.first()));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    wait_for_text(client, ".live-status", "1 new").await?;
    let row = client.find(Locator::Css(&format!("{IDEN} tr[data-id='{id}']"))).await.map_err(|e| e.to_string())?;
    let class = row.attr("class").await.map_err(|e| e.to_string())?.unwrap_or_default();
    check(class.contains("live-new"), || format!("the new row is highlighted: class {class:?}"))?;
    click(client, ".live-toggle").await?;
    wait_for_text(client, ".live-toggle", "Live").await?;
    Ok(())
}

/// Standfast has no cursor: live tail asks `from` the newest instant seen (inclusive) and shows
/// only the events it had not shown.
pub async fn standfast_live_tail_shows_events_the_sandbox_adds(rig: &Rig, client: &Client) -> TestResult {
    const VIEW: &str = ".identity-events";
    client.goto(&rig.url("/identity-events?limit=20")).await.map_err(|e| e.to_string())?;
    let before = settled_rows(client, VIEW, "the newest rows", |ids| ids.len() == 20).await?;
    click(client, ".live-toggle").await?;
    wait_for_text(client, ".live-status", "0 new").await?;
    let added = rig.sandbox.standfast.insert_now(0, 2);
    check(added.len() == 2, || format!("the sandbox added {added:?}"))?;
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
    // A bounded range cannot grow: live tail says why it is off.
    client.goto(&rig.url("/identity-events?to=2026-01-01T00:00:00Z")).await.map_err(|e| e.to_string())?;
    wait_for_text(client, ".live-status", "clear “To”").await?;
    Ok(())
}
