//! A pasted link shows rows on the first screen: in a 1280×800 viewport every view's first data
//! row (a table row or a timeline entry) lies wholly inside the viewport without scrolling, and
//! in 1920×1080 at least 15 rows do. The controls the first screen folds away stay one click
//! away. While the first page is on its way, placeholder rows hold the table's place.

use auditdeck_sandbox::dataset::SAMPLE_USER_UUIDS;
use auditdeck_server::sandbox::ssf::{EventKind, PushKind};
use fantoccini::{Client, Locator};
use serde_json::json;

use crate::harness::{
    REAL_FETCH, Rig, TestResult, check, click, devtools, eventually, intercept_fetches_of, later, page_value,
    wait_for_text,
};

/// The views a ticket links to, each with filters in force as a pasted link has them, and the
/// name of its screenshot (one per view).
fn links(rig: &Rig) -> Vec<(Option<&'static str>, String)> {
    let (ip, _) = rig.data.busiest_ips(1)[0];
    vec![
        (Some("ip"), format!("/ip/{ip}")),
        (None, format!("/ip/{ip}?sources=idme,iden")),
        (Some("user-timeline"), format!("/users/{}", SAMPLE_USER_UUIDS[0])),
        (None, format!("/users/{}?layout=table", SAMPLE_USER_UUIDS[0])),
        (None, "/identity-events?limit=50".into()),
        (Some("identity-events"), "/identity-events?types=ani_blocked,risk_signal_raised&limit=50".into()),
        (None, "/severity?limit=50".into()),
        (Some("severity"), "/severity?severity=high,critical&limit=50".into()),
        (Some("signals"), "/signals".into()),
    ]
}

/// Where `AUDITDECK_SCREENSHOTS` asks for each view's picture at 1280×800, light and dark
/// (README's Quality section shows them from docs/screenshots).
fn screenshot_dir() -> Option<std::path::PathBuf> {
    std::env::var_os("AUDITDECK_SCREENSHOTS").map(std::path::PathBuf::from)
}

/// The first data row's box and how many data rows lie wholly in the viewport, once the rows
/// are drawn and nothing loads.
const ROWS_IN_VIEW: &str = r#"
const rows = [...document.querySelectorAll('main table.events tbody tr[data-id], main .timeline .entry, main table.access-log tbody tr')];
if (rows.length === 0 || document.querySelector("main [aria-busy='true'], main .skeleton, main p.loading")) return null;
const h = window.innerHeight, w = window.innerWidth;
// Wholly inside from top to bottom and starting inside; a wide table scrolls sideways in its
// own box, so a row may run on past the right edge.
const inside = (r) => r.top >= 0 && r.bottom <= h && r.left >= 0 && r.left < w && r.height > 0;
const first = rows[0].getBoundingClientRect();
return {
    top: first.top, bottom: first.bottom, viewport: [w, h], scroll: window.scrollY,
    first_inside: inside(first),
    inside: rows.filter(r => { const b = r.getBoundingClientRect(); return b.bottom > 0 && b.top < h && inside(b); }).length,
};
"#;

#[derive(serde::Deserialize, Debug)]
struct RowsInView {
    top: f64,
    bottom: f64,
    viewport: (f64, f64),
    scroll: f64,
    first_inside: bool,
    inside: usize,
}

impl RowsInView {
    /// What is wrong with `link`'s first screen, when it does not show the first row unscrolled
    /// and at least `least` rows.
    fn problem(&self, link: &str, least: usize) -> Option<String> {
        (!self.first_inside || self.scroll != 0.0 || self.inside < least).then(|| {
            format!(
                "{}×{} {link}: first row at {:.0}–{:.0} px (scrolled {}), {} rows inside, want {least}",
                self.viewport.0, self.viewport.1, self.top, self.bottom, self.scroll, self.inside
            )
        })
    }
}

/// Sets the window so the page's viewport is `width`×`height` (headless Chromium's window
/// has no frame, but the difference is measured rather than assumed).
async fn viewport(client: &Client, width: u32, height: u32) -> TestResult {
    client.set_window_size(width, height).await.map_err(|e| e.to_string())?;
    let (w, h): (u32, u32) = page_value(client, "return [window.innerWidth, window.innerHeight];").await?;
    if (w, h) != (width, height) {
        client
            .set_window_size(width + width.saturating_sub(w), height + height.saturating_sub(h))
            .await
            .map_err(|e| e.to_string())?;
    }
    let got: (u32, u32) = page_value(client, "return [window.innerWidth, window.innerHeight];").await?;
    check(got == (width, height), || format!("the viewport is {got:?}, not {width}×{height}"))
}

