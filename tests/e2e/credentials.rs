//! Where a secret typed in Settings goes: into the vendor request's header, and nowhere else
//! (no URL the app shows or requests, no history entry, no localStorage, no console message, no
//! export); into this tab's sessionStorage only when the user ticks "remember".

use auditdeck_sandbox::iden::SANDBOX_KEY;
use fantoccini::Client;

use crate::harness::{
    Rig, TestResult, check, click, console_messages, eventually, settled_rows, type_into, wait_for_text,
};

async fn script(client: &Client, js: &str) -> Result<String, String> {
    let value = client.execute(js, vec![]).await.map_err(|e| e.to_string())?;
    Ok(value.as_str().map(String::from).unwrap_or_else(|| value.to_string()))
}

/// Every place the page keeps text a user or a script could read back, with where it is.
async fn places(rig: &Rig, client: &Client) -> Result<Vec<(&'static str, String)>, String> {
    Ok(vec![
        ("the URL", script(client, "return window.location.href;").await?),
        ("localStorage", script(client, "return JSON.stringify(Object.entries(window.localStorage));").await?),
        (
            "the requests' URLs",
            script(client, "return performance.getEntriesByType('resource').map(e => e.name).join('\\n');").await?,
        ),
        (
            "the links",
            script(client, "return [...document.querySelectorAll('a')].map(a => a.href).join('\\n');").await?,
        ),
        ("the console", console_messages(rig, client).await?.join("\n")),
    ])
}

async fn none_holds(rig: &Rig, client: &Client, secret: &str, step: &str) -> TestResult {
    for (place, text) in places(rig, client).await? {
        check(!text.contains(secret), || format!("{step}: the secret is in {place}: {text}"))?;
    }
    Ok(())
}

pub async fn a_typed_secret_stays_out_of_urls_storage_console_and_exports(rig: &Rig, client: &Client) -> TestResult {
    let secret = SANDBOX_KEY;
    client.goto(&rig.url("/settings")).await.map_err(|e| e.to_string())?;
    type_into(client, "#iden-secret", &format!("{secret}\t")).await?;
    click(client, "#iden-test").await?;
    wait_for_text(client, "#iden-test-result .success", "Connected").await?;
    none_holds(rig, client, secret, "after the connection test").await?;

    // In-app navigation keeps the secret in memory: a view, a pivot, back, an export.
    click(client, ".app-nav a[href='/severity']").await?;
    let rows = settled_rows(client, ".source-iden", "Iden rows with the typed key", |ids| ids.len() == 50).await?;
    click(client, &format!(".source-iden tr[data-id='{}'] a.event-type-link", rows[0])).await?;
    wait_for_text(client, "h1", "").await?;
    client.back().await.map_err(|e| e.to_string())?;
    settled_rows(client, ".source-iden", "the rows again", |ids| ids.len() == 50).await?;
    click(client, ".export-tools .export-ndjson").await?;
    for link in [".export-tools a.export-file", ".export-tools a.export-manifest"] {
        let text = crate::export::download(client, link).await?;
        check(text.len() > 100, || format!("{link} downloads {text:?}"))?;
        check(!text.contains(secret), || "the secret is in an export".into())?;
    }
    // The history entries this tab made.
    let entries = script(client, "return String(history.length);").await?;
    for _ in 1..entries.parse::<usize>().unwrap_or(1) {
        let at = script(client, "return window.location.href;").await?;
        check(!at.contains(secret), || format!("a history entry holds the secret: {at}"))?;
        client.back().await.map_err(|e| e.to_string())?;
    }
    none_holds(rig, client, secret, "after viewing, pivoting and exporting").await?;
    check(!script(client, "return JSON.stringify(Object.entries(sessionStorage));").await?.contains(secret), || {
        "the secret is in sessionStorage without the opt-in".into()
    })?;

    // Opted in: in this tab's sessionStorage, and still nowhere else.
    client.goto(&rig.url("/settings")).await.map_err(|e| e.to_string())?;
    type_into(client, "#iden-secret", &format!("{secret}\t")).await?;
    click(client, "#iden-remember").await?;
    let session = script(client, "return JSON.stringify(Object.entries(sessionStorage));").await?;
    check(session.contains(secret), || format!("remembered in this tab: sessionStorage is {session}"))?;
    none_holds(rig, client, secret, "after opting in").await?;
    // The choice is kept with the preferences (localStorage) and read back when the app starts:
    // after a reload, the tab still has the secret and the box is still ticked.
    client.refresh().await.map_err(|e| e.to_string())?;
    let field = "const f = document.querySelector('#iden-secret'), r = document.querySelector('#iden-remember'); \
                 return f && r ? JSON.stringify([f.value, r.checked]) : '';";
    let expected = format!(r#"["{secret}",true]"#);
    eventually("the remembered secret and its ticked box after a reload", || async {
        script(client, field).await.ok().filter(|now| *now == expected)
    })
    .await?;
    none_holds(rig, client, secret, "after a reload").await?;
    // The instrument itself: a secret printed to the console is caught.
    script(client, &format!("console.log('probe {secret}'); return '';")).await?;
    check(none_holds(rig, client, secret, "probe").await.is_err(), || "the console check sees nothing".into())
}
