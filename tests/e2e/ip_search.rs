//! IP search, as a user meets it. Expected values come from the sandbox's own data set.

use std::net::IpAddr;

use auditdeck_sandbox::dataset::IDME_EVENT_TYPES;
use auditdeck_sandbox::idme::{PAGE_SIZE, wire_event};
use fantoccini::{Client, Locator};

use crate::harness::{
    Rig, TestResult, check, click, current_path, eventually, requests_once_idle, search_in_app, table_rows, text_of,
    thousands, type_into, wait_for_text,
};

fn busiest(rig: &Rig) -> (IpAddr, usize) {
    rig.data.busiest_ips(1)[0]
}

/// (event type, tracked_at as the app shows it) of the n-th event (0-based) under `ip`.
fn expected_row(rig: &Rig, ip: IpAddr, n: usize) -> (String, String) {
    let event = &rig.data.idme_events[rig.data.idme_events_for_ip(&ip)[n] as usize];
    (IDME_EVENT_TYPES[event.kind as usize].to_string(), time_in(event.tracked_at_ms, 0))
}

/// An instant as the table shows it, in the zone `offset_secs` east of UTC (written out here,
/// not taken from the app's formatter).
fn time_in(ms: i64, offset_secs: i32) -> String {
    let zone = chrono::FixedOffset::east_opt(offset_secs).unwrap_or(chrono::FixedOffset::east_opt(0).unwrap());
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&zone).format("%Y-%m-%d %H:%M:%S%.3f %:z").to_string())
        .unwrap_or_default()
}

fn pages(count: usize) -> usize {
    count.div_ceil(PAGE_SIZE)
}

async fn assert_page(rig: &Rig, client: &Client, ip: IpAddr, count: usize, page: usize) -> TestResult {
    let position = format!("Page {page} of {}", thousands(pages(count) as u64));
    wait_for_text(client, ".pager-position", &position).await?;
    wait_for_text(client, ".pager-position", &format!("{} events", thousands(count as u64))).await?;
    let (event, tracked) = expected_row(rig, ip, (page - 1) * PAGE_SIZE);
    // The table follows the pager text within one render; poll briefly in case it lags.
    let rows = eventually("the page's rows", || async {
        let rows = table_rows(client).await.ok()?;
        (rows.first().map(|r| (r[1].clone(), r[0].clone())) == Some((event.clone(), tracked.clone()))).then_some(rows)
    })
    .await
    .map_err(|e| format!("{e}: expected first row {event} at {tracked}"))?;
    check(rows.len() == PAGE_SIZE, || format!("{} rows on page {page}, expected {PAGE_SIZE}", rows.len()))
}

/// Opens Settings and selects an ID.me connection the gateway offers.
async fn use_idme_connection(rig: &Rig, client: &Client, connection_id: &str) -> TestResult {
    client.goto(&rig.url("/settings")).await.map_err(|e| e.to_string())?;
    let option = format!("option[value='{connection_id}']");
    let select = eventually(&format!("the {connection_id} connection"), || async {
        let select = client.find(Locator::Css("#idme-connection")).await.ok()?;
        select.find(Locator::Css(&option)).await.ok()?;
        Some(select)
    })
    .await?;
    select.select_by_value(connection_id).await.map_err(|e| e.to_string())
}

pub async fn deep_link_shows_page_2(rig: &Rig, client: &Client) -> TestResult {
    let (ip, count) = busiest(rig);
    client.goto(&rig.url(&format!("/ip/{ip}?page=2"))).await.map_err(|e| e.to_string())?;
    assert_page(rig, client, ip, count, 2).await?;
    let value = client.find(Locator::Css("#ip-input")).await.map_err(|e| e.to_string())?.prop("value").await;
    check(value.ok().flatten().as_deref() == Some(ip.to_string().as_str()), || {
        "the form shows the searched IP".into()
    })?;
    wait_for_text(client, "#connection-idme", "Built-in sandbox").await?;
    Ok(())
}