/// The page as it is, light and dark, when `AUDITDECK_SCREENSHOTS` asks for pictures.
async fn screenshots(client: &Client, name: &str) -> TestResult {
    let Some(dir) = screenshot_dir() else { return Ok(()) };
    for theme in ["light", "dark"] {
        client
            .execute("document.documentElement.dataset.theme = arguments[0];", vec![theme.into()])
            .await
            .map_err(|e| e.to_string())?;
        let png = client.screenshot().await.map_err(|e| e.to_string())?;
        let _ = std::fs::create_dir_all(&dir);
        std::fs::write(dir.join(format!("{name}-{theme}.png")), png).map_err(|e| e.to_string())?;
    }
    Ok(())
}

async fn rows_in_view(client: &Client, link: &str) -> Result<RowsInView, String> {
    eventually(&format!("rows drawn on {link}"), || async {
        page_value::<Option<RowsInView>>(client, ROWS_IN_VIEW).await.ok().flatten()
    })
    .await
}

/// People the signals pushed here are about (the signals scenarios use 11 to 16).
const SIGNAL_PEOPLE: std::ops::Range<usize> = 20..36;

pub async fn first_row_shows_without_scrolling_at_1280_and_15_rows_at_1920(rig: &Rig, client: &Client) -> TestResult {
    // Enough signals for a full first screen of /signals.
    for person in SIGNAL_PEOPLE {
        let (status, body, _) =
            rig.sandbox.ssf.push(PushKind::Good, EventKind::RecoveryInformationChanged, person).await?;
        check(status == 202, || format!("the gateway answered {status} {body} to a push"))?;
    }
    let mut problems = Vec::new();
    for (width, height, least) in [(1280, 800, 1), (1920, 1080, 15)] {
        client.goto(&rig.url("/")).await.map_err(|e| e.to_string())?;
        viewport(client, width, height).await?;
        for (name, link) in links(rig) {
            client.goto(&rig.url(&link)).await.map_err(|e| e.to_string())?;
            let seen = rows_in_view(client, &link).await?;
            if let (Some(name), 1280) = (name, width) {
                screenshots(client, name).await?;
            }
            problems.extend(seen.problem(&link, least));
        }
    }
    check(problems.is_empty(), || problems.join("\n"))
}

/// The access log, signed in as an admin, with more entries than a screen holds.
pub async fn the_access_log_shows_rows_on_the_first_screen(rig: &Rig, client: &Client) -> TestResult {
    let team = crate::team::team(rig).await?;
    client.goto(&format!("{}/admin/access", team.base)).await.map_err(|e| e.to_string())?;
    crate::team::sign_in_at_provider(client, "ada").await?;
    crate::harness::wait_for_path(client, "/admin/access").await?;
    // Twenty searches of her own, so the log holds more than one screen of entries.
    let searched: u64 = client
        .execute_async(
            "const [connection, done] = arguments;
             Promise.all([...Array(20).keys()].map(n => { const form = new FormData(); form.append('ipaddress', '10.9.8.' + n);
                 return fetch(`/upstream/${connection}/api/v1/events/search`, { method: 'POST', body: form }).then(r => r.status); }))
             .then(s => done(s.filter(x => x === 200).length), e => done(String(e)));",
            vec![crate::team::CONNECTION.into()],
        )
        .await
        .map_err(|e| e.to_string())?
        .as_u64()
        .unwrap_or(0);
    check(searched == 20, || format!("{searched} of 20 searches answered 200"))?;
    let mut problems = Vec::new();
    for (width, height, least) in [(1280, 800, 1), (1920, 1080, 15)] {
        viewport(client, width, height).await?;
        let link = format!("{}/admin/access?user=ada%40example.org", team.base);
        client.goto(&link).await.map_err(|e| e.to_string())?;
        let seen = rows_in_view(client, &link).await?;
        if width == 1280 {
            screenshots(client, "access-log").await?;
            // The audit the other views get (accessibility.rs), folded and unfolded, both themes.
            let axe = crate::accessibility::axe_source()?;
            for unfolded in [false, true] {
                if unfolded {
                    crate::harness::click(client, "button.edit-filters").await?;
                    eventually("the unfolded form", || async { client.find(Locator::Css("#access-user")).await.ok() })
                        .await?;
                }
                for theme in ["light", "dark"] {
                    client
                        .execute("document.documentElement.dataset.theme = arguments[0];", vec![theme.into()])
                        .await
                        .map_err(|e| e.to_string())?;
                    let found = crate::accessibility::violations(client, &axe).await?;
                    problems.extend(found.into_iter().map(|v| format!("axe, {theme}, unfolded {unfolded}: {v}")));
                }
            }
        }
        problems.extend(seen.problem(&link, least));
    }
    check(problems.is_empty(), || problems.join("\n"))
}

