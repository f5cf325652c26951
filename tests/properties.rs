//! Properties over everything that reads outside input: the vendor parsers and converters never
//! panic, whatever the body; the URL parsers never panic, whatever the query; and a view read
//! from a URL writes a URL that reads back as the same view (filter → URL → filter); the
//! table's sort is a stable sort.

use std::collections::HashMap;

use auditdeck::model::signal::from_signal;
use auditdeck::model::{from_iden, from_idme, from_standfast};
use auditdeck::providers::{HttpResponse, iden, idme, idme_events, signals, standfast};
use auditdeck::routes::identity::identity_events_from_url;
use auditdeck::routes::ip::ip_search_from_url;
use auditdeck::routes::row_filter::RowFilter;
use auditdeck::routes::severity::severity_view_from_url;
use auditdeck::routes::signals::SignalsView;
use auditdeck::routes::user::user_timeline_from_url;
use proptest::prelude::*;
use serde_json::{Value, json};

/// JSON of any shape, a few levels deep, with the vendors' field names mixed in.
fn any_json() -> impl Strategy<Value = Value> {
    let names = prop::sample::select(vec![
        "event_id",
        "id",
        "occurred_at",
        "occurredAt",
        "event_type",
        "eventType",
        "actor",
        "subject",
        "ip",
        "uuid",
        "ip_address",
        "application",
        "created_at",
        "updated_at",
        "results",
        "events",
        "next_cursor",
        "previous_cursor",
        "meta",
        "data",
        "severity",
        "category",
        "scopeValues",
        "createdAt",
        "detail",
        "message",
        "error",
        "code",
        "total_pages",
        "current_page",
        "user_agent",
        "x",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,40}".prop_map(Value::from),
        prop::sample::select(vec![
            "2026-05-13T10:14:32Z",
            "2019-08-27T00:03:59.650-04:00",
            "203.0.113.9",
            "::1",
            "9f0c3a5e-1b2d-4c6e-8f70-a1b2c3d4e5f6",
            "c2xhY2s=",
            "=cmd()",
            "\u{202e}evil",
            "<script>",
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((names.clone(), inner), 0..8)
                .prop_map(|fields| Value::Object(fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

/// A body: JSON of any shape, wrapped the way the vendors wrap lists, or any text at all.
fn any_body() -> impl Strategy<Value = String> {
    prop_oneof![
        any_json().prop_map(|v| v.to_string()),
        prop::collection::vec(any_json(), 0..4)
            .prop_map(|list| json!({ "results": list, "next_cursor": null }).to_string()),
        prop::collection::vec(any_json(), 0..4).prop_map(|list| json!({ "events": list }).to_string()),
        prop::collection::vec(any_json(), 0..4).prop_map(|list| json!({ "data": list, "meta": {} }).to_string()),
        // Cut mid-way, as a dropped connection leaves it.
        any_json().prop_map(|v| {
            let t = v.to_string();
            t.chars().take(t.chars().count() / 2).collect::<String>()
        }),
        ".{0,200}",
    ]
}

fn any_response() -> impl Strategy<Value = HttpResponse> {
    (
        prop::sample::select(vec![200u16, 201, 204, 400, 401, 403, 404, 422, 429, 500, 502, 503]),
        any_body(),
        prop::option::of(".{0,12}"),
        prop::option::of(prop::sample::select(vec!["application/json", "text/html"])),
    )
        .prop_map(|(status, body, retry_after, content_type)| HttpResponse {
            status,
            content_type: content_type.map(String::from),
            retry_after,
            body,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn vendor_parsers_and_converters_never_panic(response in any_response()) {
        let _ = iden::parse_page(&response);
        let _ = idme::parse_search(&response);
        let _ = idme::error_of(&response);
        let _ = idme_events::parse_lookup(&response);
        let _ = standfast::parse_list(&response);
        let _ = signals::parse_page(&response);
        if let Ok(value) = serde_json::from_str::<Value>(&response.body) {
            let records: Vec<Value> = match &value {
                Value::Array(items) => items.clone(),
                other => vec![other.clone()],
            };
            for raw in &records {
                let _ = from_iden(raw, "c");
                let _ = from_idme(raw, "c");
                let _ = from_standfast(raw, "c", "w");
                let _ = standfast::raw_occurred(raw);
                let _ = from_signal(raw);
            }
        }
    }

    #[test]
    fn single_records_of_any_shape_convert_or_are_refused(raw in any_json()) {
        let _ = from_iden(&raw, "c");
        let _ = from_idme(&raw, "c");
        let _ = from_standfast(&raw, "c", "w");
        let _ = from_signal(&raw);
    }
}

/// Query values: what the views write, near misses, and anything.
fn any_value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "",
            "1",
            "2",
            "0",
            "50",
            "200",
            "501",
            "-3",
            "critical",
            "high,low",
            "info,critical,medium",
            "authentication",
            "session.",
            "session.login.failed",
            "2026-05-13T10:14:32Z",
            "2026-05-13T10:14",
            "2025-01-01T00:00:00Z",
            "9f0c3a5e-1b2d-4c6e-8f70-a1b2c3d4e5f6",
            "9F0C3A5E1B2D4C6E8F70A1B2C3D4E5F6",
            "203.0.113.9",
            "2001:db8::1",
            "local",
            "utc",
            "table",
            "timeline",
            "idme,iden",
            "standfast",
            "none",
            "type:session.login",
            "severity:high,ip:203.0.113.9",
            "-occurred",
            "type",
            "source,ip",
            "factor_added",
            "factor_added,scope_set",
            "abc",
            "a%2Cb",
            "type:a%2Cb",
        ])
        .prop_map(String::from),
        ".{0,30}",
    ]
}

fn any_query() -> impl Strategy<Value = HashMap<String, String>> {
    let keys = prop::sample::select(vec![
        "page",
        "cursor",
        "subject_cursor",
        "before",
        "skip",
        "layout",
        "tz",
        "sources",
        "severity",
        "category",
        "type",
        "prefix",
        "from",
        "to",
        "actor",
        "subject",
        "actor_ip",
        "limit",
        "workspace",
        "types",
        "contact",
        "only",
        "not",
        "q",
        "sort",
        "hide",
        "event",
        "iden",
    ]);
    prop::collection::hash_map(keys.prop_map(String::from), any_value(), 0..8)
}

/// The query of a URL the app wrote, decoded.
fn query_of(href: &str) -> HashMap<String, String> {
    let query = href.split_once('?').map(|(_, q)| q).unwrap_or("");
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
            (decode(k), decode(v))
        })
        .collect()
}

fn path_of(href: &str) -> String {
    let path = href.split('?').next().unwrap_or("");
    percent_encoding::percent_decode_str(path).decode_utf8_lossy().into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn severity_view_round_trips(query in any_query()) {
        if let Ok(view) = severity_view_from_url(|k| query.get(k).cloned()) {
            let again = query_of(&view.href());
            prop_assert_eq!(severity_view_from_url(|k| again.get(k).cloned()), Ok(view));
        }
    }

    #[test]
    fn signals_view_round_trips(query in any_query()) {
        if let Ok(view) = SignalsView::from_query(|k| query.get(k).cloned()) {
            let again = query_of(&view.href());
            prop_assert_eq!(SignalsView::from_query(|k| again.get(k).cloned()), Ok(view));
        }
    }

    #[test]
    fn identity_view_round_trips(query in any_query()) {
        if let Ok(view) = identity_events_from_url(|k| query.get(k).cloned()) {
            let again = query_of(&view.href());
            prop_assert_eq!(identity_events_from_url(|k| again.get(k).cloned()), Ok(view));
        }
    }

    #[test]
    fn ip_view_round_trips(ip in any_value(), query in any_query()) {
        if let Ok(view) = ip_search_from_url(&ip, |k| query.get(k).cloned()) {
            let href = view.href();
            let segment = path_of(&href).trim_start_matches("/ip/").to_string();
            let again = query_of(&href);
            prop_assert_eq!(ip_search_from_url(&segment, |k| again.get(k).cloned()), Ok(view));
        }
    }

    #[test]
    fn user_view_round_trips(uuid in any_value(), query in any_query()) {
        if let Ok(view) = user_timeline_from_url(&uuid, |k| query.get(k).cloned()) {
            let href = view.href();
            let segment = path_of(&href).trim_start_matches("/users/").to_string();
            let again = query_of(&href);
            prop_assert_eq!(user_timeline_from_url(&segment, |k| again.get(k).cloned()), Ok(view));
        }
    }

    #[test]
    fn row_filters_round_trip(query in any_query()) {
        if let Ok(filter) = RowFilter::from_query(|k| query.get(k).cloned()) {
            let href = auditdeck::routes::query::Href::new("/x").row_filter(&filter).build();
            let again = query_of(&href);
            prop_assert_eq!(RowFilter::from_query(|k| again.get(k).cloned()), Ok(filter));
        }
    }
}

proptest! {
    /// The table's sort (keys read once, texts ranked, rows swapped into place) orders rows as
    /// a stable sort by their text does, in both directions, ties in their loaded order.
    #[test]
    fn ranked_sort_is_a_stable_sort_by_text(texts in prop::collection::vec("[ab\u{0}é]{0,3}", 0..60), descending in any::<bool>()) {
        use auditdeck::routes::row_order::{by_keys, ranks};
        let rows: Vec<(String, usize)> = texts.into_iter().zip(0..).collect();
        let mut sorted = rows.clone();
        by_keys(&mut sorted, ranks(rows.iter().map(|r| r.0.as_str()), |t| t), descending);
        let mut want = rows;
        if descending {
            want.sort_by(|a, b| b.0.cmp(&a.0));
        } else {
            want.sort_by(|a, b| a.0.cmp(&b.0));
        }
        prop_assert_eq!(sorted, want);
    }
}
