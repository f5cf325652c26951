//! Exports of loaded rows: CSV or NDJSON in the normalized model plus the raw vendor record,
//! and the manifest that lets a compliance officer show later that a file matches it (its
//! SHA-256, row count, the view and the vendor requests behind it; never a credential).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::model::{AuditEvent, SeverityOrigin, Subject};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Ndjson,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Ndjson => "ndjson",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv;charset=utf-8",
            Format::Ndjson => "application/x-ndjson",
        }
    }
}

/// The columns, in order (CSV header and NDJSON keys).
pub const COLUMNS: [&str; 22] = [
    "id",
    "id_derived",
    "source",
    "connection",
    "occurred",
    "recorded",
    "event_type",
    "category",
    "severity",
    "severity_origin",
    "actor_kind",
    "actor_uuid",
    "actor_ip",
    "actor_client",
    "subject_kind",
    "subject_uuid",
    "application",
    "workspace",
    "conversation",
    "flags",
    "occurred_utc",
    "raw",
];

/// A spreadsheet would run a cell starting with one of these as a formula (OWASP's CSV
/// injection list).
const FORMULA_STARTS: [u8; 6] = [b'=', b'+', b'-', b'@', b'\t', b'\r'];

/// Whether a line would start a formula: its first byte is a formula start, or the first one
/// after leading spaces and control characters is (spreadsheets skip those). Ends at the line.
fn starts_formula(line: &[u8]) -> bool {
    line.iter()
        .take_while(|b| **b != b'\n')
        .find(|b| FORMULA_STARTS.contains(b) || !(**b == b' ' || b.is_ascii_control()))
        .is_some_and(|b| FORMULA_STARTS.contains(b))
}

/// A cell any of whose lines would start a formula gets an apostrophe before each such line:
/// the cell's own start, and every line after a line feed (an importer that splits lines would
/// otherwise run it). By byte: all the starts are ASCII, and this runs on millions of cells.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    let bytes = cell.as_bytes();
    let line_starts = || std::iter::once(0).chain(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1));
    if !line_starts().any(|start| starts_formula(&bytes[start..])) {
        return Cow::Borrowed(cell);
    }
    let mut out = String::with_capacity(cell.len() + 2);
    for (i, line) in cell.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if starts_formula(line.as_bytes()) {
            out.push('\'');
        }
        out.push_str(line);
    }
    Cow::Owned(out)
}

fn flag_names(e: &AuditEvent) -> String {
    if !e.flags.any() {
        return String::new();
    }
    let names: Vec<&str> =
        crate::model::detail::flag_explanations(&e.flags, None).into_iter().map(|(n, _)| n).collect();
    names.join(" ")
}

/// One event's values, column by column (the raw record as compact JSON). Borrowed where the
/// event holds the text: an export of 100,000 rows writes 2.2 million cells.
fn values(e: &AuditEvent) -> [Cow<'_, str>; 22] {
    fn text(v: &Option<String>) -> Cow<'_, str> {
        Cow::Borrowed(v.as_deref().unwrap_or(""))
    }
    let subject = |field: fn(&Subject) -> &Option<String>| {
        Cow::Borrowed(e.subject.as_ref().and_then(|s| field(s).as_deref()).unwrap_or(""))
    };
    [
        Cow::Borrowed(e.id.as_str()),
        Cow::Borrowed(if e.id_derived { "true" } else { "false" }),
        Cow::Borrowed(e.source.label()),
        Cow::Borrowed(&*e.connection),
        Cow::Borrowed(e.occurred.raw.as_str()),
        Cow::Borrowed(e.recorded.raw.as_str()),
        Cow::Borrowed(e.event_type.as_str()),
        Cow::Borrowed(&*e.category),
        Cow::Borrowed(e.severity.as_str()),
        Cow::Borrowed(match e.severity_origin {
            SeverityOrigin::Vendor => "vendor",
            SeverityOrigin::Derived => "derived",
        }),
        text(&e.actor.kind),
        text(&e.actor.uuid),
        text(&e.actor.ip),
        text(&e.actor.client),
        subject(|s| &s.kind),
        subject(|s| &s.uuid),
        text(&e.context.application),
        text(&e.context.workspace),
        text(&e.context.conversation),
        Cow::Owned(flag_names(e)),
        Cow::Owned(
            e.occurred.parsed.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)).unwrap_or_default(),
        ),
        Cow::Borrowed(e.raw.text()),
    ]
}