/// The folded filter form says which filters are in force and opens with its Edit button, by
/// keyboard too; the facets open from their summary.
pub async fn folded_controls_stay_one_step_away(rig: &Rig, client: &Client) -> TestResult {
    client.goto(&rig.url("/")).await.map_err(|e| e.to_string())?;
    viewport(client, 1280, 800).await?;
    client.goto(&rig.url("/severity?severity=high,critical&limit=50")).await.map_err(|e| e.to_string())?;
    rows_in_view(client, "/severity").await?;
    let summary = eventually("the filter summary", || async {
        client.find(Locator::Css(".filter-summary")).await.ok()?.text().await.ok()
    })
    .await?;
    check(summary.contains("high") && summary.contains("critical"), || {
        format!("the summary {summary:?} does not name the severities in force")
    })?;
    check(client.find_all(Locator::Css("form.filter-form")).await.map_err(|e| e.to_string())?.is_empty(), || {
        "the form shows though the view was opened from a link".into()
    })?;
    // The Edit button by keyboard: focus it and press Enter.
    client
        .execute("document.querySelector('.filter-summary button.edit-filters').focus();", vec![])
        .await
        .map_err(|e| e.to_string())?;
    client
        .active_element()
        .await
        .map_err(|e| e.to_string())?
        .send_keys(fantoccini::key::Key::Enter.to_string().as_str())
        .await
        .map_err(|e| e.to_string())?;
    eventually("the form to open", || async { client.find(Locator::Css("form.filter-form")).await.ok() }).await?;
    // The focus moves into the form's first field, so typing goes on from the keyboard.
    let focused = eventually("the focus in the form", || async {
        let script = "const a = document.activeElement; \
            return a && a.closest('form.filter-form') ? (a.id || a.tagName) : null";
        page_value::<Option<String>>(client, script).await.ok().flatten()
    })
    .await?;
    check(focused == "severity-critical", || format!("focus went to {focused:?} after Edit, not the first field"))?;
    // Facets: a summary to open, then the values.
    client
        .find(Locator::Css(".facets summary"))
        .await
        .map_err(|e| e.to_string())?
        .click()
        .await
        .map_err(|e| e.to_string())?;
    eventually("facet values", || async {
        let shown: bool = page_value(client, "const v = document.querySelector('.facets .facet-value'); return !!v && v.getBoundingClientRect().height > 0;").await.ok()?;
        shown.then_some(())
    })
    .await
}

/// While a view's first page is on its way, placeholder rows hold the table's place (hidden from
/// screen readers, which hear the status instead); when the rows come, they take that place.
pub async fn placeholder_rows_show_until_the_first_page_comes(rig: &Rig, client: &Client) -> TestResult {
    client.goto(&rig.url("/")).await.map_err(|e| e.to_string())?;
    wait_for_text(client, "main h1", "Identity audit events").await?;
    client.execute(&intercept_fetches_of("/sandbox/iden/", &later(1500)), vec![]).await.map_err(|e| e.to_string())?;
    click(client, ".app-nav a[href='/severity']").await?;
    // The placeholder and the status, read together while the page is on its way, once the
    // page shows (it is held out of sight for a moment, waiting for its rows).
    let placeholder = eventually("placeholder rows and the loading status", || async {
        let script = "const s = document.querySelector('main .skeleton'); \
            const status = document.querySelector('main p.loading'); \
            return s && status && s.getClientRects().length > 0 \
              ? [s.getBoundingClientRect().height, s.closest(\"[aria-hidden='true']\") !== null, status.textContent] : null";
        page_value::<Option<(f64, bool, String)>>(client, script).await.ok().flatten()
    })
    .await;
    client.execute(REAL_FETCH, vec![]).await.map_err(|e| e.to_string())?;
    let (height, hidden, status) = placeholder?;
    // Eight rows of 33 px, as the stylesheet draws them.
    check(height >= 8.0 * 33.0, || format!("the placeholder is {height} px high, not eight rows"))?;
    check(hidden, || "the placeholder is not hidden from screen readers".into())?;
    check(status.contains("Loading Iden"), || format!("the status says {status:?} while Iden's page loads"))?;
    eventually("the rows in the placeholder's place", || async {
        let script = "return document.querySelector('main table.events tbody tr[data-id]') !== null \
            && document.querySelector('main .skeleton') === null";
        page_value::<bool>(client, script).await.ok().filter(|done| *done)
    })
    .await
    .map(|_| ())
}

