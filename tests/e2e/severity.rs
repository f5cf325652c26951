//! The severity view (Iden) as a user meets it; expected rows come from the sandbox's data.

use std::time::Duration;

use auditdeck_sandbox::Profile;
use auditdeck_sandbox::dataset::format_uuid;
use auditdeck_sandbox::iden::data::{EVENT_TYPES, category, severity};
use auditdeck_sandbox::profile::RetryAfter;
use fantoccini::{Client, Locator};

use crate::harness::{
    Rig, TestResult, check, click, column, current_path, eventually, requests_once_idle, row_ids, settled_rows,
    type_into, wait_for_path, wait_for_text,
};

const IDEN: &str = ".source-iden";

/// The ids of the newest `n` Iden events passing `keep`, newest first, as the sandbox serves them.
fn expected(rig: &Rig, n: usize, keep: impl Fn(&str) -> bool) -> Vec<String> {
    let mut events: Vec<_> = rig.data.iden.iter().filter(|e| keep(EVENT_TYPES[e.kind as usize])).collect();
    events.sort_by_key(|e| std::cmp::Reverse((e.occurred_ms, e.seq)));
    events.into_iter().take(n).map(|e| format_uuid(e.event_id)).collect()
}

pub async fn deep_link_chip_back_and_reload(rig: &Rig, client: &Client) -> TestResult {
    let href = "/severity?severity=high,medium&category=authentication&limit=20";
    let want = expected(rig, 20, |t| matches!(severity(t), "high" | "medium") && category(t) == "authentication");
    client.goto(&rig.url(href)).await.map_err(|e| e.to_string())?;
    let first = settled_rows(client, IDEN, "the filtered rows", |ids| ids == want).await?;
    let severities = column(client, IDEN, 2).await?;
    check(severities.iter().all(|s| s.contains("high") || s.contains("medium")), || format!("{severities:?}"))?;

    // The same link after a reload: the same rows.
    client.refresh().await.map_err(|e| e.to_string())?;
    settled_rows(client, IDEN, "the same rows after reload", |ids| ids == first).await?;

    // A chip filters to its severity: one navigation, the URL says so, the rows follow.
    let want_high = expected(rig, 20, |t| severity(t) == "high" && category(t) == "authentication");
    // A row in both lists is kept, not redrawn: rows are keyed by event id.
    let kept = want.iter().find(|id| want_high.contains(id)).ok_or("no high row on both pages")?.clone();
    let kept_row =
        client.find(Locator::Css(&format!("{IDEN} tr[data-id='{kept}']"))).await.map_err(|e| e.to_string())?;
    click(client, ".severity-chips a[data-severity='high']").await?;
    wait_for_path(client, "/severity?severity=high&category=authentication&limit=20").await?;
    settled_rows(client, IDEN, "only high rows", |ids| ids == want_high).await?;
    let still = kept_row.attr("data-id").await.map_err(|e| format!("the row of {kept} was redrawn: {e}"))?;
    check(still.as_deref() == Some(kept.as_str()), || format!("kept row now shows {still:?}"))?;
    // The table stays, and its sort links follow the view the chip made.
    let sort_link = format!("{IDEN} th[data-column='type'] a.sort-link");
    let want_sort = "/severity?severity=high&category=authentication&limit=20&sort=type";
    eventually(&format!("{sort_link} to lead to {want_sort}"), || async {
        let link = client.find(Locator::Css(&sort_link)).await.ok()?;
        (link.attr("href").await.ok().flatten().as_deref() == Some(want_sort)).then_some(())
    })
    .await?;

    // The zone switch follows the view the chip made: "Local" keeps the chip's filter.
    click(client, ".zone-switch a:nth-of-type(2)").await?;
    wait_for_path(client, "/severity?severity=high&category=authentication&limit=20&tz=local").await?;
    settled_rows(client, IDEN, "the high rows in local time", |ids| ids == want_high).await?;
    client.back().await.map_err(|e| e.to_string())?;
    wait_for_path(client, "/severity?severity=high&category=authentication&limit=20").await?;

    // Back restores the previous filter and rows.
    client.back().await.map_err(|e| e.to_string())?;
    wait_for_path(client, href).await?;
    settled_rows(client, IDEN, "the rows before the chip", |ids| ids == first).await?;
    Ok(())
}

