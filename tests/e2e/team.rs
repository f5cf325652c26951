//! Auditdeck for a team: sign-in through a real OpenID provider (the certified `oidc-provider`
//! package, started here on 127.0.0.1), a ticket link that survives sign-in, a user outside the
//! connection's group, sign-out, and an expired session.
//!
//! Two gateways with sign-in share the provider: `team` (sessions of 8 hours) and `short`
//! (sessions of a few seconds, for expiry). Their one connection is the rig's ID.me sandbox,
//! proxied with the gateway's credential and open to the group `auditors`, so the rig's sandbox
//! counts what the vendor received.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use auditdeck_server::{GatewayConfig, GatewayOptions};
use fantoccini::{Client, Locator};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::harness::{Rig, TestResult, check, click, eventually, page_value, type_into, wait_for_path, wait_for_text};

const CLIENT_SECRET: &str = "auditdeck-e2e-client-secret";
pub const CONNECTION: &str = "idme-team";
const IDEN_CONNECTION: &str = "iden-team";
const SHORT_SESSION_SECS: u64 = 6;

pub struct Team {
    pub base: String,
    pub short_base: String,
}

static TEAM: tokio::sync::OnceCell<Team> = tokio::sync::OnceCell::const_new();
static PROVIDER: Mutex<Option<tokio::process::Child>> = Mutex::new(None);

/// The provider and both gateways, started on first use.
pub async fn team(rig: &Rig) -> Result<&'static Team, String> {
    TEAM.get_or_try_init(|| start(rig)).await
}

/// Stops the provider (main calls this after the last scenario).
pub fn stop() {
    if let Some(mut child) = PROVIDER.lock().ok().and_then(|mut p| p.take()) {
        let _ = child.start_kill();
    }
}

fn provider_module() -> Result<PathBuf, String> {
    let path = std::env::var_os("AUDITDECK_OIDC_PROVIDER").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("target/oidc-provider-9.13.3/node_modules/oidc-provider/lib/index.js")
    });
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!("{} is missing: `cargo xtask test` installs oidc-provider from the npm registry", path.display()))
    }
}

async fn start(rig: &Rig) -> Result<Team, String> {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dist = std::env::var_os("AUDITDECK_DIST").map(PathBuf::from).unwrap_or_else(|| manifest_dir.join("dist"));
    let team_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let short_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let base_of =
        |l: &tokio::net::TcpListener| l.local_addr().map(|a| format!("http://{a}")).map_err(|e| e.to_string());
    let (base, short_base) = (base_of(&team_listener)?, base_of(&short_listener)?);
    let issuer = start_provider(&manifest_dir, &[&base, &short_base]).await?;
    for (listener, public_url, lifetime, name) in
        [(team_listener, &base, 8 * 3600, "team"), (short_listener, &short_base, SHORT_SESSION_SECS, "short")]
    {
        let access_log = crate::harness::temporary(&format!("{name}-access.sqlite3"));
        let _ = std::fs::remove_file(&access_log);
        let config: GatewayConfig = toml::from_str(&format!(
            r#"
sandbox = false
public_url = "{public_url}"

[auth]
issuer = "{issuer}"
client_id = "auditdeck"
client_secret_env = "E2E_OIDC_SECRET"
scopes = ["openid", "email", "profile", "groups"]
admin_group = "auditdeck-admins"
session_lifetime_secs = {lifetime}

[access_log]
path = "{access_log}"

[[upstream]]
id = "{CONNECTION}"
provider = "idme"
label = "ID.me (team)"
base_url = "{sandbox}/sandbox/idme"
credential = {{ secret_env = "E2E_IDME_SECRET", scheme = "ID.me" }}
allow_groups = ["auditors"]

[[upstream]]
id = "{IDEN_CONNECTION}"
provider = "iden"
label = "Iden (team)"
base_url = "{sandbox}/sandbox/iden"
credential = {{ secret_env = "E2E_IDEN_KEY", scheme = "Api-Key", encode = "none" }}
org_slug = "{org}"
allow_groups = ["auditors"]
"#,
            org = auditdeck_server::sandbox::iden::ORG_SLUG,
            sandbox = rig.base,
            access_log = access_log.display(),
        ))
        .map_err(|e| e.to_string())?;
        let gateway = auditdeck_server::build(
            GatewayOptions { dist: dist.clone(), config, bind: [127, 0, 0, 1].into() },
            rig.data.clone(),
            |name| match name {
                "E2E_OIDC_SECRET" => Some(CLIENT_SECRET.into()),
                "E2E_IDME_SECRET" => Some(auditdeck_server::sandbox::idme::SANDBOX_SECRET.into()),
                "E2E_IDEN_KEY" => Some(auditdeck_server::sandbox::iden::SANDBOX_KEY.into()),
                _ => None,
            },
        )?;
        tokio::spawn(auditdeck_server::serve::serve(
            listener,
            gateway.router,
            gateway.client_limits,
            std::future::pending(),
        ));
    }
    Ok(Team { base, short_base })
}