/// A pasted link's request leaves while its page is being made, not once the page is drawn:
/// over a network with a round trip, the rows come that much sooner.
pub async fn a_links_request_leaves_before_its_page_is_drawn(rig: &Rig, client: &Client) -> TestResult {
    client.goto("about:blank").await.map_err(|e| e.to_string())?;
    // Set in the new document before its own scripts: notes, at the first Iden request, whether
    // the severity page is already drawn.
    let note = intercept_fetches_of(
        "/sandbox/iden/",
        "(window.pageAtIdenRequest ??= document.querySelector('section.page.severity') !== null, realFetch(input, init))",
    );
    let added = devtools(client, "Page.addScriptToEvaluateOnNewDocument", json!({ "source": note })).await?;
    let opened = async {
        client.goto(&rig.url("/severity?severity=high,critical&limit=50")).await.map_err(|e| e.to_string())?;
        eventually("the severity view's rows", || async {
            client.find(Locator::Css("section.page.severity table.events tbody tr[data-id]")).await.ok()
        })
        .await?;
        page_value::<Option<bool>>(client, "return window.pageAtIdenRequest ?? null").await
    }
    .await;
    devtools(client, "Page.removeScriptToEvaluateOnNewDocument", json!({ "identifier": added["identifier"] })).await?;
    match opened? {
        Some(false) => Ok(()),
        Some(true) => Err("the Iden request left only once the severity page was drawn".into()),
        None => Err("no Iden request was seen".into()),
    }
}

/// A pasted link's page is made while its request is on the way but kept out of sight, so that
/// the page and its first rows are drawn in one frame; a vendor slower than a moment does not
/// leave the page blank: it shows, with its loading status, before the rows come.
pub async fn a_links_page_is_drawn_with_its_rows_or_after_a_moment(rig: &Rig, client: &Client) -> TestResult {
    client.goto("about:blank").await.map_err(|e| e.to_string())?;
    // Set in the new document before its own scripts: Iden answers 1.5 s late, and from its
    // first request on, each frame looks for the severity page until it is made, and notes
    // whether that first frame with the page draws it.
    let first_frame_with_the_page = "window.idenRequests = (window.idenRequests || 0) + 1; \
        if (window.idenRequests === 1) { const look = () => { \
          const page = document.querySelector('section.page.severity'); \
          if (page === null) return requestAnimationFrame(look); \
          window.pageInItsFirstFrame = page.getClientRects().length > 0 ? 'drawn' : 'not drawn'; }; \
          requestAnimationFrame(look); }";
    let note = intercept_fetches_of(
        "/sandbox/iden/",
        &format!("((() => {{ {first_frame_with_the_page} }})(), {})", later(1500)),
    );
    let added = devtools(client, "Page.addScriptToEvaluateOnNewDocument", json!({ "source": note })).await?;
    let opened = async {
        client.goto(&rig.url("/severity?severity=high,critical&limit=50")).await.map_err(|e| e.to_string())?;
        let first = eventually("the first frame with the severity page", || async {
            page_value::<Option<String>>(client, "return window.pageInItsFirstFrame ?? null").await.ok().flatten()
        })
        .await?;
        check(first == "not drawn", || {
            format!("the first frame after the page was made drew it ({first}) while its rows were on the way")
        })?;
        // Iden is slow: the page shows anyway, with its status and no rows yet.
        let status = eventually("the page shown while Iden's answer is on the way", || async {
            let script = "const page = document.querySelector('section.page.severity'); \
                const status = document.querySelector('main p.loading'); \
                return page && page.getClientRects().length > 0 && status \
                  ? [status.textContent, document.querySelector('main table.events tbody tr[data-id]') !== null] : null";
            page_value::<Option<(String, bool)>>(client, script).await.ok().flatten()
        })
        .await?;
        check(status.0.contains("Loading Iden") && !status.1, || {
            format!("the page shown early says {:?} (rows already there: {})", status.0, status.1)
        })?;
        eventually("the rows", || async {
            client.find(Locator::Css("section.page.severity table.events tbody tr[data-id]")).await.ok()
        })
        .await
        .map(|_| ())
    }
    .await;
    devtools(client, "Page.removeScriptToEvaluateOnNewDocument", json!({ "identifier": added["identifier"] })).await?;
    opened
}