pub async fn pivots_lead_to_type_ip_and_user_views(rig: &Rig, client: &Client) -> TestResult {
    client.goto(&rig.url("/severity?severity=critical&limit=50")).await.map_err(|e| e.to_string())?;
    settled_rows(client, IDEN, "critical rows", |_| true).await?;
    // An event type pivots to the severity view filtered by that type.
    let link = client
        .find(Locator::Css(&format!("{IDEN} table.events tbody tr .event-type-link")))
        .await
        .map_err(|e| e.to_string())?;
    let event_type = link.text().await.map_err(|e| e.to_string())?;
    link.click().await.map_err(|e| e.to_string())?;
    wait_for_path(client, &format!("/severity?type={event_type}")).await?;
    let want = expected(rig, 50, |t| t == event_type);
    settled_rows(client, IDEN, "rows of that type", |ids| ids == want).await?;

    // An IP pivots to the IP search with Iden's actor_ip results beside ID.me's.
    let ip_link = eventually("a row with an IP", || async {
        client.find(Locator::Css(&format!("{IDEN} table.events tbody tr .ip-link"))).await.ok()
    })
    .await?;
    let ip = ip_link.text().await.map_err(|e| e.to_string())?;
    ip_link.click().await.map_err(|e| e.to_string())?;
    wait_for_path(client, &format!("/ip/{ip}?sources=idme,iden")).await?;
    settled_rows(client, IDEN, "Iden rows for that IP", |_| true).await?;
    let ips = column(client, IDEN, 3).await?;
    check(ips.iter().all(|shown| shown.starts_with(&ip)), || format!("every Iden row has actor IP {ip}: {ips:?}"))?;
    wait_for_text(client, "#idme-heading", &format!("ID.me events for {ip}")).await?;

    // A user UUID pivots to the timeline.
    let user = client
        .find(Locator::Css(&format!("{IDEN} table.events tbody tr .people a.uuid")))
        .await
        .map_err(|e| e.to_string())?;
    let uuid = user.text().await.map_err(|e| e.to_string())?;
    user.click().await.map_err(|e| e.to_string())?;
    wait_for_path(client, &format!("/users/{uuid}")).await?;
    wait_for_text(client, ".source-pagers", "Iden (as actor)").await?;
    Ok(())
}

pub async fn prefix_must_end_with_a_dot_before_sending(rig: &Rig, client: &Client) -> TestResult {
    client.goto(&rig.url("/severity?severity=low")).await.map_err(|e| e.to_string())?;
    settled_rows(client, IDEN, "low rows", |_| true).await?;
    crate::harness::open_filters(client).await?;
    let mode = client.find(Locator::Css("#type-mode")).await.map_err(|e| e.to_string())?;
    mode.select_by_value("prefix").await.map_err(|e| e.to_string())?;
    type_into(client, "#event-type", "session").await?;
    wait_for_text(client, ".filter-form .field-error", "must end with “.”").await?;
    click(client, ".filter-form button[type=submit]").await?;
    wait_for_text(client, "#filter-error", "must end with").await?;
    let path = current_path(client).await?;
    check(path == "/severity?severity=low", || format!("nothing was sent: {path}"))?;
    type_into(client, "#event-type", "session.").await?;
    click(client, ".filter-form button[type=submit]").await?;
    wait_for_path(client, "/severity?severity=low&prefix=session.").await?;
    let want = expected(rig, 50, |t| severity(t) == "low" && t.starts_with("session."));
    settled_rows(client, IDEN, "low session.* rows", |ids| ids == want).await?;
    Ok(())
}

/// Under both forms of `Retry-After` (seconds, HTTP-date), the wait counts down and the rows come.
pub async fn a_429_counts_down_then_shows_the_rows(rig: &Rig, client: &Client) -> TestResult {
    for form in [RetryAfter::Seconds, RetryAfter::HttpDate] {
        let _profile =
            rig.sandbox.profiles.switch(Profile { iden_retry_after: form, ..rig.sandbox.profiles.current() });
        counts_down_then_shows_the_rows(rig, client, form)
            .await
            .map_err(|e| format!("Retry-After as {form:?}: {e}"))?;
    }
    Ok(())
}

async fn counts_down_then_shows_the_rows(rig: &Rig, client: &Client, form: RetryAfter) -> TestResult {
    let want = expected(rig, 50, |t| severity(t) == "critical");
    // From the page's first request: a window started now would close early, or before the
    // page asks at all, when loading the page takes a while.
    let _throttle = rig.sandbox.iden.throttle_from_next_request(Duration::from_secs(4));
    client.goto(&rig.url("/severity?severity=critical")).await.map_err(|e| e.to_string())?;
    let waiting = wait_for_text(client, ".waiting", "Iden answered 429").await?;
    check(waiting.contains("Retrying in") && waiting.contains("Request was throttled"), || waiting.clone())?;
    let first = text_number(client, ".waiting .countdown").await?;
    // An HTTP-date names a whole second, so the wait it gives may be a second longer.
    let longest = if form == RetryAfter::HttpDate { 5 } else { 4 };
    check((1..=longest).contains(&first), || format!("countdown starts from Retry-After: {first}"))?;
    eventually("the countdown to go down", || async {
        let now = text_number(client, ".waiting .countdown").await.ok()?;
        (now < first).then_some(())
    })
    .await?;
    settled_rows(client, IDEN, "the rows after the wait", |ids| ids == want).await?;
    let left = client.find_all(Locator::Css(".waiting")).await.map_err(|e| e.to_string())?;
    check(left.is_empty(), || "the waiting notice is gone".into())?;
    let ids = row_ids(client, IDEN).await?;
    check(ids.len() == 50, || format!("{} rows", ids.len()))
}