/// Starts the provider and waits until it serves; returns its issuer.
async fn start_provider(manifest_dir: &std::path::Path, gateways: &[&str]) -> Result<String, String> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| e.to_string())?;
    let redirect_uris: Vec<String> = gateways.iter().map(|g| format!("{g}/auth/callback")).collect();
    let client = serde_json::json!({
        "client_id": "auditdeck",
        "client_secret": CLIENT_SECRET,
        "redirect_uris": redirect_uris,
    });
    let groups = serde_json::json!({
        "alice": ["auditors"],
        "ada": ["auditors", "auditdeck-admins"],
        "mallory": ["contractors"],
    });
    let mut child = tokio::process::Command::new("node")
        .arg(manifest_dir.join("tests/oidc/provider.mjs"))
        .env("OIDC_PROVIDER_MODULE", provider_module()?)
        .env("OIDC_PORT", port.to_string())
        .env("OIDC_CLIENT", client.to_string())
        .env("OIDC_GROUPS", groups.to_string())
        // The provider exits when this pipe closes: with these tests, however they end.
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        // Its warnings and any crash, for when a scenario fails.
        .stderr(provider_log(manifest_dir)?)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start node (the OpenID provider): {e}"))?;
    let stdout = child.stdout.take().ok_or("the provider has no stdout")?;
    if let Ok(mut slot) = PROVIDER.lock() {
        *slot = Some(child);
    }
    let mut lines = BufReader::new(stdout).lines();
    let listening = tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line.trim() == "listening" {
                return true;
            }
        }
        false
    })
    .await;
    if listening != Ok(true) {
        return Err("the OpenID provider did not start listening within 30 s".into());
    }
    // Keep reading what it prints: with the pipe closed, its next line would end it.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(format!("http://127.0.0.1:{port}"))
}

fn provider_log(manifest_dir: &std::path::Path) -> Result<Stdio, String> {
    let path = manifest_dir.join("target/e2e-oidc-provider.log");
    std::fs::File::create(&path).map(Stdio::from).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn busiest(rig: &Rig) -> IpAddr {
    rig.data.busiest_ips(1)[0].0
}

/// Signs in at the provider's own form as `login` (any password: its development sign-in).
pub async fn sign_in_at_provider(client: &Client, login: &str) -> TestResult {
    type_into(client, "input[name=login]", login).await?;
    type_into(client, "input[name=password]", "any password").await?;
    click(client, "button[type=submit]").await
}

/// The session cookie the browser holds for the gateways' host, if any.
async fn session_cookie(client: &Client) -> Result<Option<fantoccini::cookies::Cookie<'static>>, String> {
    let cookies = client.get_all_cookies().await.map_err(|e| e.to_string())?;
    Ok(cookies.into_iter().find(|c| c.name() == "auditdeck_session"))
}

/// The status `/config.json` answers the page now.
async fn config_status(client: &Client) -> Result<u16, String> {
    let script = "const done = arguments[arguments.length - 1];
        fetch('/config.json').then(r => done(r.status), e => done(0));";
    let value = client.execute_async(script, vec![]).await.map_err(|e| e.to_string())?;
    value.as_u64().map(|s| s as u16).ok_or_else(|| format!("no status: {value}"))
}

/// Waits until the page shows rows.
async fn rows_shown(client: &Client) -> TestResult {
    eventually("rows", || async {
        let rows = client.find_all(Locator::Css("main table tbody tr[data-id]")).await.ok()?;
        (!rows.is_empty()).then_some(())
    })
    .await
}

