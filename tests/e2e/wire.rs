//! What the app sends, read from the sandbox's request log and checked against the documents:
//! encodings, field and parameter names, and the Authorization header as the vendor receives it.
//! The sandbox runs strict here (the rig's config): a request it does not recognise fails.

use std::collections::BTreeSet;

use auditdeck_sandbox::idme::SANDBOX_SECRET;
use fantoccini::{Client, Locator};

use crate::harness::{Rig, TestResult, base64_of, check, eventually, settled_rows, vendor_requests};

fn instant(text: Option<&str>) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text?).ok().map(|t| t.timestamp())
}

/// `idme-event-audit-logging-api.md`: `curl -F` (multipart/form-data) with `ipaddress` and
/// `page`; NOTES.md: `Authorization: ID.me <base64 of the secret>` by default, `Bearer ID.me …`
/// when chosen.
pub async fn idme_search_is_multipart_with_the_documented_fields_and_header(rig: &Rig, client: &Client) -> TestResult {
    let ip = "152.133.18.33";
    let encoded = base64_of(SANDBOX_SECRET);
    for (scheme, header) in
        [(None, format!("ID.me {encoded}")), (Some("BearerIdMe"), format!("Bearer ID.me {encoded}"))]
    {
        if let Some(value) = scheme {
            client.goto(&rig.url("/settings")).await.map_err(|e| e.to_string())?;
            let select =
                eventually("the scheme choice", || async { client.find(Locator::Css("#idme-scheme")).await.ok() })
                    .await?;
            select.select_by_value(value).await.map_err(|e| e.to_string())?;
        }
        let mark = rig.sandbox.wire.received();
        client.goto(&rig.url(&format!("/ip/{ip}?page=2"))).await.map_err(|e| e.to_string())?;
        settled_rows(client, ".source-idme", "the page's rows", |_| true).await?;
        let searches = vendor_requests(rig, client, mark, "/sandbox/idme/api/v1/events/search").await?;
        check(searches.len() == 1, || format!("one search: {searches:?}"))?;
        let search = &searches[0];
        check(search.method == "POST", || format!("method {}", search.method))?;
        let content_type = search.content_type.as_deref().unwrap_or("");
        check(content_type.starts_with("multipart/form-data; boundary="), || format!("Content-Type {content_type:?}"))?;
        check(
            search.form == [("ipaddress".to_string(), ip.to_string()), ("page".to_string(), "2".to_string())],
            || format!("form fields {:?}", search.form),
        )?;
        check(search.query.is_empty(), || format!("nothing in the query: {:?}", search.query))?;
        check(search.authorization.as_deref() == Some(header.as_str()), || {
            format!("Authorization for scheme {scheme:?} is not {header:?}")
        })?;
    }
    Ok(())
}

/// `standfast-identity-events.txt`: `GET …/identity-events` with `from`, `to`, `type` (a comma
/// list), `contact`, `limit`, and `Authorization: Bearer <key>`.
pub async fn standfast_sends_bearer_and_the_documented_parameters(rig: &Rig, client: &Client) -> TestResult {
    let contact = "0a6f4d2e-1b3c-4d5e-8f70-9a1b2c3d4e5f";
    let mark = rig.sandbox.wire.received();
    client
        .goto(&rig.url(&format!(
            "/identity-events?from=2025-01-01T00:00:00Z&to=2026-06-30T12:00:00Z&types=factor_added,factor_failed\
             &contact={contact}&limit=25"
        )))
        .await
        .map_err(|e| e.to_string())?;
    let requests = vendor_requests(rig, client, mark, "/sandbox/standfast/").await?;
    check(requests.len() == 1, || format!("one request: {requests:?}"))?;
    let r = &requests[0];
    check(r.method == "GET" && r.path.ends_with("/identity-events"), || format!("{} {}", r.method, r.path))?;
    check(r.authorization.as_deref() == Some("Bearer sf_test_v1_auditdeck_sandbox"), || "Authorization".into())?;
    let names: BTreeSet<&str> = r.query_names().into_iter().collect();
    check(names == BTreeSet::from(["contact", "from", "limit", "to", "type"]), || format!("parameters {names:?}"))?;
    check(r.query_value("type") == Some("factor_added,factor_failed"), || format!("type {:?}", r.query_value("type")))?;
    check(r.query_value("contact") == Some(contact), || format!("contact {:?}", r.query_value("contact")))?;
    check(r.query_value("limit") == Some("25"), || format!("limit {:?}", r.query_value("limit")))?;
    check(instant(r.query_value("from")) == Some(1_735_689_600), || format!("from {:?}", r.query_value("from")))?;
    check(instant(r.query_value("to")) == Some(1_782_820_800), || format!("to {:?}", r.query_value("to")))?;
    Ok(())
}

/// `iden-events-api.txt`: `Authorization: Api-Key <key>`, `severity` as a comma list,
/// `event_type_prefix`, `occurred_at__gte` / `__lte` and `limit`.
pub async fn iden_sends_api_key_and_the_documented_filters(rig: &Rig, client: &Client) -> TestResult {
    let mark = rig.sandbox.wire.received();
    client
        .goto(&rig.url(
            "/severity?severity=high,critical&prefix=session.&from=2025-01-01T00:00:00Z&to=2026-06-30T12:00:00Z&limit=20",
        ))
        .await
        .map_err(|e| e.to_string())?;
    let requests = vendor_requests(rig, client, mark, "/sandbox/iden/").await?;
    check(requests.len() == 1, || format!("one request: {requests:?}"))?;
    let r = &requests[0];
    check(r.method == "GET" && r.path == "/sandbox/iden/org/auditdeck-sandbox/api/events/", || r.path.clone())?;
    check(r.authorization.as_deref() == Some("Api-Key iden_sandbox_auditdeck_key"), || "Authorization".into())?;
    let names: BTreeSet<&str> = r.query_names().into_iter().collect();
    let documented = BTreeSet::from(["event_type_prefix", "limit", "occurred_at__gte", "occurred_at__lte", "severity"]);
    check(names == documented, || format!("parameters {names:?}"))?;
    let severities: BTreeSet<&str> = r.query_value("severity").unwrap_or("").split(',').collect();
    check(severities == BTreeSet::from(["critical", "high"]), || format!("severity {severities:?}"))?;
    check(r.query_value("event_type_prefix") == Some("session."), || "event_type_prefix".into())?;
    check(r.query_value("limit") == Some("20"), || format!("limit {:?}", r.query_value("limit")))?;
    let (gte, lte) = (r.query_value("occurred_at__gte"), r.query_value("occurred_at__lte"));
    check(instant(gte) == Some(1_735_689_600), || format!("occurred_at__gte {gte:?}"))?;
    check(instant(lte) == Some(1_782_820_800), || format!("occurred_at__lte {lte:?}"))?;
    Ok(())
}