pub async fn next_link_goes_to_page_3(rig: &Rig, client: &Client) -> TestResult {
    let (ip, count) = busiest(rig);
    client.goto(&rig.url(&format!("/ip/{ip}?page=2"))).await.map_err(|e| e.to_string())?;
    assert_page(rig, client, ip, count, 2).await?;
    let next = client.find(Locator::Css(".pager a[rel=next]")).await.map_err(|e| e.to_string())?;
    let href = next.attr("href").await.map_err(|e| e.to_string())?;
    check(href.as_deref() == Some(format!("/ip/{ip}?page=3").as_str()), || format!("next href {href:?}"))?;
    next.click().await.map_err(|e| e.to_string())?;
    assert_page(rig, client, ip, count, 3).await?;
    let path = current_path(client).await?;
    check(path == format!("/ip/{ip}?page=3"), || format!("URL after next: {path}"))?;
    // Back returns to page 2's rows.
    client.back().await.map_err(|e| e.to_string())?;
    assert_page(rig, client, ip, count, 2).await
}

pub async fn invalid_ip_sends_no_request(rig: &Rig, client: &Client) -> TestResult {
    client.goto(&rig.url("/ip")).await.map_err(|e| e.to_string())?;
    let input = eventually("the IP form", || async { client.find(Locator::Css("#ip-input")).await.ok() }).await?;
    let mark = rig.sandbox.wire.received();
    input.send_keys("300.1.2.3\n").await.map_err(|e| e.to_string())?;
    wait_for_text(client, "#ip-input-error", "is not a valid IPv4 or IPv6 address").await?;
    // A deep link with a bad IP explains itself too.
    client.goto(&rig.url("/ip/not-an-ip?page=2")).await.map_err(|e| e.to_string())?;
    wait_for_text(client, ".notice.invalid-url", "is not a valid IPv4 or IPv6 address").await?;
    let sent = requests_once_idle(rig, client, mark).await?;
    check(sent.is_empty(), || format!("the sandbox received {sent:?}"))?;
    let rows = client.find_all(Locator::Css("table.events tbody tr")).await.map_err(|e| e.to_string())?;
    check(rows.is_empty(), || "no table for an invalid IP".into())
}

pub async fn wrong_secret_shows_403_122(rig: &Rig, client: &Client) -> TestResult {
    const MESSAGE: &str = "Header Auth token is not associated with any account";
    client.goto(&rig.url("/settings")).await.map_err(|e| e.to_string())?;
    type_into(client, "#idme-secret", "not-the-sandbox-secret").await?;
    click(client, "#idme-test").await?;
    let shown = wait_for_text(client, "#idme-test-result .error-box", MESSAGE).await?;
    check(shown.contains("403") && shown.contains("code 122"), || format!("error shows status and code: {shown}"))?;
    wait_for_text(client, "#connection-idme", "✕").await?;

    // The secret is in memory: move within the app (no reload) and search.
    let (ip, _) = busiest(rig);
    search_in_app(client, &ip.to_string()).await?;
    let shown = wait_for_text(client, ".ip-search .error-box", MESSAGE).await?;
    check(shown.contains("code 122"), || shown.clone())?;
    let url = current_path(client).await?;
    check(!url.contains("secret"), || format!("no credential in the URL: {url}"))
}

pub async fn document_sample_renders_decoded_application(rig: &Rig, client: &Client) -> TestResult {
    use_idme_connection(rig, client, crate::harness::SAMPLE_UPSTREAM_ID).await?;
    wait_for_text(client, "#idme-gateway-credential", "The gateway adds the credential").await?;
    let secret_fields = client.find_all(Locator::Css("#idme-secret")).await.map_err(|e| e.to_string())?;
    check(secret_fields.is_empty(), || "no secret asked for when the gateway adds it".into())?;

    // Preferences survive a reload (localStorage); the sample answers any search.
    client.goto(&rig.url("/ip/152.133.18.33")).await.map_err(|e| e.to_string())?;
    wait_for_text(client, ".pager-position", "Page 2 of 8,648 · 432,374 events").await?;
    let rows = table_rows(client).await?;
    check(rows.len() == 1, || format!("{} rows", rows.len()))?;
    let row = &rows[0];
    check(row[0] == "2019-08-27 00:03:59.650 +00:00", || format!("tracked_at in UTC {:?}", row[0]))?;
    check(row[1] == "session.signin", || format!("event {:?}", row[1]))?;
    check(row[2].contains("low") && row[2].ends_with('*'), || format!("derived severity {:?}", row[2]))?;
    check(row[4].starts_with("152.133.18.33SSOe SAML Consumer (SQA)") && row[4].contains("decoded"), || {
        format!("application {:?}", row[4])
    })?;
    check(row[5] == "Chrome 76 on Generic Linux", || format!("browser {:?}", row[5]))?;
    // The browser runs in Kolkata (the rig sets TZ), +05:30, unlike the wire's -04:00: "Local"
    // shows the same instant there.
    click(client, ".zone-switch a:nth-of-type(2)").await?;
    eventually("the time in the browser's zone", || async {
        let rows = table_rows(client).await.ok()?;
        (rows.first()?.first()? == "2019-08-27 05:33:59.650 +05:30").then_some(())
    })
    .await?;
    let path = current_path(client).await?;
    check(path == "/ip/152.133.18.33?tz=local", || format!("the zone is in the URL: {path}"))?;
    let indicator = text_of(client, "#connection-idme").await.unwrap_or_default();
    check(indicator.contains("Document sample"), || format!("indicator {indicator:?}"))
}

