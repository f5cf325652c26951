//! Settings for all three providers against the built-in sandbox.

use fantoccini::Client;

use crate::harness::{Rig, TestResult, check, click, type_into, wait_for_text};

pub async fn every_provider_connects_and_a_wrong_key_shows_the_vendor_message(
    rig: &Rig,
    client: &Client,
) -> TestResult {
    client.goto(&rig.url("/settings")).await.map_err(|e| e.to_string())?;
    // Out of the box: every provider's built-in sandbox answers.
    for (key, answer) in [
        ("idme", "a search for 192.0.2.1 found"),
        ("standfast", "workspace 6f1c2a4e-8b1d-4c55-9a51-0c7f2d9e4a10 answered"),
        ("iden", "organisation auditdeck-sandbox answered"),
    ] {
        click(client, &format!("#{key}-test")).await?;
        let text =
            wait_for_text(client, &format!("#{key}-test-result .success"), "Connected to Built-in sandbox").await?;
        check(text.contains(answer), || format!("{key}: {text}"))?;
        wait_for_text(client, &format!("#connection-{key}"), "✓").await?;
    }
    // Another workspace, typed by the user, is used by the next request.
    type_into(client, "#standfast-workspace", "a3e5b7c9-1d2f-4e6a-8b0c-2d4f6a8c0e12\t").await?;
    click(client, "#standfast-test").await?;
    wait_for_text(client, "#standfast-test-result .success", "workspace a3e5b7c9-1d2f-4e6a-8b0c-2d4f6a8c0e12").await?;

    // A wrong key: each vendor's own status and message.
    for (key, status, message) in
        [("standfast", "403", "API key is not valid for this workspace"), ("iden", "403", "Invalid API key.")]
    {
        type_into(client, &format!("#{key}-secret"), "not-the-key").await?;
        click(client, &format!("#{key}-test")).await?;
        let text = wait_for_text(client, &format!("#{key}-test-result .error-box"), message).await?;
        check(text.starts_with(status), || format!("{key}: {text}"))?;
        wait_for_text(client, &format!("#connection-{key}"), "✕").await?;
    }
    // Secrets typed here are in memory only: nothing in localStorage holds them.
    let stored = client
        .execute("return JSON.stringify(Object.assign({}, window.localStorage));", vec![])
        .await
        .map_err(|e| e.to_string())?;
    let stored = stored.as_str().unwrap_or_default().to_string();
    check(!stored.contains("not-the-key"), || format!("a secret reached localStorage: {stored}"))
}