pub async fn sign_in_keeps_the_ticket_link(rig: &Rig, client: &Client) -> TestResult {
    let team = team(rig).await?;
    let link = format!("/ip/{}?page=2", busiest(rig));
    client.goto(&format!("{}{link}", team.base)).await.map_err(|e| e.to_string())?;
    // The provider's form, on the provider's own address.
    eventually("the provider's sign-in form", || async { client.find(Locator::Css("input[name=login]")).await.ok() })
        .await?;
    let at = client.current_url().await.map_err(|e| e.to_string())?;
    check(!at.as_str().starts_with(&team.base), || format!("signing in happens at the provider: {at}"))?;
    sign_in_at_provider(client, "alice").await?;
    wait_for_path(client, &link).await?;
    rows_shown(client).await?;
    wait_for_text(client, ".pager-position", "Page 2 of").await?;
    wait_for_text(client, "#signed-in", "alice@example.org").await?;
    let cookie = session_cookie(client).await?.ok_or("no session cookie")?;
    check(cookie.http_only() == Some(true), || "the session cookie is HttpOnly".into())?;
    let same_site = cookie.same_site().map(|s| format!("{s:?}"));
    check(same_site.as_deref() == Some("Lax"), || format!("the session cookie is SameSite=Lax: {same_site:?}"))?;
    let script_sees: String = page_value(client, "return document.cookie;").await?;
    check(!script_sees.contains("auditdeck_session"), || format!("scripts cannot read the session: {script_sees}"))
}

pub async fn a_user_outside_the_group_is_not_allowed(rig: &Rig, client: &Client) -> TestResult {
    let team = team(rig).await?;
    let before = rig.sandbox.request_count();
    let link = format!("/ip/{}?page=2", busiest(rig));
    client.goto(&format!("{}{link}", team.base)).await.map_err(|e| e.to_string())?;
    sign_in_at_provider(client, "mallory").await?;
    wait_for_path(client, &link).await?;
    let shown = wait_for_text(client, "#not-allowed", "Not allowed").await?;
    check(shown.contains("mallory@example.org"), || format!("says who is signed in: {shown}"))?;
    // The gateway's rule, not only the app's: a request made by hand is refused too.
    let script = "const done = arguments[arguments.length - 1];
        const form = new FormData(); form.append('ipaddress', arguments[0]);
        fetch('/upstream/idme-team/api/v1/events/search', { method: 'POST', body: form })
            .then(async r => done([r.status, await r.text()]), e => done([0, String(e)]));";
    let answer =
        client.execute_async(script, vec![busiest(rig).to_string().into()]).await.map_err(|e| e.to_string())?;
    let (status, body): (u16, String) = serde_json::from_value(answer).map_err(|e| e.to_string())?;
    check(status == 403 && body.contains("Not allowed"), || format!("{status}: {body}"))?;
    let after = rig.sandbox.request_count();
    check(after == before, || format!("the vendor received {} requests", after - before))
}

pub async fn sign_out_ends_the_session(rig: &Rig, client: &Client) -> TestResult {
    let team = team(rig).await?;
    client.goto(&format!("{}/", team.base)).await.map_err(|e| e.to_string())?;
    sign_in_at_provider(client, "alice").await?;
    wait_for_text(client, "#signed-in", "alice@example.org").await?;
    check(config_status(client).await? == 200, || "signed in".into())?;
    click(client, "#sign-out").await?;
    wait_for_text(client, "main h1", "You are signed out").await?;
    check(session_cookie(client).await?.is_none(), || "the session cookie is gone".into())?;
    let status = config_status(client).await?;
    check(status == 401, || format!("after sign-out /config.json answers {status}"))
}