/// RFC 4180 CSV with a header row and CRLF line ends; every cell neutralised.
pub fn to_csv(events: &[AuditEvent]) -> String {
    // Sized for the whole file at once (the raw record, its quotes doubled, and ~400 bytes of
    // other cells a row): growing a 90 MB buffer by doubling copies it over and over.
    let size: usize = events.iter().map(|e| e.raw.text().len() * 9 / 8 + 400).sum();
    let mut out = Vec::with_capacity(size);
    push_csv_record(&mut out, COLUMNS.map(Cow::Borrowed));
    for e in events {
        push_csv_record(&mut out, values(e));
    }
    // Only &str cells went in, so the bytes are UTF-8 (no second copy to check them).
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// One row: its cells neutralised, separated by commas, ended by CRLF.
fn push_csv_record<'a>(out: &mut Vec<u8>, cells: impl IntoIterator<Item = Cow<'a, str>>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_csv_field(out, neutralise(&cell).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
}

/// One field as the csv crate's writer writes it (quoted, quotes doubled, when it holds `,`,
/// `"`, CR or LF), but found with memchr a word at a time: the crate's writer goes byte by
/// byte through a state machine, and the raw-record column is most of a 90 MB file.
fn push_csv_field(out: &mut Vec<u8>, field: &[u8]) {
    if memchr::memchr3(b',', b'"', b'\r', field).is_none() && memchr::memchr(b'\n', field).is_none() {
        out.extend_from_slice(field);
        return;
    }
    out.push(b'"');
    let mut rest = field;
    while let Some(i) = memchr::memchr(b'"', rest) {
        out.extend_from_slice(&rest[..=i]);
        out.push(b'"');
        rest = &rest[i + 1..];
    }
    out.extend_from_slice(rest);
    out.push(b'"');
}

/// One JSON object a line: the columns, with `raw` as the record itself.
pub fn to_ndjson(events: &[AuditEvent]) -> String {
    let mut out = String::new();
    for e in events {
        let mut object = serde_json::Map::new();
        for (column, value) in COLUMNS.iter().zip(values(e)) {
            object.insert(column.to_string(), Value::String(value.into_owned()));
        }
        object.insert("id_derived".into(), Value::Bool(e.id_derived));
        object.insert("raw".into(), e.raw.value());
        out.push_str(&Value::Object(object).to_string());
        out.push('\n');
    }
    out
}

pub fn render(format: Format, events: &[AuditEvent]) -> String {
    match format {
        Format::Csv => to_csv(events),
        Format::Ndjson => to_ndjson(events),
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    crate::rows::format::hex(&Sha256::digest(bytes))
}

/// Which rows an export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The rows the view had loaded (its page, and any pages appended).
    #[default]
    LoadedRows,
    /// Every page of the query, fetched for the export.
    WholeQuery,
}

/// What an export says about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// "auditdeck-export/1": how to read the rest.
    pub manifest: String,
    pub file_name: String,
    pub format: Format,
    /// The view the rows were loaded in: opening it shows the same query.
    pub view_url: String,
    /// The loaded rows or the whole query (manifests before this field: the loaded rows).
    #[serde(default)]
    pub scope: Scope,
    /// The vendor requests behind the rows: method, URL and form fields, never a header.
    pub requests: Vec<String>,
    /// The connections the rows came through, by label (never the credential).
    pub connections: Vec<String>,
    /// RFC 3339, UTC.
    pub exported_at: String,
    pub row_count: usize,
    pub sha256: String,
}

pub const MANIFEST_VERSION: &str = "auditdeck-export/1";

/// The file name for an export made at `exported_at` (RFC 3339) from the view at `path`.
pub fn file_name(path: &str, exported_at: &str, format: Format) -> String {
    let view: String =
        path.trim_matches('/').chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).take(40).collect();
    let stamp: String = exported_at.chars().filter(|c| c.is_ascii_digit()).take(14).collect();
    let view = if view.is_empty() { "home".to_string() } else { view };
    format!("auditdeck-{view}-{stamp}.{}", format.extension())
}

