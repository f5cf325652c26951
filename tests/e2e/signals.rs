//! Pushed security signals in the browser: the sandbox transmitter pushes SETs to the gateway
//! over HTTP, as a real transmitter would; the page shows them live, leads to the person's
//! timeline, never shows a refused SET, and still has them after the gateway restarts.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use auditdeck_server::GatewayOptions;
use auditdeck_server::sandbox::ssf::{EventKind, PushKind};
use fantoccini::{Client, Locator};

use crate::harness::{
    Rig, TestResult, check, click, eventually, page_value, signals_database, wait_for_path, wait_for_text,
};

/// People the scenarios push about, one each, so one scenario's signals never satisfy another's.
const LIVE_PERSON: usize = 11;
const TIMELINE_PERSON: usize = 12;
const REFUSED_PERSON: usize = 13;
const RESTART_PERSON: usize = 14;

fn dashed(uuid: &str) -> String {
    format!("{}-{}-{}-{}-{}", &uuid[..8], &uuid[8..12], &uuid[12..16], &uuid[16..20], &uuid[20..])
}

/// The whole table's text, the closed claims included (what a person finds by opening them).
async fn table_text(client: &Client) -> Result<String, String> {
    page_value(client, "return document.querySelector('.signals-table')?.textContent ?? ''").await
}

/// Opens `/signals` and waits until its live stream is open.
async fn open_live(rig: &Rig, client: &Client, path: &str) -> TestResult {
    client.goto(&rig.url(path)).await.map_err(|e| e.to_string())?;
    wait_for_text(client, ".live-state", "Live:").await.map(|_| ())
}

async fn push(
    rig: &Rig,
    kind: PushKind,
    event: EventKind,
    person: usize,
) -> Result<auditdeck_server::sandbox::ssf::Made, String> {
    let (status, body, made) = rig.sandbox.ssf.push(kind, event, person).await?;
    let expected = if kind == PushKind::Good { 202 } else { 400 };
    check(status == expected, || format!("the gateway answered {status} {body} to a {kind:?} push"))?;
    Ok(made)
}

