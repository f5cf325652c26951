//! The app's adapters (request builders, parsers, pagination state machines) against the
//! gateway's sandboxes, in-process: the two sides of each vendor protocol must agree.

use std::collections::HashSet;
use std::sync::Arc;

use auditdeck::providers::{HttpRequest, HttpResponse, Method, iden, standfast};
use auditdeck_sandbox::Profile;
use auditdeck_sandbox::standfast::data::WORKSPACES;
use auditdeck_server::{Dataset, GatewayConfig, GatewayOptions};
use axum::Router;
use http_body_util::BodyExt;
use tower::ServiceExt;

fn gateway(iden_rate_limit: u32) -> (Router, Arc<Dataset>, auditdeck_server::Sandbox) {
    let data = Arc::new(Dataset::generate());
    let config = GatewayConfig { sandbox_iden_rate_limit: iden_rate_limit, ..GatewayConfig::default() };
    let gw = auditdeck_server::build(
        GatewayOptions { dist: "/nonexistent".into(), config, bind: [127, 0, 0, 1].into() },
        data.clone(),
        |_| None,
    )
    .expect("gateway");
    (gw.router, data, gw.sandbox)
}

/// Executes an adapter's request against the router, as the browser's fetch would.
async fn send(router: &Router, request: &HttpRequest) -> HttpResponse {
    assert_eq!(request.method, Method::Get, "these adapters only GET");
    let mut builder = axum::http::Request::builder().method("GET").uri(&request.url).header("host", "127.0.0.1");
    for (k, v) in &request.headers {
        builder = builder.header(k, v);
    }
    let response = router.clone().oneshot(builder.body(axum::body::Body::empty()).unwrap()).await.unwrap();
    let status = response.status().as_u16();
    let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(String::from);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    HttpResponse { status, content_type: None, retry_after, body: String::from_utf8_lossy(&body).into_owned() }
}

/// Under every reading of the document's open questions (`before` exclusive or inclusive, ids
/// of one instant descending or ascending, whole or sub-second times), a walk shows every event
/// once, in the order the sandbox lists them.
#[tokio::test]
async fn standfast_positions_page_through_tie_groups_exactly_once() {
    let data = Arc::new(Dataset::generate());
    let gw = auditdeck_server::build(
        GatewayOptions { dist: "/nonexistent".into(), config: GatewayConfig::default(), bind: [127, 0, 0, 1].into() },
        data.clone(),
        |_| None,
    )
    .expect("gateway");
    for (reading, profile) in Profile::readings() {
        let _profile = gw.sandbox.profiles.switch(profile.strict(true));
        walk_tie_window(&gw.router, &gw.sandbox, &data).await.unwrap_or_else(|e| panic!("{reading}: {e}"));
    }
}

