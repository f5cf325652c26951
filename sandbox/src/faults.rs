//! Faults on demand: the sandbox can answer a vendor's next requests the way a broken vendor
//! (or the network in front of it) would, so tests and demos can show what the app does then.
//! Armed in-process ([`Faults::arm`]) or, when the gateway's `sandbox_faults` is on, with
//! `POST /sandbox/faults {"vendor": "iden", "fault": "truncated-json", "times": 1}`.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Vendor {
    Idme,
    Standfast,
    Iden,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fault {
    /// The real answer, cut off halfway.
    TruncatedJson,
    /// A proxy's HTML error page with status 502.
    HtmlBadGateway,
    /// Status 200 with no body at all.
    EmptyOk,
    /// The real answer with every record padded so the page weighs over 10 MB.
    HugePage,
    /// The real answer with every string turned into a number and every number into a string.
    WrongTypes,
    /// The real answer with fields the document does not describe, in every object.
    UnknownFields,
    /// The real answer with every value (not the arrays and objects holding them) null.
    NullsEverywhere,
    /// 500 in the vendor's own error shape.
    VendorError,
    /// No answer at all: the response never comes.
    Hang,
    /// The connection drops after the status line and a few bytes.
    DropConnection,
    /// The real answer with every free-text value (not ids, times, addresses, cursors) replaced
    /// by hostile strings: markup, event handlers, `javascript:` URLs, bidi overrides, control
    /// characters, 10 KB without a space. See [`HOSTILE_STRINGS`].
    HostileStrings,
}

impl Fault {
    pub const ALL: [Fault; 11] = [
        Fault::TruncatedJson,
        Fault::HtmlBadGateway,
        Fault::EmptyOk,
        Fault::HugePage,
        Fault::WrongTypes,
        Fault::UnknownFields,
        Fault::NullsEverywhere,
        Fault::VendorError,
        Fault::Hang,
        Fault::DropConnection,
        Fault::HostileStrings,
    ];
}

/// What `HostileStrings` puts in the fields: each would run script, break out of an attribute,
/// reorder text or break the layout if the app rendered it as anything but text. The scripts set
/// `window.auditdeckPwned`, which a browser test checks is never set.
pub const HOSTILE_STRINGS: [&str; 9] = [
    "<script>window.auditdeckPwned='script'</script>",
    "<img src=x onerror=\"window.auditdeckPwned='img'\">",
    "\" onmouseover=\"window.auditdeckPwned='attribute'\" data-x=\"",
    "javascript:window.auditdeckPwned='href'",
    "<svg onload=window.auditdeckPwned='svg'></svg>",
    "\u{202E}fdp.exe\u{202C} right-to-left override \u{2067}isolate",
    "control\u{0}\u{7}\u{1b}[31m characters\r\n\tand a tab",
    "=HYPERLINK(\"http://example.invalid\",\"click\")",
    "@SUM(1+1)*cmd|' /C calc'!A0",
];

/// The hostile string that is one 10 KB word (no place to wrap).
pub fn long_hostile_string() -> String {
    "W".repeat(10 * 1024)
}

/// The faults armed for each vendor, consumed one per request in the order they were armed.
#[derive(Clone, Default)]
pub struct Faults {
    armed: Arc<Mutex<HashMap<Vendor, VecDeque<Fault>>>>,
}

/// Faults armed by [`Faults::arm_while`]: disarmed (the vendor's) when dropped.
pub struct ArmedFaults {
    faults: Faults,
    vendor: Vendor,
}

impl Drop for ArmedFaults {
    fn drop(&mut self) {
        if let Ok(mut armed) = self.faults.armed.lock() {
            armed.remove(&self.vendor);
        }
    }
}

/// The size `HugePage` reaches at least.
pub const HUGE_PAGE_BYTES: usize = 10 * 1024 * 1024;
/// How long `Hang` holds a request (the client gives up long before).
const HANG: Duration = Duration::from_secs(600);