pub async fn a_pushed_signal_appears_live_without_reload(rig: &Rig, client: &Client) -> TestResult {
    open_live(rig, client, "/signals").await?;
    // Gone if the page reloads.
    client.execute("window.__stillTheSamePage = true; return null;", vec![]).await.map_err(|e| e.to_string())?;
    let made = push(rig, PushKind::Good, EventKind::AccountPurged, LIVE_PERSON).await?;
    let pushed = Instant::now();
    // The bound: on screen within 2 s of the push.
    let row = "tr.signal-new[data-id] .signal-subjects";
    let shown = loop {
        let text = client.find(Locator::Css(row)).await.ok();
        let text = match text {
            Some(element) => element.text().await.unwrap_or_default(),
            None => String::new(),
        };
        if text.contains(&made.person) {
            break true;
        }
        if pushed.elapsed() > Duration::from_secs(2) {
            break false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    check(shown, || format!("the signal about {} was not highlighted within 2 s of the push", made.person))?;
    let first = client.find(Locator::Css(".signals-table tbody tr")).await.map_err(|e| e.to_string())?;
    let first_text = first.text().await.map_err(|e| e.to_string())?;
    check(first_text.contains("account-purged") && first_text.contains("critical"), || {
        format!("the newest row should be the critical account-purged signal: {first_text:?}")
    })?;
    let same: bool = page_value(client, "return window.__stillTheSamePage === true").await?;
    check(same, || "the page reloaded to show the signal".into())?;
    let text = table_text(client).await?;
    check(text.contains(&made.jti), || format!("the row's claims should name jti {}", made.jti))
}

pub async fn a_signal_leads_to_the_persons_timeline(rig: &Rig, client: &Client) -> TestResult {
    let made = push(rig, PushKind::Good, EventKind::AccountDisabled, TIMELINE_PERSON).await?;
    client.goto(&rig.url(&format!("/signals?subject={}", made.person))).await.map_err(|e| e.to_string())?;
    wait_for_text(client, ".signals-table tbody tr", "account-disabled").await?;
    // The signal names the ID.me event behind it: a link to the Events API lookup.
    let event_id = made.event_id.clone().ok_or("the sandbox's account-disabled signal names an ID.me event")?;
    let lookup = client
        .find(Locator::Css(".signal-event-link"))
        .await
        .map_err(|e| e.to_string())?
        .attr("href")
        .await
        .map_err(|e| e.to_string())?;
    check(lookup.as_deref() == Some(format!("/events/{event_id}").as_str()), || format!("Events API link {lookup:?}"))?;
    click(client, ".signal-timeline").await?;
    wait_for_path(client, &format!("/users/{}", dashed(&made.person))).await?;
    // The person's audit events, which the sandbox's other vendors hold.
    eventually("the person's timeline rows", || async {
        let rows = client.find_all(Locator::Css(".timeline .entry, table.events tbody tr")).await.ok()?;
        (!rows.is_empty()).then_some(())
    })
    .await
}

pub async fn a_refused_set_never_shows(rig: &Rig, client: &Client) -> TestResult {
    open_live(rig, client, "/signals").await?;
    let refused = push(rig, PushKind::BadSignature, EventKind::CredentialCompromise, REFUSED_PERSON).await?;
    let expired = push(rig, PushKind::Expired, EventKind::CredentialCompromise, REFUSED_PERSON).await?;
    let unknown = push(rig, PushKind::UnknownKid, EventKind::CredentialCompromise, REFUSED_PERSON).await?;
    // A good one after them: once it shows, anything pushed before it would have too.
    let good = push(rig, PushKind::Good, EventKind::RecoveryActivated, REFUSED_PERSON + 100).await?;
    eventually("the good signal", || async {
        table_text(client).await.ok().filter(|t| t.contains(&good.jti)).map(|_| ())
    })
    .await?;
    let text = table_text(client).await?;
    for made in [&refused, &expired, &unknown] {
        check(!text.contains(&made.jti), || format!("refused SET {} is shown", made.jti))?;
    }
    client.goto(&rig.url(&format!("/signals?subject={}", refused.person))).await.map_err(|e| e.to_string())?;
    wait_for_text(client, ".empty-state", "No signals match").await.map(|_| ())
}

pub async fn signals_survive_a_gateway_restart(rig: &Rig, client: &Client) -> TestResult {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dist = std::env::var_os("AUDITDECK_DIST").map(PathBuf::from).unwrap_or_else(|| manifest_dir.join("dist"));
    let database = signals_database("restart");
    let start = |listener: tokio::net::TcpListener| {
        let dist = dist.clone();
        let database = database.clone();
        async move {
            let addr = listener.local_addr().map_err(|e| e.to_string())?;
            let config = toml::from_str(&format!(
                "[signals]\ndatabase = \"{}\"\n\n[signals.sandbox]\norigin = \"http://{addr}\"\n",
                database.display()
            ))
            .map_err(|e: toml::de::Error| e.to_string())?;
            let gateway = auditdeck_server::build(
                GatewayOptions { dist, config, bind: [127, 0, 0, 1].into() },
                rig.data.clone(),
                |_| None,
            )?;
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let served =
                tokio::spawn(auditdeck_server::serve::serve(listener, gateway.router, gateway.client_limits, async {
                    let _ = stopped.await;
                }));
            Ok::<_, String>((addr, gateway.sandbox, stop, served))
        }
    };
    let first = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let (_, sandbox, stop, served) = start(first).await?;
    let (status, body, made) =
        sandbox.ssf.push(PushKind::Good, EventKind::RecoveryInformationChanged, RESTART_PERSON).await?;
    check(status == 202, || format!("the first gateway answered {status} {body}"))?;
    let _ = stop.send(());
    let _ = served.await;
    let second = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let (addr, _, stop, _) = start(second).await?;
    client.goto(&format!("http://{addr}/signals")).await.map_err(|e| e.to_string())?;
    let shown = wait_for_text(client, ".signals-table tbody", "recovery-information-changed").await;
    let text = table_text(client).await.unwrap_or_default();
    let _ = stop.send(());
    shown?;
    check(text.contains(&made.jti) && text.contains(&made.person), || {
        format!("the restarted gateway should show signal {} about {}", made.jti, made.person)
    })
}