async fn walk_tie_window(router: &Router, sandbox: &auditdeck_server::Sandbox, data: &Dataset) -> Result<(), String> {
    let (workspace_index, workspace) = (2, WORKSPACES[2].0);
    // The window around the workspace's largest tie group.
    let list = &data.standfast.by_workspace[workspace_index];
    let mut sizes = std::collections::HashMap::new();
    for e in list {
        *sizes.entry(e.occurred_s).or_insert(0usize) += 1;
    }
    let (&instant, &size) = sizes.iter().max_by_key(|(t, n)| (**n, **t)).unwrap();
    assert!(size > 25, "largest group {size}");
    let filter = standfast::Filter {
        from: chrono::DateTime::from_timestamp(instant - 86_400, 0),
        to: chrono::DateTime::from_timestamp(instant + 3_600, 0),
        ..Default::default()
    };
    let mut position = Some(standfast::Position::default());
    let mut ids = Vec::new();
    let mut widest = 0;
    while let Some(p) = position.take() {
        let fetch = p.fetch(20);
        widest = widest.max(fetch.limit);
        let request = standfast::list_request(
            "/sandbox/standfast",
            workspace,
            &filter,
            fetch.before.as_deref(),
            fetch.limit,
            Some("Bearer sf_test_v1_auditdeck_sandbox"),
        );
        let events = standfast::parse_list(&send(router, &request).await).map_err(|e| e.headline())?;
        let events: Vec<_> = events.iter().filter_map(standfast::read_event).collect();
        match standfast::take_page(&p, 20, &fetch, events, standfast::WireEvent::occurred) {
            standfast::Step::Page { events, older } => {
                ids.extend(events.iter().filter_map(|e| e.id.clone()));
                position = older;
            }
            standfast::Step::End => {}
            standfast::Step::TieTooLarge { at } => return Err(format!("tie group at {at} over 500")),
        }
    }
    let window = auditdeck_sandbox::standfast::Filter {
        from_ms: Some((instant - 86_400) * 1000),
        to_ms: Some((instant + 3_600) * 1000 + 999),
        ..Default::default()
    };
    let expected = sandbox.standfast.listing(workspace_index, &window);
    if ids != expected {
        let first_difference = ids.iter().zip(&expected).position(|(a, b)| a != b);
        return Err(format!(
            "{} shown, {} listed; first difference at {first_difference:?}",
            ids.len(),
            expected.len()
        ));
    }
    let unique: HashSet<&String> = ids.iter().collect();
    if unique.len() != ids.len() {
        return Err("an event shown twice".into());
    }
    if widest <= 20 {
        return Err(format!("a {size}-event tie group with 20-event pages asks for more to skip what was shown"));
    }
    Ok(())
}

#[tokio::test]
async fn iden_cursors_walk_forward_and_back_and_errors_map() {
    let (router, _, sandbox) = gateway(0);
    for first_page_previous in [false, true] {
        let profile =
            Profile { iden_first_page_previous_cursor: first_page_previous, strict: true, ..Profile::default() };
        let _profile = sandbox.profiles.switch(profile);
        iden_walk(&router, first_page_previous).await;
    }
}