/// Older and back with Newer through Iden's cursors, under both readings of the first page's
/// `previous_cursor`: the same pages, in the sandbox's order, each event once.
pub async fn cursor_walk_older_and_back_under_both_readings(rig: &Rig, client: &Client) -> TestResult {
    let want = expected(rig, 60, |t| severity(t) == "high");
    let pages: Vec<&[String]> = want.chunks(20).collect();
    for first_page_previous in [false, true] {
        let profile =
            Profile { iden_first_page_previous_cursor: first_page_previous, ..rig.sandbox.profiles.current() };
        let _profile = rig.sandbox.profiles.switch(profile);
        let reading = |e: String| format!("first-page previous_cursor {first_page_previous}: {e}");
        client.goto(&rig.url("/severity?severity=high&limit=20")).await.map_err(|e| e.to_string())?;
        settled_rows(client, IDEN, "page 1", |ids| ids == pages[0]).await.map_err(reading)?;
        for (n, page) in pages.iter().enumerate().skip(1) {
            click(client, &format!("{IDEN} .pager a[rel=next]")).await?;
            settled_rows(client, IDEN, &format!("page {}", n + 1), |ids| ids == *page).await.map_err(reading)?;
        }
        for (n, page) in pages.iter().enumerate().rev().skip(1) {
            click(client, &format!("{IDEN} .pager a[rel=prev]")).await?;
            settled_rows(client, IDEN, &format!("page {} again", n + 1), |ids| ids == *page).await.map_err(reading)?;
        }
        wait_for_text(client, &format!("{IDEN} .pager a[rel=first]"), "Newest").await.map_err(reading)?;
    }
    Ok(())
}

/// 429 after 429: the app retries a few times, then stops and says so, with a retry that works.
pub async fn repeated_429s_end_in_an_error_and_retry_works(rig: &Rig, client: &Client) -> TestResult {
    let mark = rig.sandbox.wire.received();
    let throttle = rig.sandbox.iden.throttle_next(10);
    client.goto(&rig.url("/severity?severity=high&limit=20")).await.map_err(|e| e.to_string())?;
    let shown = wait_for_text(client, ".source-iden .error-box", "429 rate limited").await?;
    check(shown.contains("Request was throttled"), || shown.clone())?;
    let asked = requests_once_idle(rig, client, mark).await?;
    // The first answer and three retries, then it stops.
    check(asked.len() == 4, || format!("{} requests: {asked:?}", asked.len()))?;
    drop(throttle);
    click(client, ".source-iden .error-box button").await?;
    let want = expected(rig, 20, |t| severity(t) == "high");
    settled_rows(client, IDEN, "the rows after retry", |ids| ids == want).await?;
    Ok(())
}

async fn text_number(client: &Client, css: &str) -> Result<u64, String> {
    let text =
        client.find(Locator::Css(css)).await.map_err(|e| e.to_string())?.text().await.map_err(|e| e.to_string())?;
    text.trim().parse().map_err(|_| format!("{css}: {text:?} is not a number"))
}

pub async fn derived_sources_join_where_their_api_can_filter(rig: &Rig, client: &Client) -> TestResult {
    let (ip, iden_ids) = crate::ip_search::ip_in_idme_and_iden(rig).ok_or("no IP in both ID.me and Iden")?;
    client
        .goto(&rig.url(&format!("/severity?actor_ip={ip}&sources=idme,standfast,iden")))
        .await
        .map_err(|e| e.to_string())?;
    settled_rows(client, IDEN, "Iden rows for the IP", |ids| ids == iden_ids).await?;
    // ID.me searches the IP; its severities are derived and marked so.
    settled_rows(client, ".source-idme", "ID.me rows for the IP", |_| true).await?;
    let severities = column(client, ".source-idme", 2).await?;
    check(severities.iter().all(|s| s.ends_with('*')), || format!("derived severities are marked: {severities:?}"))?;
    wait_for_text(client, ".source-idme .derived-note", "Severity is derived by Auditdeck").await?;
    // Standfast has no actor IP: it says so instead of showing unrelated events.
    wait_for_text(client, ".source-standfast .derived-note", "Standfast is not included").await?;
    let standfast_rows =
        client.find_all(Locator::Css(".source-standfast table.events")).await.map_err(|e| e.to_string())?;
    check(standfast_rows.is_empty(), || "no Standfast table".into())?;
    // The chips count every loaded row (a frame after the tables); a chip narrows the derived
    // rows too.
    let total: usize = iden_ids.len() + severities.len();
    wait_for_text(client, ".severity-chips", &format!("Counts of the {total} loaded rows")).await?;
    click(client, ".severity-chips a[data-severity='low']").await?;
    wait_for_path(client, &format!("/severity?severity=low&actor_ip={ip}&sources=idme,standfast,iden")).await?;
    eventually("only low ID.me rows", || async {
        let shown = column(client, ".source-idme", 2).await.ok()?;
        let empty = client.find_all(Locator::Css(".source-idme .empty")).await.ok()?;
        (shown.iter().all(|s| s.contains("low")) && (!shown.is_empty() || !empty.is_empty())).then_some(())
    })
    .await
}