pub async fn an_expired_session_signs_in_again_to_the_same_link(rig: &Rig, client: &Client) -> TestResult {
    let team = team(rig).await?;
    let link = format!("/ip/{}?page=2", busiest(rig));
    client.goto(&format!("{}{link}", team.short_base)).await.map_err(|e| e.to_string())?;
    sign_in_at_provider(client, "alice").await?;
    wait_for_path(client, &link).await?;
    let first = session_cookie(client).await?.ok_or("no session cookie")?.value().to_string();
    // Wait for the gateway to say the session is over (it lasts a few seconds).
    let deadline = Instant::now() + Duration::from_secs(SHORT_SESSION_SECS * 5);
    while config_status(client).await? != 401 {
        check(Instant::now() < deadline, || "the session never expired".into())?;
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // Opening the link again goes through sign-in (the provider still knows alice, so it
    // signs her in without its form) and lands on the same view with a new session.
    client.goto(&format!("{}{link}", team.short_base)).await.map_err(|e| e.to_string())?;
    wait_for_path(client, &link).await?;
    rows_shown(client).await?;
    let second = session_cookie(client).await?.ok_or("no session cookie after signing in again")?.value().to_string();
    check(second != first, || "a new session after sign-in".into())
}

/// A signed-in person's export comes with a manifest the gateway signed: `/verify` names who
/// exported it and when; one changed byte fails the file; a changed file with a re-hashed
/// manifest fails the signature.
pub async fn a_signed_export_verifies_and_edits_fail(rig: &Rig, client: &Client) -> TestResult {
    use crate::export::{choose_file, download, write_temp};
    use sha2::{Digest, Sha256};
    let team = team(rig).await?;
    let link = format!("/ip/{}", busiest(rig));
    client.goto(&format!("{}{link}", team.base)).await.map_err(|e| e.to_string())?;
    sign_in_at_provider(client, "alice").await?;
    wait_for_path(client, &link).await?;
    rows_shown(client).await?;
    click(client, ".export-tools .export-csv").await?;
    wait_for_text(client, ".export-tools a.export-manifest", "Download its signed manifest").await?;
    let csv_text = download(client, ".export-tools a.export-file").await?;
    let manifest_text = download(client, ".export-tools a.export-manifest").await?;
    let signed: serde_json::Value = serde_json::from_str(&manifest_text).map_err(|e| e.to_string())?;
    let sha = |bytes: &[u8]| Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect::<String>();
    check(signed["exported_by"]["email"] == "alice@example.org", || format!("exported_by {}", signed["exported_by"]))?;
    check(signed["manifest"]["sha256"] == sha(csv_text.as_bytes()).as_str(), || {
        "the signed manifest names the file".into()
    })?;
    check(signed["signature"].as_str().is_some_and(|s| s.len() == 88), || {
        format!("signature {}", signed["signature"])
    })?;

    let csv_path = write_temp("signed.csv", csv_text.as_bytes())?;
    let manifest_path = write_temp("signed.manifest.json", manifest_text.as_bytes())?;
    click(client, ".export-tools a[href='/verify']").await?;
    choose_file(client, "#verify-manifest", &manifest_path).await?;
    choose_file(client, "#verify-file", &csv_path).await?;
    wait_for_text(client, ".verdict.matches", "is unchanged since alice@example.org exported it on").await?;

    // One changed byte: the file is not the one described.
    let mut changed = csv_text.clone().into_bytes();
    let middle = changed.len() / 2;
    changed[middle] = if changed[middle] == b'0' { b'1' } else { b'0' };
    let changed_path = write_temp("signed-changed.csv", &changed)?;
    choose_file(client, "#verify-file", &changed_path).await?;
    wait_for_text(client, ".verdict.differs", "is not the file this manifest describes").await?;

    // The same change with the manifest re-hashed to match: the signature no longer holds.
    let mut rehashed = signed.clone();
    rehashed["manifest"]["sha256"] = sha(&changed).into();
    let rehashed_path = write_temp("signed-rehashed.manifest.json", rehashed.to_string().as_bytes())?;
    choose_file(client, "#verify-manifest", &rehashed_path).await?;
    let said = wait_for_text(client, ".verdict.differs", "The manifest's signature does not hold").await?;
    check(!said.contains("unchanged"), || said.clone())?;
    for path in [csv_path, manifest_path, changed_path, rehashed_path] {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

/// Makes `count` different Iden requests from the page, `first` onwards; returns the statuses
/// and the largest Retry-After.
const IDEN_BURST: &str = "
    const [connection, slug, first, count] = arguments;
    const done = arguments[arguments.length - 1];
    (async () => {
        const answers = await Promise.all(Array.from({ length: count }, (_, i) =>
            fetch(`/upstream/${connection}/org/${slug}/api/events/?limit=${first + i}`)
                .then(r => [r.status, Number(r.headers.get('retry-after') || 0)], () => [0, 0])));
        done(answers);
    })();
";

/// Two signed-in people on one Iden key: 150 requests within a minute reach the vendor at most
/// 60 times (the gateway answers the rest 429 with Retry-After), and each person's Iden view
/// still ends with its rows once the budget has room again.
pub async fn two_sessions_share_one_iden_budget(rig: &Rig, client: &Client) -> TestResult {
    let team = team(rig).await?;
    let profile = crate::harness::temporary("profile-second-person");
    let _ = std::fs::remove_dir_all(&profile);
    let second = rig.browser(&profile).await?;
    let outcome = shared_budget(rig, team, client, &second).await;
    let _ = second.close().await;
    let _ = std::fs::remove_dir_all(&profile);
    outcome
}

async fn shared_budget(rig: &Rig, team: &Team, first: &Client, second: &Client) -> TestResult {
    for (client, login) in [(first, "alice"), (second, "ada")] {
        client.goto(&format!("{}/", team.base)).await.map_err(|e| e.to_string())?;
        sign_in_at_provider(client, login).await?;
        wait_for_text(client, "#signed-in", &format!("{login}@example.org")).await?;
    }
    let before = rig.sandbox.request_count();
    let slug = auditdeck_server::sandbox::iden::ORG_SLUG;
    let burst = |client: &Client, first_limit: u64| {
        let client = client.clone();
        async move {
            let args = vec![IDEN_CONNECTION.into(), slug.into(), first_limit.into(), 75.into()];
            let value = client.execute_async(IDEN_BURST, args).await.map_err(|e| e.to_string())?;
            serde_json::from_value::<Vec<(u16, u64)>>(value).map_err(|e| e.to_string())
        }
    };
    let (a, b) = tokio::join!(burst(first, 1), burst(second, 76));
    let answers: Vec<(u16, u64)> = a?.into_iter().chain(b?).collect();
    let vendor = rig.sandbox.request_count() - before;
    let served = answers.iter().filter(|(status, _)| *status == 200).count() as u64;
    let throttled: Vec<u64> = answers.iter().filter(|(status, _)| *status == 429).map(|(_, wait)| *wait).collect();
    check(vendor <= 60, || format!("the vendor received {vendor} requests in a minute"))?;
    check(served == vendor && served as usize + throttled.len() == 150, || {
        format!("{served} served, {} throttled, {answers:?}", throttled.len())
    })?;
    check(throttled.iter().all(|w| (1..=60).contains(w)), || format!("Retry-After {throttled:?}"))?;
    // Both people open an Iden view: the app waits out the gateway's Retry-After, then shows rows.
    let view = "/severity?severity=critical&limit=50";
    for client in [first, second] {
        client.goto(&format!("{}{view}", team.base)).await.map_err(|e| e.to_string())?;
    }
    for client in [first, second] {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let rows =
                client.find_all(Locator::Css("main table tbody tr[data-id]")).await.map_err(|e| e.to_string())?;
            if !rows.is_empty() {
                break;
            }
            check(Instant::now() < deadline, || "no rows two minutes after the budget ran out".into())?;
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    Ok(())
}

/// An admin's own search is in the access log view: who, the connection, the documented request
/// with its form fields, the vendor's status; filters live in the URL; the CSV link carries them.
pub async fn the_access_log_view_shows_who_did_what(rig: &Rig, client: &Client) -> TestResult {
    let team = team(rig).await?;
    let ip = busiest(rig);
    let link = format!("/ip/{ip}?page=2");
    client.goto(&format!("{}{link}", team.base)).await.map_err(|e| e.to_string())?;
    sign_in_at_provider(client, "ada").await?;
    wait_for_path(client, &link).await?;
    rows_shown(client).await?;
    click(client, ".app-nav a[href='/admin/access']").await?;
    wait_for_path(client, "/admin/access").await?;
    type_into(client, "#access-user", "ada@example.org").await?;
    click(client, ".access-log-page button[type=submit]").await?;
    wait_for_path(client, "/admin/access?user=ada%40example.org").await?;
    let search = format!("POST /api/v1/events/search (form: ipaddress={ip}, page=2)");
    let row = eventually("ada's search in the log", || async {
        for row in client.find_all(Locator::Css("table.access-log tbody tr")).await.ok()? {
            let text = row.text().await.ok()?;
            if text.contains(&search) {
                return Some(text);
            }
        }
        None
    })
    .await?;
    check(row.contains("ada@example.org") && row.contains(CONNECTION) && row.contains("200"), || row.clone())?;
    wait_for_text(client, "table.access-log", "sign-in").await?;
    let csv = client.find(Locator::Css("a.access-csv")).await.map_err(|e| e.to_string())?;
    let href = csv.attr("href").await.map_err(|e| e.to_string())?.unwrap_or_default();
    check(href == "/admin/access.csv?user=ada%40example.org", || format!("CSV link {href}"))?;
    // A filter that matches nothing says so; a bad time is refused before any request.
    client
        .goto(&format!("{}/admin/access?user=ada%40example.org&connection=nothing-here", team.base))
        .await
        .map_err(|e| e.to_string())?;
    wait_for_text(client, ".pager-position", "0 entries").await?;
    client.goto(&format!("{}/admin/access?from=yesterday", team.base)).await.map_err(|e| e.to_string())?;
    wait_for_text(client, ".access-log-page .error-box", "from: “yesterday” is not a date and time").await?;
    Ok(())
}