async fn iden_walk(router: &Router, first_page_previous: bool) {
    let key = Some("Api-Key iden_sandbox_auditdeck_key");
    let filter = iden::Filter { event_type_prefix: Some("ticket.".into()), ..Default::default() };
    let fetch = |cursor: Option<String>| {
        let request = iden::list_request("/sandbox/iden", "auditdeck-sandbox", &filter, cursor.as_deref(), 200, key);
        let router = router.clone();
        async move { iden::parse_page(&send(&router, &request).await).expect("page") }
    };
    // Forward with next_cursor to the end, remembering each page's ids.
    let mut pages: Vec<(Option<String>, Vec<String>)> = Vec::new();
    let mut seen = HashSet::new();
    let mut cursor = None;
    loop {
        let page = fetch(cursor.clone()).await;
        let mut ids = Vec::new();
        for raw in &page.results {
            let e = iden::read_event(raw).unwrap();
            assert!(e.event_type.unwrap().starts_with("ticket."));
            let id = e.event_id.unwrap();
            assert!(seen.insert(id.clone()), "{id} twice");
            ids.push(id);
        }
        let previous = page.previous_cursor.clone();
        pages.push((previous, ids));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert!(pages.len() > 2, "{} pages", pages.len());
    assert_eq!(pages[0].0.is_some(), first_page_previous, "the first page's previous_cursor, in this reading");
    // Back with each page's previous_cursor: the page before it, exactly (what "Newer" links use).
    for i in 1..pages.len() {
        let back = fetch(pages[i].0.clone()).await;
        let ids: Vec<String> = back.results.iter().filter_map(|r| iden::read_event(r)?.event_id).collect();
        assert_eq!(ids, pages[i - 1].1, "previous_cursor of page {}", i + 1);
    }

    let bad = iden::Filter { event_type_prefix: Some("ticket".into()), ..Default::default() };
    assert!(bad.validate().is_err(), "the adapter refuses before sending");
    let request = iden::list_request("/sandbox/iden", "auditdeck-sandbox", &bad, None, 50, key);
    let err = iden::parse_page(&send(router, &request).await).unwrap_err();
    assert!(err.headline().starts_with("400"), "{}", err.headline());
    let request = iden::list_request("/sandbox/iden", "auditdeck-sandbox", &filter, None, 50, Some("Api-Key wrong"));
    let err = iden::parse_page(&send(router, &request).await).unwrap_err();
    assert!(err.headline().contains("Invalid API key"), "{}", err.headline());
}

#[tokio::test]
async fn iden_rate_limit_reaches_the_app_as_retry_after() {
    use auditdeck_sandbox::profile::RetryAfter;
    // Seconds or an HTTP-date (RFC 9110 allows both): the app reads the same wait.
    for form in [RetryAfter::Seconds, RetryAfter::HttpDate] {
        let (router, _, sandbox) = gateway(2);
        let _profile = sandbox.profiles.switch(Profile { iden_retry_after: form, ..Profile::default() });
        let request = iden::list_request(
            "/sandbox/iden",
            "auditdeck-sandbox",
            &iden::Filter::default(),
            None,
            1,
            Some("Api-Key iden_sandbox_auditdeck_key"),
        );
        for _ in 0..2 {
            iden::parse_page(&send(&router, &request).await).expect("within budget");
        }
        match iden::parse_page(&send(&router, &request).await) {
            Err(auditdeck::providers::ApiError::RateLimited { retry_after_secs: Some(s), .. }) => {
                assert!((1..=61).contains(&s), "{form:?}: {s}")
            }
            other => panic!("{form:?}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn standfast_wrong_key_is_a_vendor_error_with_the_message() {
    let (router, _, _) = gateway(0);
    let request = standfast::list_request(
        "/sandbox/standfast",
        WORKSPACES[0].0,
        &standfast::Filter::default(),
        None,
        10,
        Some("Bearer nope"),
    );
    let err = standfast::parse_list(&send(&router, &request).await).unwrap_err();
    assert!(err.headline().starts_with("403"), "{}", err.headline());
}

#[tokio::test]
async fn idme_events_api_answers_the_ids_the_vendor_issued_and_not_the_apps_row_keys() {
    use auditdeck::model::from_idme;
    use auditdeck::providers::idme_events;
    use auditdeck_sandbox::idme::{SANDBOX_SECRET, issued_id, wire_event};
    let (router, data, _) = gateway(0);
    let token = idme_events::authorization(SANDBOX_SECRET);
    for i in [0, 1, data.idme_events.len() / 2, data.idme_events.len() - 1] {
        let wire = wire_event(&data, &data.idme_events[i]);
        let id = issued_id(i);
        let request = idme_events::lookup_request("/sandbox/idme", "", &id, token.as_deref()).unwrap();
        let found = idme_events::parse_lookup(&send(&router, &request).await).unwrap();
        assert_eq!(found["id"], id.as_str());
        assert_eq!(
            (found["event"].as_str(), found["tracked_at"].as_str()),
            (Some(wire.event), Some(wire.tracked_at.as_str()))
        );
        let looked_up = from_idme(&found, "sandbox").unwrap();
        assert_eq!((looked_up.id.as_str(), looked_up.id_derived), (id.as_str(), false));
        // The key the app makes for the same record when it comes from a search is not an id
        // ID.me knows.
        let listed = from_idme(&serde_json::to_value(&wire).unwrap(), "sandbox").unwrap();
        assert!(listed.id_derived);
        let derived = idme_events::lookup_request("/sandbox/idme", "", &listed.id, token.as_deref()).unwrap();
        let err = idme_events::parse_lookup(&send(&router, &derived).await).unwrap_err();
        assert!(err.headline().starts_with("404 not found (code 404)"), "{}", err.headline());
    }
    let wrong = idme_events::lookup_request("/sandbox/idme", "", "x", Some("Bearer nope")).unwrap();
    let err = idme_events::parse_lookup(&send(&router, &wrong).await).unwrap_err();
    assert!(err.headline().starts_with("403") && err.headline().contains("code 122"), "{}", err.headline());
}