pub struct Export {
    pub content: String,
    pub manifest: Manifest,
}

/// The file and its manifest, whose SHA-256 is left empty for the browser's own digest (much
/// faster than this code compiled to WebAssembly) or [`sha256_hex`] to fill in.
pub fn export_unsigned(
    format: Format,
    events: &[AuditEvent],
    view_url: &str,
    view_path: &str,
    requests: Vec<String>,
    exported_at: &str,
    scope: Scope,
) -> Export {
    let content = render(format, events);
    let connections: std::collections::BTreeSet<&str> = events.iter().map(|e| &*e.connection).collect();
    let manifest = Manifest {
        manifest: MANIFEST_VERSION.into(),
        file_name: file_name(view_path, exported_at, format),
        format,
        view_url: view_url.into(),
        scope,
        requests,
        connections: connections.into_iter().map(String::from).collect(),
        exported_at: exported_at.into(),
        row_count: events.len(),
        sha256: String::new(),
    };
    Export { content, manifest }
}

pub fn manifest_json(manifest: &Manifest) -> String {
    serde_json::to_string_pretty(manifest).unwrap_or_default()
}

/// How a file compares with a manifest.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Same SHA-256 (and so the same rows).
    Matches { sha256: String, manifest: Manifest },
    /// The file is not the one the manifest describes.
    Differs { file_sha256: String, manifest: Manifest },
}

/// Checks `file` against a manifest's text; Err when the manifest cannot be read.
pub fn verify(file: &[u8], manifest_text: &str) -> Result<Verdict, String> {
    let manifest: Manifest =
        serde_json::from_str(manifest_text).map_err(|e| format!("This is not an Auditdeck export manifest ({e})."))?;
    if manifest.manifest != MANIFEST_VERSION {
        return Err(format!("Unknown manifest version {:?} (expected {MANIFEST_VERSION}).", manifest.manifest));
    }
    let file_sha256 = sha256_hex(file);
    Ok(if file_sha256.eq_ignore_ascii_case(&manifest.sha256) {
        Verdict::Matches { sha256: file_sha256, manifest }
    } else {
        Verdict::Differs { file_sha256, manifest }
    })
}

/// The records of an export, for a check that the file reads (CSV: rows after the header).
pub fn count_rows(format: Format, content: &str) -> Result<usize, String> {
    match format {
        Format::Csv => {
            let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(content.as_bytes());
            let mut n = 0;
            for record in reader.records() {
                record.map_err(|e| format!("the CSV does not read: {e}"))?;
                n += 1;
            }
            Ok(n)
        }
        Format::Ndjson => content
            .lines()
            .filter(|l| !l.trim().is_empty())
            .try_fold(0, |n, line| serde_json::from_str::<Value>(line).map(|_| n + 1))
            .map_err(|e| format!("the NDJSON does not read: {e}")),
    }
}

