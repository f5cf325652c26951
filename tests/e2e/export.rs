//! Export of a filtered query and its verification, as a user meets them.

use auditdeck_sandbox::dataset::format_uuid;
use auditdeck_sandbox::iden::data::{FORMULA_USER_AGENT, user_agent};
use fantoccini::{Client, Locator};
use sha2::{Digest, Sha256};

use crate::harness::{
    Rig, TestResult, check, click, downloads_dir, eventually, settled_rows, thousands, wait_for_text,
};

const IDEN: &str = ".source-iden";
const LIMIT: usize = 200;

/// An actor IP among whose newest `LIMIT` Iden events is one with the formula user agent:
/// (ip, that event's id, the ids of the newest `LIMIT`).
fn ip_with_a_formula(rig: &Rig) -> Option<(String, String, Vec<String>)> {
    let hostile = rig.data.iden.iter().filter(|e| user_agent(e) == Some(FORMULA_USER_AGENT));
    for candidate in hostile {
        let ip = candidate.actor_ip?;
        let mut same: Vec<_> = rig.data.iden.iter().filter(|e| e.actor_ip == Some(ip)).collect();
        same.sort_by_key(|e| std::cmp::Reverse((e.occurred_ms, e.seq)));
        same.truncate(LIMIT);
        if same.len() >= 3 && same.iter().any(|e| e.seq == candidate.seq) {
            let ids = same.iter().map(|e| format_uuid(e.event_id)).collect();
            return Some((rig.data.ips[ip as usize].to_string(), format_uuid(candidate.event_id), ids));
        }
    }
    None
}

/// Clicks a download link and returns the file the browser saved (named as the link says).
pub async fn download(client: &Client, css: &str) -> Result<String, String> {
    let link = eventually(css, || async { client.find(Locator::Css(css)).await.ok() }).await?;
    let name = link.attr("download").await.map_err(|e| e.to_string())?.ok_or("the link names no file")?;
    let _ = std::fs::remove_file(downloads_dir().join(&name));
    link.click().await.map_err(|e| e.to_string())?;
    saved_download(&name).await
}

/// Waits for the browser to finish saving the download `name` and returns its text.
pub async fn saved_download(name: &str) -> Result<String, String> {
    let path = downloads_dir().join(name);
    // Done when no partial download is left in the folder and the file has stopped growing
    // between two looks (Chromium may write a blob's file in place).
    let last_size = std::cell::Cell::new(None::<u64>);
    eventually(&format!("the download of {name}"), || async {
        let partial = std::fs::read_dir(downloads_dir())
            .ok()?
            .flatten()
            .any(|entry| entry.file_name().to_string_lossy().ends_with(".crdownload"));
        let size = std::fs::metadata(&path).ok()?.len();
        let settled = !partial && size > 0 && last_size.replace(Some(size)) == Some(size);
        if settled { std::fs::read_to_string(&path).ok() } else { None }
    })
    .await
}

pub fn write_temp(name: &str, content: &[u8]) -> Result<String, String> {
    let path = crate::harness::temporary(name);
    std::fs::write(&path, content).map_err(|e| e.to_string())?;
    Ok(path.to_string_lossy().into_owned())
}

pub async fn choose_file(client: &Client, css: &str, path: &str) -> TestResult {
    // The page may still be loading its code (a route's first visit fetches its chunk).
    let input =
        eventually(&format!("the file input {css}"), || async { client.find(Locator::Css(css)).await.ok() }).await?;
    input.send_keys(path).await.map_err(|e| e.to_string())
}