/// A winter record of the sandbox (its wire offset differs from summer's) in the browser's zone,
/// Kolkata (+05:30, no daylight saving).
pub async fn local_time_of_a_winter_record(rig: &Rig, client: &Client) -> TestResult {
    use chrono::Datelike;
    let (ip, _) = busiest(rig);
    let listed = rig.data.idme_events_for_ip(&ip);
    let n = listed
        .iter()
        .position(|i| {
            let ms = rig.data.idme_events[*i as usize].tracked_at_ms;
            chrono::DateTime::from_timestamp_millis(ms).is_some_and(|t| matches!(t.month(), 12 | 1 | 2))
        })
        .ok_or("the busiest address has a winter record")?;
    let event = &rig.data.idme_events[listed[n] as usize];
    let wire = wire_event(&rig.data, event);
    let page = n / PAGE_SIZE + 1;
    client.goto(&rig.url(&format!("/ip/{ip}?page={page}&tz=local"))).await.map_err(|e| e.to_string())?;
    let want = time_in(event.tracked_at_ms, 5 * 3600 + 1800);
    let rows = eventually("the winter record in Kolkata time", || async {
        let rows = table_rows(client).await.ok()?;
        (rows.get(n % PAGE_SIZE)?.first()? == &want).then_some(rows)
    })
    .await
    .map_err(|e| format!("{e}: row {} should show {want} (sent as {})", n % PAGE_SIZE, wire.tracked_at))?;
    check(!wire.tracked_at.ends_with("+05:30"), || format!("the wire's offset differs: {}", wire.tracked_at))?;
    check(rows.iter().all(|r| r.first().is_some_and(|t| t.ends_with("+05:30"))), || "every row in +05:30".into())
}

pub async fn home_search_and_page_past_the_end(rig: &Rig, client: &Client) -> TestResult {
    let (ip, count) = busiest(rig);
    client.goto(&rig.url("/")).await.map_err(|e| e.to_string())?;
    let input =
        eventually("the home search box", || async { client.find(Locator::Css("#home-search")).await.ok() }).await?;
    input.send_keys(&format!("{ip}\n")).await.map_err(|e| e.to_string())?;
    assert_page(rig, client, ip, count, 1).await?;
    let prev = client.find_all(Locator::Css(".pager a[rel=prev]")).await.map_err(|e| e.to_string())?;
    check(prev.is_empty(), || "no previous link on page 1".into())?;

    let past = pages(count) + 5;
    client.goto(&rig.url(&format!("/ip/{ip}?page={past}"))).await.map_err(|e| e.to_string())?;
    wait_for_text(client, ".past-end", "past the end of the results").await?;
    let last = client.find(Locator::Css(".past-end a")).await.map_err(|e| e.to_string())?;
    last.click().await.map_err(|e| e.to_string())?;
    wait_for_text(client, ".pager-position", &format!("Page {} of", thousands(pages(count) as u64))).await?;
    let next = client.find_all(Locator::Css(".pager a[rel=next]")).await.map_err(|e| e.to_string())?;
    check(next.is_empty(), || "no next link on the last page".into())?;

    // The other reading of a page past the end, a 422: the vendor's code and message are shown.
    let strict = rig.sandbox.profiles.current().strict;
    let _profile = rig.sandbox.profiles.switch(auditdeck_sandbox::Profile {
        idme_past_end: auditdeck_sandbox::profile::PastEnd::Unprocessable,
        strict,
        ..Default::default()
    });
    client.goto(&rig.url(&format!("/ip/{ip}?page={past}"))).await.map_err(|e| e.to_string())?;
    wait_for_text(client, ".source-idme .error-box", "422 invalid or missing input parameters (code 422)").await?;
    wait_for_text(client, ".source-idme .error-box", &format!("page {past} is out of range")).await?;
    Ok(())
}