/// What the manifest names as a vendor request, from a request description.
pub fn describe_request(request: &crate::providers::HttpRequest) -> String {
    let body = match &request.body {
        crate::providers::RequestBody::None => String::new(),
        crate::providers::RequestBody::Multipart(fields) => {
            let fields: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!(" (form: {})", fields.join(", "))
        }
        crate::providers::RequestBody::Json(text) => format!(" (json: {text})"),
    };
    format!("{} {}{body}", request.method.as_str(), request.url)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::from_iden;

    fn events() -> Vec<AuditEvent> {
        let hostile = json!({"event_id":"e1","event_type":"session.login","severity":"low","category":"authentication",
            "occurred_at":"2026-04-08T14:30:00Z","actor":{"type":"user","ip":"203.0.113.9",
            "user_agent":"=HYPERLINK(\"https://attacker.example/\",\"open\")"}});
        let plain = json!({"event_id":"e2","event_type":"user.updated","severity":"info","category":"account",
            "occurred_at":"2026-04-08T14:29:00Z","actor":{"type":"system","user_agent":"-1+2, \"quoted\"\nline"}});
        vec![from_iden(&hostile, "Iden sandbox").unwrap(), from_iden(&plain, "Iden sandbox").unwrap()]
    }

    #[test]
    fn csv_fields_are_written_as_the_csv_crate_writes_them() {
        let cells = [
            "",
            "plain",
            "a,b",
            "say \"hi\"",
            "\"",
            "\"\"",
            "line\nbreak",
            "cr\rhere",
            "crlf\r\n",
            "é, ü \"x\"",
            "{\"k\":\"v,w\"}",
        ];
        for cell in cells {
            let mut ours = Vec::new();
            push_csv_field(&mut ours, cell.as_bytes());
            let mut theirs = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
            theirs.write_record(["x", cell]).unwrap();
            let theirs = theirs.into_inner().unwrap();
            let expected = &theirs[2..theirs.len() - 2];
            assert_eq!(String::from_utf8_lossy(&ours), String::from_utf8_lossy(expected), "{cell:?}");
        }
    }

    #[test]
    fn csv_neutralises_formulas_and_quotes_what_needs_it() {
        for (cell, want) in [
            ("=1+1", "'=1+1"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("a=1", "a=1"),
            ("", ""),
            // After leading spaces or control characters, and on a line after a line feed.
            ("  =1+1", "'  =1+1"),
            ("\u{1}\u{7f}@cmd", "'\u{1}\u{7f}@cmd"),
            (" \t x", "' \t x"),
            ("note\n=HYPERLINK(\"x\")", "note\n'=HYPERLINK(\"x\")"),
            ("a\r\n  -2", "a\r\n'  -2"),
            ("=1\n+2", "'=1\n'+2"),
            ("two\nlines", "two\nlines"),
            ("  x = 1", "  x = 1"),
        ] {
            assert_eq!(neutralise(cell), want);
        }
        let csv = to_csv(&events());
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), COLUMNS);
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        let client = COLUMNS.iter().position(|c| *c == "actor_client").unwrap();
        assert_eq!(&rows[0][client], "'=HYPERLINK(\"https://attacker.example/\",\"open\")");
        assert_eq!(&rows[1][client], "'-1+2, \"quoted\"\nline", "quotes, commas and newlines survive");
        let raw = COLUMNS.iter().position(|c| *c == "raw").unwrap();
        assert_eq!(serde_json::from_str::<Value>(&rows[0][raw]).unwrap()["event_id"], "e1");
        assert_eq!(count_rows(Format::Csv, &csv), Ok(2));
    }

    #[test]
    fn ndjson_has_one_object_a_line_with_the_raw_record() {
        let text = to_ndjson(&events());
        let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["raw"]["actor"]["ip"], "203.0.113.9");
        assert_eq!(lines[0]["id_derived"], false);
        assert_eq!(lines[1]["occurred_utc"], "2026-04-08T14:29:00.000Z");
        assert_eq!(count_rows(Format::Ndjson, &text), Ok(2));
    }

    #[test]
    fn manifest_verifies_the_file_and_catches_one_changed_byte() {
        let mut made = export_unsigned(
            Format::Csv,
            &events(),
            "http://127.0.0.1/severity?actor_ip=203.0.113.9",
            "/severity",
            vec!["GET /sandbox/iden/org/acme/api/events/?actor_ip=203.0.113.9".into()],
            "2026-11-22T12:00:00Z",
            Scope::WholeQuery,
        );
        made.manifest.sha256 = sha256_hex(made.content.as_bytes());
        let m = &made.manifest;
        assert_eq!((m.row_count, m.file_name.as_str()), (2, "auditdeck-severity-20261122120000.csv"));
        assert_eq!(m.connections, ["Iden sandbox"]);
        let text = manifest_json(m);
        assert!(text.contains(r#""scope": "whole_query""#), "{text}");
        let older = text.replace(r#""scope": "whole_query","#, "");
        assert_eq!(serde_json::from_str::<Manifest>(&older).map(|m| m.scope).ok(), Some(Scope::LoadedRows));
        assert!(matches!(verify(made.content.as_bytes(), &text), Ok(Verdict::Matches { .. })));
        let mut changed = made.content.clone().into_bytes();
        changed[10] ^= 1;
        assert!(matches!(verify(&changed, &text), Ok(Verdict::Differs { .. })));
        assert!(verify(made.content.as_bytes(), "{}").unwrap_err().contains("not an Auditdeck export manifest"));
    }
}