pub async fn filtered_export_is_neutralised_and_verifies(rig: &Rig, client: &Client) -> TestResult {
    let (ip, hostile_id, want) = ip_with_a_formula(rig).ok_or("no actor IP has a formula user agent")?;
    let view = format!("/severity?actor_ip={ip}&limit={LIMIT}");
    client.goto(&rig.url(&view)).await.map_err(|e| e.to_string())?;
    settled_rows(client, IDEN, "the filtered rows", |ids| ids == want).await?;
    // Shown as text in the table.
    let cell = format!("{IDEN} tr[data-id='{hostile_id}'] td.client");
    wait_for_text(client, &cell, FORMULA_USER_AGENT).await?;

    click(client, ".export-tools .export-csv").await?;
    let csv_text = download(client, ".export-tools a.export-file").await?;
    let manifest_text = download(client, ".export-tools a.export-manifest").await?;

    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    let index = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or(format!("no {name} column in {:?}", csv_text.chars().take(300).collect::<String>()))
    };
    let (id_at, client_at) = (index("id")?, index("actor_client")?);
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().map_err(|e| e.to_string())?;
    check(rows.len() == want.len(), || format!("{} CSV rows, {} shown", rows.len(), want.len()))?;
    let ids: Vec<&str> = rows.iter().map(|r| &r[id_at]).collect();
    check(ids == want, || "the CSV rows are the shown rows, in order".into())?;
    let hostile = rows.iter().find(|r| r[id_at] == hostile_id).ok_or("the formula row is exported")?;
    check(hostile[client_at] == format!("'{FORMULA_USER_AGENT}"), || format!("cell {:?}", &hostile[client_at]))?;

    let manifest: serde_json::Value = serde_json::from_str(&manifest_text).map_err(|e| e.to_string())?;
    let sha: String = Sha256::digest(csv_text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    check(manifest["sha256"] == sha.as_str(), || format!("manifest sha {} vs file {sha}", manifest["sha256"]))?;
    check(manifest["row_count"] == want.len(), || format!("manifest rows {}", manifest["row_count"]))?;
    check(manifest["view_url"] == rig.url(&view).as_str(), || format!("view_url {}", manifest["view_url"]))?;
    let requests = manifest["requests"].to_string();
    check(requests.contains(&format!("actor_ip={ip}")) && requests.contains("limit=200"), || requests.clone())?;
    check(!manifest_text.contains("Api-Key") && !manifest_text.to_lowercase().contains("authorization"), || {
        "the manifest holds no credential".into()
    })?;

    // /verify accepts the file, and rejects it once one byte changes.
    let csv_path = write_temp("export.csv", csv_text.as_bytes())?;
    let manifest_path = write_temp("export.manifest.json", manifest_text.as_bytes())?;
    click(client, ".export-tools a[href='/verify']").await?;
    choose_file(client, "#verify-manifest", &manifest_path).await?;
    choose_file(client, "#verify-file", &csv_path).await?;
    wait_for_text(client, ".verdict.matches", "matches this manifest").await?;
    // Unsigned, it must not claim more than it checked.
    let said =
        wait_for_text(client, ".verdict.matches", "The manifest is not signed, so anyone could have made both").await?;
    check(!said.contains("unchanged"), || format!("an unsigned manifest cannot show the file unchanged: {said}"))?;
    let view_link = client.find(Locator::Css(".verdict.matches dd a")).await.map_err(|e| e.to_string())?;
    let href = view_link.attr("href").await.map_err(|e| e.to_string())?.unwrap_or_default();
    check(href == rig.url(&view), || format!("the view on this origin is a link: {href}"))?;
    wait_for_text(client, ".verdict.matches", &format!("It reads as {} rows, as the manifest says.", want.len()))
        .await?;
    let mut changed = csv_text.into_bytes();
    let middle = changed.len() / 2;
    changed[middle] = if changed[middle] == b'0' { b'1' } else { b'0' };
    let changed_path = write_temp("changed.csv", &changed)?;
    choose_file(client, "#verify-file", &changed_path).await?;
    wait_for_text(client, ".verdict.differs", "is not the file this manifest describes").await?;
    for path in [csv_path, manifest_path, changed_path] {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

/// The whole query, beyond the loaded page: every event of a Standfast window that crosses its
/// largest tie group, each once, in the vendor's order; the manifest says so.
pub async fn whole_query_export_holds_every_page(rig: &Rig, client: &Client) -> TestResult {
    for (reading, profile) in crate::identity_events::standfast_readings(rig) {
        let _profile = rig.sandbox.profiles.switch(profile);
        export_whole_query(rig, client).await.map_err(|e| format!("{reading}: {e}"))?;
    }
    Ok(())
}

async fn export_whole_query(rig: &Rig, client: &Client) -> TestResult {
    const VIEW: &str = ".identity-events";
    let (from, to, group, _) = crate::identity_events::tie_window(rig, 1_200);
    let want = crate::identity_events::listed(rig, from, to);
    check(want.len() > 1_000 && group > 20, || format!("{} events, tie group {group}", want.len()))?;
    let (from, to) = (crate::identity_events::iso(from), crate::identity_events::iso(to));
    let view = format!("/identity-events?from={from}&to={to}&limit=20");
    client.goto(&rig.url(&view)).await.map_err(|e| e.to_string())?;
    settled_rows(client, VIEW, "the first page", |ids| ids.len() == 20).await?;
    wait_for_text(client, ".export-count", "Export the 20 loaded rows").await?;

    click(client, ".export-tools .export-whole-csv").await?;
    let csv_text = download(client, ".export-tools a.export-file").await?;
    let manifest_text = download(client, ".export-tools a.export-manifest").await?;
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let id_at = reader.headers().map_err(|e| e.to_string())?.iter().position(|h| h == "id").ok_or("no id column")?;
    let ids: Vec<String> = reader
        .records()
        .map(|r| r.map(|r| r[id_at].to_string()))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    check(ids.len() == want.len(), || format!("{} CSV rows, the query has {}", ids.len(), want.len()))?;
    check(ids == want, || "every event once, newest first, as Standfast lists them".into())?;

    let manifest: serde_json::Value = serde_json::from_str(&manifest_text).map_err(|e| e.to_string())?;
    check(manifest["scope"] == "whole_query", || format!("scope {}", manifest["scope"]))?;
    check(manifest["row_count"] == want.len(), || format!("manifest rows {}", manifest["row_count"]))?;
    // The view's 20-row page, then the older pages walked with `before`.
    let requests: Vec<&str> =
        manifest["requests"].as_array().map(|r| r.iter().filter_map(|v| v.as_str()).collect()).unwrap_or_default();
    let walked = requests.len() >= 3
        && requests[0].contains("limit=20")
        && !requests[0].contains("before=")
        && requests[1..].iter().all(|r| r.contains("before="));
    check(walked, || format!("requests: {requests:?}"))?;
    wait_for_text(client, ".load-more-status", &format!("All {} rows are loaded", thousands(want.len() as u64)))
        .await?;
    Ok(())
}
