//! Standfast identity events as a user meets them; expected rows come from the sandbox's data.

use std::collections::HashSet;

use auditdeck_sandbox::Profile;
use auditdeck_sandbox::dataset::format_uuid;
use auditdeck_sandbox::standfast::data::{EVENT_TYPES, Event, WORKSPACES};
use chrono::{DateTime, Timelike};
use fantoccini::{Client, Locator};

use crate::harness::{
    Rig, TestResult, check, click, current_path, eventually, settled_rows, table_row_count, wait_for_path,
    wait_for_text,
};

const VIEW: &str = ".identity-events";

pub fn iso(second: i64) -> String {
    DateTime::from_timestamp(second, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// The default workspace's events (the sandbox connection's workspace), newest first.
fn events(rig: &Rig) -> &[Event] {
    check_workspace();
    &rig.data.standfast.by_workspace[0]
}

fn check_workspace() {
    debug_assert_eq!(WORKSPACES[0].0, "6f1c2a4e-8b1d-4c55-9a51-0c7f2d9e4a10");
}

/// A window ending at the largest tie group, holding about `size` more events before it.
pub fn tie_window(rig: &Rig, size: usize) -> (i64, i64, usize, Vec<String>) {
    let list = events(rig);
    let mut groups = std::collections::HashMap::new();
    for e in list {
        *groups.entry(e.occurred_s).or_insert(0usize) += 1;
    }
    let (&instant, &group) = groups.iter().max_by_key(|(t, n)| (**n, **t)).unwrap_or((&0, &0));
    let start = list.iter().position(|e| e.occurred_s <= instant).unwrap_or(0);
    let from = list.get(start + group + size).map(|e| e.occurred_s).unwrap_or(instant);
    let ids: Vec<String> =
        list.iter().filter(|e| e.occurred_s >= from && e.occurred_s <= instant).map(|e| format_uuid(e.id)).collect();
    (from, instant, group, ids)
}

/// Under every reading of Standfast's open questions, the order the sandbox lists the window in.
pub fn listed(rig: &Rig, from: i64, to: i64) -> Vec<String> {
    let window = auditdeck_sandbox::standfast::Filter {
        from_ms: Some(from * 1000),
        to_ms: Some(to * 1000),
        ..Default::default()
    };
    rig.sandbox.standfast.listing(0, &window)
}

/// The sandbox's readings of Standfast's open questions, the default first.
pub fn standfast_readings(rig: &Rig) -> Vec<(&'static str, Profile)> {
    let strict = rig.sandbox.profiles.current().strict;
    Profile::readings()
        .into_iter()
        .filter(|(name, _)| *name == "default" || name.starts_with("Standfast"))
        .map(|(name, profile)| (name, profile.strict(strict)))
        .collect()
}

pub async fn walking_back_through_ties_shows_every_event_once(rig: &Rig, client: &Client) -> TestResult {
    for (reading, profile) in standfast_readings(rig) {
        let _profile = rig.sandbox.profiles.switch(profile);
        walk_back_through_ties(rig, client).await.map_err(|e| format!("{reading}: {e}"))?;
    }
    Ok(())
}

async fn walk_back_through_ties(rig: &Rig, client: &Client) -> TestResult {
    let (from, to, group, _) = tie_window(rig, 45);
    check(group > 20, || format!("the largest tie group has {group} events"))?;
    let want = listed(rig, from, to);
    let start = format!("/identity-events?from={}&to={}&limit=20", iso(from), iso(to));
    client.goto(&rig.url(&start)).await.map_err(|e| e.to_string())?;
    let mut seen: Vec<String> = Vec::new();
    let mut pages: Vec<(String, Vec<String>)> = Vec::new();
    loop {
        let previous_first = pages.last().and_then(|(_, ids)| ids.first().cloned());
        let ids = settled_rows(client, VIEW, "the next page", |ids| ids.first() != previous_first.as_ref()).await?;
        check(ids.len() <= 20, || format!("{} rows on a 20-row page", ids.len()))?;
        seen.extend(ids.iter().cloned());
        pages.push((current_path(client).await?, ids));
        let older =
            client.find_all(Locator::Css(&format!("{VIEW} .pager a[rel=next]"))).await.map_err(|e| e.to_string())?;
        let Some(link) = older.into_iter().next() else { break };
        link.click().await.map_err(|e| e.to_string())?;
        check(pages.len() < 50, || "the walk does not end".into())?;
    }
    let unique: HashSet<&String> = seen.iter().collect();
    check(unique.len() == seen.len(), || format!("{} rows but {} distinct ids", seen.len(), unique.len()))?;
    check(seen.len() == want.len(), || format!("{} events shown, the sandbox has {}", seen.len(), want.len()))?;
    check(seen == want, || "every event once, newest first, as the sandbox orders them".into())?;
    wait_for_text(client, ".end-of-results", "End of results").await?;
    let duplicates = client.find_all(Locator::Css(".flag-duplicate")).await.map_err(|e| e.to_string())?;
    check(duplicates.is_empty(), || "no row flagged as a repeat".into())?;

    // "Newer" returns to the visited page before; a pasted link of a middle page reproduces it.
    click(client, &format!("{VIEW} .pager a[rel=prev]")).await?;
    let (path, ids) = pages[pages.len() - 2].clone();
    wait_for_path(client, &path).await?;
    settled_rows(client, VIEW, "the page before", |shown| shown == ids).await?;
    let (middle, middle_ids) = pages[pages.len() / 2].clone();
    client.goto(&rig.url(&middle)).await.map_err(|e| e.to_string())?;
    settled_rows(client, VIEW, "the middle page from its link", |shown| shown == middle_ids).await?;
    Ok(())
}

pub async fn type_filter_changes_rows_and_back_restores_them(rig: &Rig, client: &Client) -> TestResult {
    let list = events(rig);
    let newest = |n: usize, keep: &dyn Fn(&Event) -> bool| -> Vec<String> {
        list.iter().filter(|e| keep(e)).take(n).map(|e| format_uuid(e.id)).collect()
    };
    let kind = |name: &str| EVENT_TYPES.iter().position(|t| *t == name).unwrap_or(0) as u8;
    client.goto(&rig.url("/identity-events?limit=25")).await.map_err(|e| e.to_string())?;
    let all = newest(25, &|_| true);
    settled_rows(client, VIEW, "the newest events", |ids| ids == all).await?;

    // Tick two types and apply: one navigation with both, rows of those types only.
    crate::harness::open_filters(client).await?;
    click(client, ".type-picker summary").await?;
    click(client, "#type-risk_signal_raised").await?;
    click(client, "#type-ani_blocked").await?;
    click(client, ".filter-form button[type=submit]").await?;
    wait_for_path(client, "/identity-events?types=ani_blocked,risk_signal_raised&limit=25").await?;
    let (a, b) = (kind("ani_blocked"), kind("risk_signal_raised"));
    let want = newest(25, &|e| e.kind == a || e.kind == b);
    settled_rows(client, VIEW, "rows of the two types", |ids| ids == want).await?;
    let types = crate::harness::column(client, VIEW, 1).await?;
    check(types.iter().all(|t| t.starts_with("ani_blocked") || t.starts_with("risk_signal_raised")), || {
        format!("{types:?}")
    })?;

    client.back().await.map_err(|e| e.to_string())?;
    wait_for_path(client, "/identity-events?limit=25").await?;
    settled_rows(client, VIEW, "the unfiltered rows again", |ids| ids == all).await?;

    // A contact pivots to the user's timeline.
    let contact = eventually("a row with a contact", || async {
        client.find(Locator::Css(&format!("{VIEW} table.events tbody tr .people a.uuid"))).await.ok()
    })
    .await?;
    let uuid = contact.text().await.map_err(|e| e.to_string())?;
    contact.click().await.map_err(|e| e.to_string())?;
    wait_for_path(client, &format!("/users/{uuid}")).await?;
    wait_for_text(client, ".source-pagers", "Standfast").await?;
    Ok(())
}

pub async fn contract_breakers_name_the_missing_field(rig: &Rig, client: &Client) -> TestResult {
    let list = events(rig);
    let breaker = list.iter().find(|e| e.breaks_contract).ok_or("no contract breaker in the sandbox")?;
    let name = EVENT_TYPES[breaker.kind as usize];
    let href = format!("/identity-events?from={0}&to={0}&types={name}", iso(breaker.occurred_s));
    client.goto(&rig.url(&href)).await.map_err(|e| e.to_string())?;
    let id = format_uuid(breaker.id);
    settled_rows(client, VIEW, "the breaker's row", |ids| ids.contains(&id)).await?;
    // The field the sandbox left out of this record, by the sandbox's own data.
    let left_out = auditdeck_sandbox::standfast::missing_field(breaker).ok_or("the breaker leaves a field out")?;
    let flag = wait_for_text(client, &format!("{VIEW} tr[data-id='{id}'] .flag-contract"), "missing").await?;
    check(flag.contains(left_out), || format!("{flag:?} names {left_out}"))?;
    let nulls = wait_for_text(client, &format!("{VIEW} tr[data-id='{id}']"), name).await?;
    check(!nulls.contains("null"), || format!("null fields are empty cells: {nulls:?}"))
}

pub async fn presets_write_an_absolute_range_and_500_rows_render(rig: &Rig, client: &Client) -> TestResult {
    client.goto(&rig.url("/identity-events?limit=500")).await.map_err(|e| e.to_string())?;
    let want: Vec<String> = events(rig).iter().take(500).map(|e| format_uuid(e.id)).collect();
    // Above 300 rows only the rows in view are rendered (then the spacer): they are the newest.
    settled_rows(client, VIEW, "the newest of 500 rows", |ids| {
        let rendered: Vec<&String> = ids.iter().filter(|id| !id.is_empty()).collect();
        rendered.len() > 20 && rendered.len() < 500 && rendered.iter().zip(&want).all(|(a, b)| *a == b)
    })
    .await?;
    let count = table_row_count(client, VIEW).await?;
    check(count == 500, || format!("the table knows 500 rows: it says {count}"))?;
    // "Last 30 days" puts absolute times in the URL, so the link keeps meaning that window.
    let started = chrono::Utc::now();
    crate::harness::open_filters(client).await?;
    click(client, "button[data-preset='30d']").await?;
    let path = eventually("the preset's range in the URL", || async {
        let path = current_path(client).await.ok()?;
        path.contains("from=").then_some(path)
    })
    .await?;
    let (_, get) = split_query(&path);
    let from = get("from").and_then(|f| DateTime::parse_from_rfc3339(&f).ok()).ok_or(format!("from in {path}"))?;
    let to = get("to").and_then(|t| DateTime::parse_from_rfc3339(&t).ok()).ok_or(format!("to in {path}"))?;
    check((to - from).num_days() == 30, || format!("a 30-day range: {path}"))?;
    check((to.to_utc() - started).num_seconds().abs() < 60, || format!("ending now: {path}"))?;
    check(get("limit").as_deref() == Some("500"), || format!("other filters kept: {path}"))?;
    // The browser normalises a datetime-local value to its shortest form: no ":00" seconds.
    let expected = if from.second() == 0 { from.format("%Y-%m-%dT%H:%M") } else { from.format("%Y-%m-%dT%H:%M:%S") };
    let expected = expected.to_string();
    // Applying folds the form again; it shows the range when unfolded.
    crate::harness::open_filters(client).await?;
    eventually(&format!("the form to show the range from {expected}"), || async {
        let shown = client.find(Locator::Css("#from")).await.ok()?.prop("value").await.ok()??;
        (shown == expected).then_some(())
    })
    .await
}

fn split_query(path: &str) -> (String, impl Fn(&str) -> Option<String>) {
    let (p, q) = path.split_once('?').unwrap_or((path, ""));
    let pairs: Vec<(String, String)> = q
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), percent_encoding::percent_decode_str(v).decode_utf8_lossy().into_owned()))
        .collect();
    (p.to_string(), move |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()))
}
