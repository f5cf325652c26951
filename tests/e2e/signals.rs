//! Pushed security signals in the browser: the sandbox transmitter pushes SETs to the gateway
//! over HTTP, as a real transmitter would; the page shows them live, leads to the person's
//! timeline, never shows a refused SET, and still has them after the gateway restarts.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use auditdeck_server::GatewayOptions;
use auditdeck_server::sandbox::ssf::{EventKind, PushKind};
use fantoccini::{Client, Locator};

use crate::harness::{
    Rig, TestResult, check, click, eventually, open_filters, page_value, signals_database, type_into, wait_for_path,
    wait_for_text,
};

/// People the scenarios push about, one each, so one scenario's signals never satisfy another's.
const LIVE_PERSON: usize = 11;
const TIMELINE_PERSON: usize = 12;
const REFUSED_PERSON: usize = 13;
const RESTART_PERSON: usize = 14;
const SEVERITY_PERSON: usize = 15;
const EXPORT_PERSON: usize = 16;

fn dashed(uuid: &str) -> String {
    format!("{}-{}-{}-{}-{}", &uuid[..8], &uuid[8..12], &uuid[12..16], &uuid[16..20], &uuid[20..])
}

/// The signals shown, by id (a signal's id is its `jti`).
async fn shown_ids(client: &Client) -> Result<Vec<String>, String> {
    page_value(client, "return [...document.querySelectorAll('.source-signals table.events tbody tr[data-id]')].map(r => r.dataset.id)").await
}