impl Faults {
    /// The vendor's next `times` requests get `fault`.
    pub fn arm(&self, vendor: Vendor, fault: Fault, times: usize) {
        if let Ok(mut armed) = self.armed.lock() {
            armed.entry(vendor).or_default().extend(std::iter::repeat_n(fault, times));
        }
    }

    /// Arms like [`Faults::arm`] until the guard is dropped: then whatever of it is left is
    /// disarmed, so a test that fails half-way leaves no fault for the next one.
    #[must_use = "the faults are disarmed when the guard is dropped"]
    pub fn arm_while(&self, vendor: Vendor, fault: Fault, times: usize) -> ArmedFaults {
        self.arm(vendor, fault, times);
        ArmedFaults { faults: self.clone(), vendor }
    }

    /// Drops every armed fault.
    pub fn clear(&self) {
        if let Ok(mut armed) = self.armed.lock() {
            armed.clear();
        }
    }

    fn take(&self, vendor: Vendor) -> Option<Fault> {
        self.armed.lock().ok()?.get_mut(&vendor)?.pop_front()
    }

    /// Wraps a vendor's router: a request that finds a fault armed gets it.
    pub fn wrap(&self, vendor: Vendor, router: Router) -> Router {
        let faults = self.clone();
        router.layer(axum::middleware::from_fn(move |request: Request, next: Next| {
            let fault = faults.take(vendor);
            async move {
                match fault {
                    None => next.run(request).await,
                    Some(fault) => answer(vendor, fault, request, next).await,
                }
            }
        }))
    }

    /// `POST /faults`: arms faults over HTTP (only mounted when the gateway's config allows it).
    pub fn router(&self) -> Router {
        #[derive(Deserialize)]
        struct Arm {
            vendor: Vendor,
            fault: Fault,
            #[serde(default = "one")]
            times: usize,
        }
        fn one() -> usize {
            1
        }
        Router::new()
            .route(
                "/faults",
                axum::routing::post(|State(faults): State<Faults>, Json(arm): Json<Arm>| async move {
                    faults.arm(arm.vendor, arm.fault, arm.times.min(1000));
                    StatusCode::NO_CONTENT
                })
                .delete(|State(faults): State<Faults>| async move {
                    faults.clear();
                    StatusCode::NO_CONTENT
                }),
            )
            .with_state(self.clone())
    }
}

async fn answer(vendor: Vendor, fault: Fault, request: Request, next: Next) -> Response {
    match fault {
        Fault::HtmlBadGateway => (
            StatusCode::BAD_GATEWAY,
            [(header::CONTENT_TYPE, "text/html")],
            "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
        )
            .into_response(),
        Fault::EmptyOk => (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], "").into_response(),
        Fault::VendorError => {
            let body = match vendor {
                Vendor::Idme => json!({ "code": "500", "message": "Internal service error" }),
                Vendor::Standfast => json!({ "message": "Internal server error" }),
                Vendor::Iden => json!({ "detail": "Internal server error" }),
            };
            (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
        }
        Fault::Hang => {
            tokio::time::sleep(HANG).await;
            StatusCode::GATEWAY_TIMEOUT.into_response()
        }
        Fault::DropConnection => {
            // The break comes a moment after the first bytes: had it come at once, the server
            // would drop the connection before anything left it, and a browser resends a
            // request whose reused connection closed without an answer (a second request the
            // user never sees fail).
            let start = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"{\"events\": ["))]);
            let cut = futures_util::stream::once(async {
                tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "sandbox fault: connection dropped"))
            });
            let body = Body::from_stream(futures_util::StreamExt::chain(start, cut));
            (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
        Fault::TruncatedJson
        | Fault::HostileStrings
        | Fault::HugePage
        | Fault::WrongTypes
        | Fault::UnknownFields
        | Fault::NullsEverywhere => {
            let real = next.run(request).await;
            let (mut parts, body) = real.into_parts();
            let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            };
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(distort(fault, &bytes)))
        }
    }
}

