//! Keyboard shortcuts and the theme switch, as a user meets them.

use fantoccini::key::Key;
use fantoccini::{Client, Locator};

use crate::harness::{Rig, TestResult, check, click, eventually, settled_rows, wait_for_path, wait_for_text};

const IDME: &str = ".source-idme";

async fn press(client: &Client, keys: &str) -> TestResult {
    let active = client.active_element().await.map_err(|e| e.to_string())?;
    active.send_keys(keys).await.map_err(|e| e.to_string())
}

async fn focused(client: &Client) -> Result<(String, String), String> {
    crate::harness::page_value(
        client,
        "const a = document.activeElement; return [a.id || '', a.getAttribute('data-id') || ''];",
    )
    .await
}

pub async fn shortcuts_move_through_rows_and_open_them(rig: &Rig, client: &Client) -> TestResult {
    let (ip, _) = rig.data.busiest_ips(1)[0];
    let view = format!("/ip/{ip}");
    client.goto(&rig.url(&view)).await.map_err(|e| e.to_string())?;
    let ids = settled_rows(client, IDME, "the rows", |ids| ids.len() > 3).await?;
    click(client, "h1").await?;
    press(client, "/").await?;
    check(focused(client).await?.0 == "ip-input", || "/ focuses the search".into())?;
    press(client, "j").await?;
    check(
        client.find(Locator::Css("#ip-input")).await.map_err(|e| e.to_string())?.prop("value").await.ok().flatten()
            == Some(format!("{ip}j")),
        || "a key typed into a field is text, not a shortcut".into(),
    )?;
    click(client, "h1").await?;
    // The first j focuses the first row.
    press(client, "jjjk").await?;
    check(focused(client).await?.1 == ids[1], || "j j j k lands on the second row".into())?;
    press(client, &Key::Enter.to_string()).await?;
    wait_for_path(client, &format!("{view}?event={}", ids[1])).await?;
    // With the panel open, j follows with the next row's detail.
    press(client, "j").await?;
    wait_for_path(client, &format!("{view}?event={}", ids[2])).await?;
    eventually("the panel on the third row", || async {
        client.find(Locator::Css(&format!(".detail-panel .event-detail[data-id='{}']", ids[2]))).await.ok()
    })
    .await?;
    press(client, &Key::Escape.to_string()).await?;
    wait_for_path(client, &view).await?;
    press(client, "?").await?;
    wait_for_text(client, ".shortcuts-help", "Next row").await?;
    press(client, &Key::Escape.to_string()).await?;
    eventually("the list to close", || async {
        client.find_all(Locator::Css(".shortcuts-help")).await.ok().filter(|l| l.is_empty())
    })
    .await?;
    Ok(())
}

pub async fn theme_switch_is_kept_across_reloads(rig: &Rig, client: &Client) -> TestResult {
    client.goto(&rig.url("/")).await.map_err(|e| e.to_string())?;
    let theme = || async {
        let value = client
            .execute(
                "return [document.documentElement.getAttribute('data-theme') || 'system', getComputedStyle(document.body).backgroundColor];",
                vec![],
            )
            .await
            .ok()?;
        serde_json::from_value::<(String, String)>(value).ok()
    };
    click(client, ".theme-switch").await?;
    let light = eventually("the light theme", || async { theme().await.filter(|(t, _)| t == "light") }).await?;
    click(client, ".theme-switch").await?;
    let dark = eventually("the dark theme", || async { theme().await.filter(|(t, _)| t == "dark") }).await?;
    check(light.1 != dark.1, || format!("the background changes: {} vs {}", light.1, dark.1))?;
    check(dark.1 == "rgb(17, 20, 24)", || format!("dark background {}", dark.1))?;
    client.refresh().await.map_err(|e| e.to_string())?;
    eventually("dark after a reload", || async { theme().await.filter(|(t, bg)| t == "dark" && *bg == dark.1) })
        .await?;
    wait_for_text(client, ".theme-switch", "Theme: dark").await?;
    Ok(())
}