fn row_of(jti: &str) -> String {
    format!(".source-signals table.events tbody tr[data-id='{jti}']")
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
    // The bound: on screen, highlighted, within 2 s of the push.
    let new_row = format!("{}.live-new", row_of(&made.jti));
    let shown = loop {
        if client.find(Locator::Css(&new_row)).await.is_ok() {
            break true;
        }
        if pushed.elapsed() > Duration::from_secs(2) {
            break false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    check(shown, || format!("signal {} was not shown highlighted within 2 s of the push", made.jti))?;
    let text = client
        .find(Locator::Css(&row_of(&made.jti)))
        .await
        .map_err(|e| e.to_string())?
        .text()
        .await
        .map_err(|e| e.to_string())?;
    check(text.contains("account-purged") && text.contains("critical") && text.contains(&made.person), || {
        format!("the row should show the critical account-purged signal about {}: {text:?}", made.person)
    })?;
    let ids = shown_ids(client).await?;
    check(ids.first() == Some(&made.jti), || format!("the new signal should be first: {ids:?}"))?;
    let same: bool = page_value(client, "return window.__stillTheSamePage === true").await?;
    check(same, || "the page reloaded to show the signal".into())
}

pub async fn a_signal_leads_to_the_persons_timeline(rig: &Rig, client: &Client) -> TestResult {
    let made = push(rig, PushKind::Good, EventKind::AccountDisabled, TIMELINE_PERSON).await?;
    // Filtered from the page: the time zone links keep the filter.
    client.goto(&rig.url("/signals")).await.map_err(|e| e.to_string())?;
    open_filters(client).await?;
    type_into(client, "#signals-subject", &made.person).await?;
    click(client, "form.filter-form button[type='submit']").await?;
    let filtered = format!("/signals?subject={}", made.person);
    wait_for_path(client, &filtered).await?;
    let local = format!("{filtered}&tz=local");
    eventually(&format!("the Local link to lead to {local}"), || async {
        let link = client.find(Locator::Css(".zone-switch a:nth-of-type(2)")).await.ok()?;
        (link.attr("href").await.ok().flatten().as_deref() == Some(local.as_str())).then_some(())
    })
    .await?;
    click(client, &format!("{} td.source", row_of(&made.jti))).await?;
    // The detail panel: the verified claims, and the ID.me event the signal names.
    let event_id = made.event_id.clone().ok_or("the sandbox's account-disabled signal names an ID.me event")?;
    wait_for_text(client, ".event-detail .raw-json", &made.jti).await?;
    let lookup = client
        .find(Locator::Css(".event-detail .signal-event-link"))
        .await
        .map_err(|e| e.to_string())?
        .attr("href")
        .await
        .map_err(|e| e.to_string())?;
    check(lookup.as_deref() == Some(format!("/events/{event_id}").as_str()), || format!("Events API link {lookup:?}"))?;
    // The panel closed, the subject's link in the row leads to the timeline.
    client
        .active_element()
        .await
        .map_err(|e| e.to_string())?
        .send_keys(&fantoccini::key::Key::Escape.to_string())
        .await
        .map_err(|e| e.to_string())?;
    eventually("the detail panel to close", || async {
        client.find(Locator::Css(".event-detail")).await.is_err().then_some(())
    })
    .await?;
    click(client, &format!("{} td.people a", row_of(&made.jti))).await?;
    wait_for_path(client, &format!("/users/{}", dashed(&made.person))).await?;
    // The timeline lists the signal as one more source beside the person's audit events.
    eventually("the signal in the person's timeline", || async {
        let entry = client.find(Locator::Css(&format!(".timeline .entry[data-id='{}']", made.jti))).await.ok()?;
        let text = entry.text().await.ok()?;
        (text.contains("account-disabled") && text.contains("Signals")).then_some(())
    })
    .await?;
    let others = client.find_all(Locator::Css(".timeline .entry")).await.map_err(|e| e.to_string())?;
    check(others.len() > 1, || "the timeline should hold the person's audit events too".into())
}

pub async fn signals_join_the_severity_view(rig: &Rig, client: &Client) -> TestResult {
    let critical = push(rig, PushKind::Good, EventKind::CredentialCompromise, SEVERITY_PERSON).await?;
    let low = push(rig, PushKind::Good, EventKind::AccountEnabled, SEVERITY_PERSON).await?;
    let uuid = dashed(&critical.person);
    client
        .goto(&rig.url(&format!("/severity?severity=critical&subject={uuid}&sources=iden,signals")))
        .await
        .map_err(|e| e.to_string())?;
    wait_for_text(client, ".source-signals table.events tbody", "credential-compromise").await?;
    let ids = shown_ids(client).await?;
    check(ids.contains(&critical.jti) && !ids.contains(&low.jti), || {
        format!("critical only: {ids:?} should hold {} and not {}", critical.jti, low.jti)
    })
}

pub async fn a_refused_set_never_shows(rig: &Rig, client: &Client) -> TestResult {
    open_live(rig, client, "/signals").await?;
    let refused = push(rig, PushKind::BadSignature, EventKind::CredentialCompromise, REFUSED_PERSON).await?;
    let expired = push(rig, PushKind::Expired, EventKind::CredentialCompromise, REFUSED_PERSON).await?;
    let unknown = push(rig, PushKind::UnknownKid, EventKind::CredentialCompromise, REFUSED_PERSON).await?;
    // A good one after them: once it shows, anything pushed before it would have too.
    let good = push(rig, PushKind::Good, EventKind::RecoveryActivated, REFUSED_PERSON + 100).await?;
    eventually("the good signal", || async { client.find(Locator::Css(&row_of(&good.jti))).await.ok() }).await?;
    let ids = shown_ids(client).await?;
    for made in [&refused, &expired, &unknown] {
        check(!ids.contains(&made.jti), || format!("refused SET {} is shown", made.jti))?;
    }
    client.goto(&rig.url(&format!("/signals?subject={}", refused.person))).await.map_err(|e| e.to_string())?;
    wait_for_text(client, ".source-signals .empty", "No signals match").await.map(|_| ())
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
    let shown = wait_for_text(client, &row_of(&made.jti), "recovery-information-changed").await;
    let _ = stop.send(());
    let text = shown?;
    check(text.contains(&made.person), || {
        format!("the restarted gateway should show signal {} about {}: {text:?}", made.jti, made.person)
    })
}

pub async fn signals_export_like_the_other_views(rig: &Rig, client: &Client) -> TestResult {
    use sha2::{Digest, Sha256};
    let older = push(rig, PushKind::Good, EventKind::RecoveryActivated, EXPORT_PERSON).await?;
    let newer = push(rig, PushKind::Good, EventKind::SessionRevoked, EXPORT_PERSON).await?;
    let view = format!("/signals?subject={}", newer.person);
    client.goto(&rig.url(&view)).await.map_err(|e| e.to_string())?;
    let want = vec![newer.jti.clone(), older.jti.clone()];
    eventually("both signals, newest first", || async { shown_ids(client).await.ok().filter(|ids| *ids == want) })
        .await?;
    click(client, ".export-tools .export-csv").await?;
    let csv_text = crate::export::download(client, ".export-tools a.export-file").await?;
    let manifest_text = crate::export::download(client, ".export-tools a.export-manifest").await?;
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    let at = |name: &str| headers.iter().position(|h| h == name).ok_or(format!("no {name} column"));
    let (id_at, type_at, source_at) = (at("id")?, at("event_type")?, at("source")?);
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().map_err(|e| e.to_string())?;
    let exported: Vec<(&str, &str, &str)> = rows.iter().map(|r| (&r[id_at], &r[type_at], &r[source_at])).collect();
    let expected =
        vec![(newer.jti.as_str(), "session-revoked", "Signals"), (older.jti.as_str(), "recovery-activated", "Signals")];
    check(exported == expected, || format!("exported {exported:?}, expected {expected:?}"))?;
    let manifest: serde_json::Value = serde_json::from_str(&manifest_text).map_err(|e| e.to_string())?;
    let sha: String = Sha256::digest(csv_text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    check(manifest["sha256"] == sha.as_str(), || format!("manifest sha {} vs file {sha}", manifest["sha256"]))?;
    check(manifest["view_url"] == rig.url(&view).as_str(), || format!("view_url {}", manifest["view_url"]))?;
    let requests = manifest["requests"].to_string();
    check(requests.contains(&format!("/signals.json?subject={}", newer.person)), || {
        format!("the manifest names the gateway request: {requests}")
    })
}
