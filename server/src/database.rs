//! The gateway's one SQLite file (rusqlite, bundled SQLite), shared by the access log, the
//! export signing key and the security signals: one schema, created on first open and migrated
//! by `user_version`, in WAL mode so readers read while a writer writes.

use std::path::Path;

use rusqlite::Connection;

/// Each step brings the schema from version `i` to `i + 1`. Steps are never edited once
/// released: a file made by an older gateway is brought up to date step by step.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE entry (
        id INTEGER PRIMARY KEY,
        at_ms INTEGER NOT NULL,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        email TEXT NOT NULL,
        connection TEXT NOT NULL,
        method TEXT NOT NULL,
        path TEXT NOT NULL,
        query TEXT NOT NULL,
        form TEXT NOT NULL,
        status INTEGER NOT NULL,
        size INTEGER NOT NULL,
        from_cache INTEGER NOT NULL,
        detail TEXT NOT NULL
    );
    CREATE INDEX entry_at ON entry (at_ms);
    CREATE INDEX entry_email_at ON entry (email, at_ms);
    CREATE INDEX entry_connection_at ON entry (connection, at_ms);",
    "CREATE TABLE signing_key (id INTEGER PRIMARY KEY CHECK (id = 1), seed BLOB NOT NULL);",
    // A signal is a verified Security Event Token; `set_jwt` is the token as received, so its
    // signature can be checked again later. `subject_keys` holds every subject identifier's
    // values, normalised, one per line between newlines, for the subject filter.
    "CREATE TABLE signal (
        id INTEGER PRIMARY KEY,
        receiver TEXT NOT NULL,
        issuer TEXT NOT NULL,
        jti TEXT NOT NULL,
        event_types TEXT NOT NULL,
        subjects TEXT NOT NULL,
        subject_keys TEXT NOT NULL,
        event_at_ms INTEGER NOT NULL,
        received_at_ms INTEGER NOT NULL,
        event_id TEXT,
        claims TEXT NOT NULL,
        set_jwt TEXT NOT NULL,
        UNIQUE (issuer, jti)
    );
    CREATE INDEX signal_event_at ON signal (event_at_ms);
    CREATE TABLE signal_rejection (
        id INTEGER PRIMARY KEY,
        receiver TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        err TEXT NOT NULL,
        description TEXT NOT NULL,
        size INTEGER NOT NULL
    );
    CREATE INDEX signal_rejection_at ON signal_rejection (at_ms);",
];

/// Opens (creating it and its directory if need be) and migrates the database at `path`.
pub fn open(path: &Path) -> Result<Connection, String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("database: cannot create {}: {e}", dir.display()))?;
    }
    let mut db = Connection::open(path).map_err(|e| format!("database: cannot open {}: {e}", path.display()))?;
    let fail = |e: rusqlite::Error| format!("database {}: {e}", path.display());
    db.pragma_update(None, "journal_mode", "WAL").map_err(fail)?;
    db.pragma_update(None, "synchronous", "NORMAL").map_err(fail)?;
    db.busy_timeout(std::time::Duration::from_secs(5)).map_err(fail)?;
    // One write transaction from reading the version to the last step: two gateways starting
    // on one file do not both migrate it.
    let tx = db.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(fail)?;
    let version: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0)).map_err(fail)?;
    let version = usize::try_from(version).unwrap_or(usize::MAX);
    if version > MIGRATIONS.len() {
        return Err(format!("database {}: made by a newer Auditdeck (schema {version})", path.display()));
    }
    for sql in MIGRATIONS.iter().skip(version) {
        tx.execute_batch(sql).map_err(fail)?;
    }
    tx.pragma_update(None, "user_version", MIGRATIONS.len() as i64).map_err(fail)?;
    tx.commit().map_err(fail)?;
    Ok(db)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_file_gets_every_table_and_a_second_open_changes_nothing() {
        let dir = std::env::temp_dir().join(format!("auditdeck-db-{}", std::process::id()));
        let path = dir.join("new/gateway.sqlite");
        let _ = std::fs::remove_dir_all(&dir);
        let db = open(&path).unwrap();
        let tables: Vec<String> = db
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(tables, ["entry", "signal", "signal_rejection", "signing_key"]);
        drop(db);
        let again = open(&path).unwrap();
        let version: i64 = again.pragma_query_value(None, "user_version", |row| row.get(0)).unwrap();
        assert_eq!(version, 3);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