pub async fn leaving_the_page_aborts_the_request_in_flight(rig: &Rig, client: &Client) -> TestResult {
    use std::sync::atomic::Ordering;
    use_idme_connection(rig, client, crate::harness::SLOW_UPSTREAM_ID).await?;
    // This upstream wants the browser's secret: any value will do, it answers everything.
    type_into(client, "#idme-secret", "anything").await?;

    // Search from within the app (the secret is in memory), then leave while it is in flight.
    let before = (rig.slow.started.load(Ordering::SeqCst), rig.slow.dropped_early.load(Ordering::SeqCst));
    search_in_app(client, "152.133.18.33").await?;
    eventually("the slow search to reach the upstream", || async {
        (rig.slow.started.load(Ordering::SeqCst) > before.0).then_some(())
    })
    .await?;
    wait_for_text(client, ".loading", "Loading ID.me").await?;
    let left_at = std::time::Instant::now();
    click(client, ".app-nav a[href='/settings']").await?;
    eventually("the upstream request to be dropped", || async {
        (rig.slow.dropped_early.load(Ordering::SeqCst) > before.1).then_some(())
    })
    .await?;
    check(left_at.elapsed() < crate::harness::SLOW_UPSTREAM_DELAY, || "dropped only after the upstream answered".into())
}

/// An IP with events in both ID.me and Iden (as an actor IP), and its Iden event ids, newest first.
pub fn ip_in_idme_and_iden(rig: &Rig) -> Option<(IpAddr, Vec<String>)> {
    use auditdeck_sandbox::dataset::format_uuid;
    let mut counts = std::collections::HashMap::<u32, usize>::new();
    for e in &rig.data.iden {
        if let Some(ip) = e.actor_ip {
            *counts.entry(ip).or_default() += 1;
        }
    }
    let mut candidates: Vec<(u32, usize)> = counts.into_iter().filter(|(_, n)| (3..=50).contains(n)).collect();
    candidates.sort();
    let (index, _) =
        candidates.into_iter().find(|(ip, _)| !rig.data.idme_events_for_ip(&rig.data.ips[*ip as usize]).is_empty())?;
    let mut events: Vec<_> = rig.data.iden.iter().filter(|e| e.actor_ip == Some(index)).collect();
    events.sort_by_key(|e| std::cmp::Reverse((e.occurred_ms, e.seq)));
    Some((rig.data.ips[index as usize], events.into_iter().map(|e| format_uuid(e.event_id)).collect()))
}

pub async fn iden_source_switch_adds_actor_ip_rows_and_back_removes_them(rig: &Rig, client: &Client) -> TestResult {
    let (ip, iden_ids) = ip_in_idme_and_iden(rig).ok_or("no IP in both ID.me and Iden")?;
    client.goto(&rig.url(&format!("/ip/{ip}"))).await.map_err(|e| e.to_string())?;
    crate::harness::settled_rows(client, ".source-idme", "ID.me rows", |_| true).await?;
    click(client, "#source-iden").await?;
    crate::harness::wait_for_path(client, &format!("/ip/{ip}?sources=idme,iden")).await?;
    crate::harness::settled_rows(client, ".source-iden", "Iden rows for the IP", |ids| ids == iden_ids).await?;

    client.back().await.map_err(|e| e.to_string())?;
    crate::harness::wait_for_path(client, &format!("/ip/{ip}")).await?;
    eventually("the Iden section to go", || async {
        client.find_all(Locator::Css(".source-iden")).await.ok()?.is_empty().then_some(())
    })
    .await?;
    crate::harness::settled_rows(client, ".source-idme", "ID.me rows stay", |_| true).await?;
    Ok(())
}
