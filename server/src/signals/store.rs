//! Signals and refused SETs in the gateway's database (`crate::database`).

use rusqlite::{Connection, OptionalExtension, params, params_from_iter, types::Value as Sql};
use serde_json::Value;

use super::verify::VerifiedSet;
use super::{Filter, Signal};

/// Keeps a verified SET; None when its issuer already sent that `jti` (kept once).
pub fn insert(
    db: &Connection,
    receiver: &str,
    set: &VerifiedSet,
    received_at_ms: i64,
) -> rusqlite::Result<Option<Signal>> {
    let event_types = Value::from(set.event_types.clone()).to_string();
    let subjects = Value::from(set.subjects.clone()).to_string();
    let claims = set.claims.to_string();
    let added = db.execute(
        "INSERT OR IGNORE INTO signal (receiver, issuer, jti, event_types, subjects, subject_keys, event_at_ms,
         received_at_ms, event_id, claims, set_jwt) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            receiver,
            set.issuer,
            set.jti,
            event_types,
            subjects,
            subject_keys(&set.subjects),
            set.event_at_ms,
            received_at_ms,
            set.event_id,
            claims,
            set.token
        ],
    )?;
    if added == 0 {
        return Ok(None);
    }
    let id = db.last_insert_rowid();
    db.query_row(&format!("SELECT {COLUMNS} FROM signal WHERE id = ?1"), [id], signal).optional()
}

/// Records a refused SET: never a signal, never shown as one.
pub fn reject(
    db: &Connection,
    receiver: &str,
    at_ms: i64,
    err: &str,
    description: &str,
    size: usize,
) -> rusqlite::Result<()> {
    db.execute(
        "INSERT INTO signal_rejection (receiver, at_ms, err, description, size) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![receiver, at_ms, err, description, size as i64],
    )?;
    Ok(())
}

/// Refused SETs, newest first: (receiver, err, description).
pub fn rejections(db: &Connection, limit: u32) -> rusqlite::Result<Vec<(String, String, String)>> {
    let mut statement =
        db.prepare(&format!("SELECT receiver, err, description FROM signal_rejection ORDER BY id DESC LIMIT {limit}"))?;
    statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?.collect()
}

const COLUMNS: &str = "id, receiver, issuer, jti, event_types, subjects, event_at_ms, received_at_ms, event_id, claims";

fn signal(row: &rusqlite::Row<'_>) -> rusqlite::Result<Signal> {
    let json = |text: String| serde_json::from_str::<Value>(&text).unwrap_or(Value::Null);
    let event_types = match json(row.get(4)?) {
        Value::Array(types) => types.into_iter().filter_map(|t| t.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    };
    let subjects = match json(row.get(5)?) {
        Value::Array(subjects) => subjects,
        _ => Vec::new(),
    };
    Ok(Signal {
        id: row.get(0)?,
        receiver: row.get(1)?,
        issuer: row.get(2)?,
        jti: row.get(3)?,
        event_types,
        subjects,
        event_at_ms: row.get(6)?,
        received_at_ms: row.get(7)?,
        event_id: row.get(8)?,
        claims: json(row.get(9)?),
    })
}

/// Signals matching `filter`, newest received first, from the receivers listed.
pub fn page(db: &Connection, filter: &Filter, receivers: &[String], limit: u32) -> rusqlite::Result<Vec<Signal>> {
    if receivers.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = vec![format!("receiver IN ({})", vec!["?"; receivers.len()].join(", "))];
    let mut values: Vec<Sql> = receivers.iter().map(|r| Sql::Text(r.clone())).collect();
    if let Some(event_type) = &filter.event_type {
        // The whole URI, or its last segment (`account-disabled`).
        sql.push(
            "EXISTS (SELECT 1 FROM json_each(signal.event_types) WHERE value = ? OR value LIKE ? ESCAPE '\\')".into(),
        );
        values.push(Sql::Text(event_type.clone()));
        values.push(Sql::Text(format!("%/{}", like_escaped(event_type))));
    }
    if let Some(subject) = &filter.subject {
        sql.push("instr(subject_keys, ?) > 0".into());
        values.push(Sql::Text(format!("\n{}\n", normalised(subject))));
    }
    if let Some(from) = filter.from_ms {
        sql.push("event_at_ms >= ?".into());
        values.push(Sql::Integer(from));
    }
    if let Some(to) = filter.to_ms {
        sql.push("event_at_ms < ?".into());
        values.push(Sql::Integer(to));
    }
    if let Some(before) = filter.before_id {
        sql.push("id < ?".into());
        values.push(Sql::Integer(before));
    }
    let mut statement = db
        .prepare(&format!("SELECT {COLUMNS} FROM signal WHERE {} ORDER BY id DESC LIMIT {limit}", sql.join(" AND ")))?;
    statement.query_map(params_from_iter(values.iter()), signal)?.collect()
}

fn like_escaped(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Every identifier value of the subjects (emails, phone numbers, `sub`s, ids, URIs; nested
/// `aliases` and complex subjects too), each between newlines, for an exact match on any one.
pub fn subject_keys(subjects: &[Value]) -> String {
    fn collect(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(members) => {
                for (name, member) in members {
                    match member {
                        Value::String(text) if name != "format" && name != "iss" => out.push(normalised(text)),
                        other => collect(other, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|item| collect(item, out)),
            _ => {}
        }
    }
    let mut keys = Vec::new();
    subjects.iter().for_each(|s| collect(s, &mut keys));
    keys.sort();
    keys.dedup();
    format!("\n{}\n", keys.join("\n"))
}

/// Lower case; a UUID without its dashes (a sandbox person's id is written both ways).
pub fn normalised(text: &str) -> String {
    let lower = text.trim().to_lowercase();
    let hex: String = lower.chars().filter(|c| *c != '-').collect();
    let uuid_shaped = hex.len() == 32
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
        && (lower.len() == 32 || [8, 13, 18, 23].iter().all(|&i| lower.as_bytes().get(i) == Some(&b'-')));
    if uuid_shaped { hex } else { lower }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_keys_hold_every_identifier_value_once() {
        let subjects = [
            serde_json::json!({"format": "iss_sub", "iss": "https://idp.example", "sub": "0B7AC1E2-3D4F-4a5b-8c6d-7e8f90a1b2c3"}),
            serde_json::json!({"format": "aliases", "identifiers": [
                {"format": "email", "email": "Ann@Example.org"},
                {"format": "phone_number", "phone_number": "+12065550100"}
            ]}),
        ];
        assert_eq!(subject_keys(&subjects), "\n+12065550100\n0b7ac1e23d4f4a5b8c6d7e8f90a1b2c3\nann@example.org\n");
        assert_eq!(normalised("0b7ac1e23d4f4a5b8c6d7e8f90a1b2c3"), "0b7ac1e23d4f4a5b8c6d7e8f90a1b2c3");
        assert_eq!(normalised("0b7ac1e2-3d4f-4a5b-8c6d-7e8f90a1b2c3"), "0b7ac1e23d4f4a5b8c6d7e8f90a1b2c3");
        assert_eq!(normalised("not-a-uuid"), "not-a-uuid");
    }
}
