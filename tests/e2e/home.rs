//! The home search box routes each kind of search, and remembers them in this browser.

use auditdeck_sandbox::dataset::format_uuid;
use fantoccini::{Client, Locator};

use crate::harness::{Rig, TestResult, check, click, type_into, wait_for_path, wait_for_text};

pub async fn search_box_routes_uuid_type_and_severity_and_remembers(rig: &Rig, client: &Client) -> TestResult {
    let uuid = format_uuid(rig.data.people[0].uuid_value());
    let searches = [
        (uuid.to_uppercase(), format!("/users/{uuid}")),
        ("severity:high".to_string(), "/severity?severity=high".to_string()),
        ("session.login.failed".to_string(), "/severity?type=session.login.failed".to_string()),
        ("risk_signal_raised".to_string(), "/identity-events?types=risk_signal_raised".to_string()),
    ];
    client.goto(&rig.url("/")).await.map_err(|e| e.to_string())?;
    for (text, path) in &searches {
        click(client, ".app-nav a[href='/']").await?;
        type_into(client, "#home-search", &format!("{text}\n")).await?;
        wait_for_path(client, path).await?;
    }
    click(client, ".app-nav a[href='/']").await?;
    type_into(client, "#home-search", "someone\n").await?;
    wait_for_text(client, "#home-search-error", "not an IP address, a user UUID").await?;

    // Recent searches survive a reload (localStorage) and are real links, newest first.
    client.refresh().await.map_err(|e| e.to_string())?;
    let list = wait_for_text(client, ".recent-searches", "severity:high").await?;
    let links = client.find_all(Locator::Css(".recent-searches a")).await.map_err(|e| e.to_string())?;
    let mut hrefs = Vec::new();
    for link in links {
        hrefs.push(link.attr("href").await.map_err(|e| e.to_string())?.unwrap_or_default());
    }
    let expected: Vec<String> = searches.iter().rev().map(|(_, path)| path.clone()).collect();
    check(hrefs == expected, || format!("recent searches {hrefs:?} ({list:?})"))?;
    click(client, ".recent-searches li:nth-child(4) a").await?;
    wait_for_path(client, &format!("/users/{uuid}")).await
}