/// The real body as the fault changes it.
pub fn distort(fault: Fault, body: &[u8]) -> Vec<u8> {
    if fault == Fault::TruncatedJson {
        return body[..body.len() / 2].to_vec();
    }
    let Ok(mut value) = serde_json::from_slice::<Value>(body) else { return body.to_vec() };
    match fault {
        Fault::WrongTypes => swap_types(&mut value),
        Fault::UnknownFields => add_unknown_fields(&mut value),
        Fault::NullsEverywhere => null_leaves(&mut value),
        Fault::HugePage => pad_records(&mut value),
        Fault::HostileStrings => make_hostile(&mut value, &mut 0),
        _ => {}
    }
    serde_json::to_vec(&value).unwrap_or_else(|_| body.to_vec())
}

fn swap_types(value: &mut Value) {
    match value {
        Value::String(s) => *value = json!(s.len()),
        Value::Number(n) => *value = Value::String(n.to_string()),
        Value::Bool(b) => *value = Value::String(b.to_string()),
        Value::Array(items) => items.iter_mut().for_each(swap_types),
        Value::Object(map) => map.values_mut().for_each(swap_types),
        Value::Null => {}
    }
}

/// Whether a string is structure the app needs to place the record (an id, a time, an address,
/// a cursor or link, a number in a string), not free text.
fn is_structural(key: &str, text: &str) -> bool {
    let key = key.to_ascii_lowercase();
    let structural_key = key == "id"
        || key.ends_with("_id")
        || key.ends_with("_at")
        || key.contains("cursor")
        || key.contains("time")
        || matches!(key.as_str(), "next" | "previous" | "prev" | "ip" | "ipaddress" | "ip_address" | "severity");
    let hex: String = text.chars().filter(|c| *c != '-').collect();
    let uuid_like = hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit());
    let time_like = chrono::DateTime::parse_from_rfc3339(text).is_ok();
    structural_key || uuid_like || time_like || text.parse::<std::net::IpAddr>().is_ok() || text.parse::<f64>().is_ok()
}

fn make_hostile(value: &mut Value, next: &mut usize) {
    fn walk(key: &str, value: &mut Value, next: &mut usize) {
        match value {
            Value::String(text) if !is_structural(key, text) => {
                let n = *next;
                *next += 1;
                *text = match n % (HOSTILE_STRINGS.len() + 1) {
                    i if i < HOSTILE_STRINGS.len() => HOSTILE_STRINGS[i].to_string(),
                    _ => long_hostile_string(),
                };
            }
            Value::Array(items) => items.iter_mut().for_each(|v| walk(key, v, next)),
            Value::Object(map) => map.iter_mut().for_each(|(k, v)| walk(k, v, next)),
            _ => {}
        }
    }
    walk("", value, next);
}

fn add_unknown_fields(value: &mut Value) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(add_unknown_fields),
        Value::Object(map) => {
            map.values_mut().for_each(add_unknown_fields);
            map.insert("x_unannounced_field".into(), json!({ "nested": [1, "two", null], "flag": true }));
            map.insert("x_unannounced_list".into(), json!([]));
        }
        _ => {}
    }
}

fn null_leaves(value: &mut Value) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(null_leaves),
        Value::Object(map) => map.values_mut().for_each(null_leaves),
        _ => *value = Value::Null,
    }
}

/// Pads every object inside an array (the records) with an undocumented field, evenly, so the
/// page passes [`HUGE_PAGE_BYTES`]; an answer with no records gets one padded top-level field.
fn pad_records(value: &mut Value) {
    let count = count_records(value).max(1);
    let share = HUGE_PAGE_BYTES / count + 1;
    if !pad_each_record(value, share)
        && let Value::Object(map) = value
    {
        map.insert("x_padding".into(), Value::String("x".repeat(HUGE_PAGE_BYTES)));
    }
}

fn count_records(value: &Value) -> usize {
    match value {
        Value::Array(items) => items.iter().map(|i| if i.is_object() { 1 } else { count_records(i) }).sum(),
        Value::Object(map) => map.values().map(count_records).sum(),
        _ => 0,
    }
}

/// Returns whether any record was padded.
fn pad_each_record(value: &mut Value, share: usize) -> bool {
    match value {
        Value::Array(items) => {
            let mut padded = false;
            for item in items {
                if let Value::Object(map) = item {
                    map.insert("x_padding".into(), Value::String("x".repeat(share)));
                    padded = true;
                } else {
                    padded |= pad_each_record(item, share);
                }
            }
            padded
        }
        Value::Object(map) => map.values_mut().fold(false, |padded, v| pad_each_record(v, share) | padded),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"{"events":[{"id":"a","n":1,"ok":true},{"id":"b","n":2,"ok":false}],"next":null}"#;

    #[test]
    fn distortions_do_what_they_say() {
        let truncated = distort(Fault::TruncatedJson, PAGE.as_bytes());
        assert!(serde_json::from_slice::<Value>(&truncated).is_err());

        let wrong: Value = serde_json::from_slice(&distort(Fault::WrongTypes, PAGE.as_bytes())).unwrap();
        assert_eq!(wrong["events"][0]["id"], json!(1));
        assert_eq!(wrong["events"][1]["n"], json!("2"));
        assert_eq!(wrong["events"][0]["ok"], json!("true"));

        let nulls: Value = serde_json::from_slice(&distort(Fault::NullsEverywhere, PAGE.as_bytes())).unwrap();
        assert_eq!(
            nulls,
            json!({"events":[{"id":null,"n":null,"ok":null},{"id":null,"n":null,"ok":null}],"next":null})
        );

        let unknown: Value = serde_json::from_slice(&distort(Fault::UnknownFields, PAGE.as_bytes())).unwrap();
        assert_eq!(unknown["events"][1]["id"], "b");
        assert!(unknown["events"][1]["x_unannounced_field"].is_object());
        assert!(unknown["x_unannounced_list"].is_array());

        let huge = distort(Fault::HugePage, PAGE.as_bytes());
        assert!(huge.len() > HUGE_PAGE_BYTES);
        let huge: Value = serde_json::from_slice(&huge).unwrap();
        assert_eq!(huge["events"][0]["id"], "a");
    }

    #[test]
    fn hostile_strings_replace_free_text_and_keep_structure() {
        let page = r#"{"events":[{"id":"7b6f0c1e-1c53-4a39-8e57-5f5b8f8f2f11","type":"session.login",
            "occurred_at":"2026-01-02T03:04:05Z","ip":"10.0.0.1","actor":{"name":"Ann","email":"a@x"},
            "count":"12"}],"next_cursor":"abc"}"#;
        let out: Value = serde_json::from_slice(&distort(Fault::HostileStrings, page.as_bytes())).unwrap();
        let e = &out["events"][0];
        assert_eq!(e["id"], "7b6f0c1e-1c53-4a39-8e57-5f5b8f8f2f11");
        assert_eq!(e["occurred_at"], "2026-01-02T03:04:05Z");
        assert_eq!(e["ip"], "10.0.0.1");
        assert_eq!(e["count"], "12");
        assert_eq!(out["next_cursor"], "abc");
        for text in [&e["type"], &e["actor"]["name"], &e["actor"]["email"]] {
            assert!(HOSTILE_STRINGS.contains(&text.as_str().unwrap()), "{text}");
        }
    }

    #[test]
    fn armed_faults_are_taken_in_order_once() {
        let faults = Faults::default();
        faults.arm(Vendor::Iden, Fault::Hang, 1);
        faults.arm(Vendor::Iden, Fault::EmptyOk, 2);
        {
            let _armed = faults.arm_while(Vendor::Standfast, Fault::VendorError, 3);
            assert_eq!(faults.take(Vendor::Standfast), Some(Fault::VendorError));
        }
        assert_eq!(faults.take(Vendor::Standfast), None, "the guard disarmed what was left");
        assert_eq!(faults.take(Vendor::Idme), None);
        assert_eq!(faults.take(Vendor::Iden), Some(Fault::Hang));
        assert_eq!(faults.take(Vendor::Iden), Some(Fault::EmptyOk));
        assert_eq!(faults.take(Vendor::Iden), Some(Fault::EmptyOk));
        assert_eq!(faults.take(Vendor::Iden), None);
    }
}
