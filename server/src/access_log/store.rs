//! The access log's SQLite file (rusqlite, bundled SQLite): created on start, migrated by
//! `user_version`, in WAL mode so the admin view reads while the writer writes.

use std::path::Path;

use rusqlite::{Connection, params, params_from_iter};

use super::{Entry, Filter, Page};

/// Each step brings the schema from version `i` to `i + 1`.
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
];

/// The export signing key's seed, made by `new` and kept on first use.
pub fn signing_seed(db: &Connection, new: impl FnOnce() -> Result<[u8; 32], String>) -> Result<[u8; 32], String> {
    let fail = |e: rusqlite::Error| format!("access log: the signing key: {e}");
    let read = |db: &Connection| -> Result<Option<Vec<u8>>, String> {
        match db.query_row("SELECT seed FROM signing_key WHERE id = 1", [], |row| row.get(0)) {
            Ok(seed) => Ok(Some(seed)),
            Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
            Err(e) => Err(fail(e)),
        }
    };
    if read(db)?.is_none() {
        let seed = new()?;
        // Another gateway on the same file may make one first: the one kept wins.
        db.execute("INSERT OR IGNORE INTO signing_key (id, seed) VALUES (1, ?1)", [seed.to_vec()]).map_err(fail)?;
    }
    let kept = read(db)?.ok_or("access log: the signing key could not be kept")?;
    <[u8; 32]>::try_from(kept).map_err(|_| "access log: the signing key is not 32 bytes".to_string())
}

pub fn open(path: &Path) -> Result<Connection, String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("access log: cannot create {}: {e}", dir.display()))?;
    }
    let db = Connection::open(path).map_err(|e| format!("access log: cannot open {}: {e}", path.display()))?;
    let fail = |e: rusqlite::Error| format!("access log {}: {e}", path.display());
    db.pragma_update(None, "journal_mode", "WAL").map_err(fail)?;
    db.pragma_update(None, "synchronous", "NORMAL").map_err(fail)?;
    db.busy_timeout(std::time::Duration::from_secs(5)).map_err(fail)?;
    let version: i64 = db.pragma_query_value(None, "user_version", |row| row.get(0)).map_err(fail)?;
    let version = usize::try_from(version).unwrap_or(usize::MAX);
    if version > MIGRATIONS.len() {
        return Err(format!("access log {}: made by a newer Auditdeck (schema {version})", path.display()));
    }
    for (step, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = db.unchecked_transaction().map_err(fail)?;
        tx.execute_batch(sql).map_err(fail)?;
        tx.pragma_update(None, "user_version", (step + 1) as i64).map_err(fail)?;
        tx.commit().map_err(fail)?;
    }
    Ok(db)
}

pub fn insert(db: &mut Connection, entries: &[Entry]) -> rusqlite::Result<()> {
    let tx = db.transaction()?;
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO entry (at_ms, kind, subject, email, connection, method, path, query, form, status, size,
             from_cache, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )?;
        for e in entries {
            insert.execute(params![
                e.at_ms,
                e.kind.as_str(),
                e.subject,
                e.email,
                e.connection,
                e.method,
                e.path,
                e.query,
                e.form,
                e.status,
                i64::try_from(e.size).unwrap_or(i64::MAX),
                e.from_cache,
                e.detail
            ])?;
        }
    }
    tx.commit()
}

/// Drops entries older than `before_ms`.
pub fn purge(db: &Connection, before_ms: i64) -> rusqlite::Result<usize> {
    db.execute("DELETE FROM entry WHERE at_ms < ?1", [before_ms])
}

fn condition(filter: &Filter) -> (String, Vec<rusqlite::types::Value>) {
    use rusqlite::types::Value;
    let mut sql = vec!["1 = 1".to_string()];
    let mut values = Vec::new();
    if let Some(user) = &filter.user {
        sql.push("(email = ? COLLATE NOCASE OR subject = ?)".into());
        values.push(Value::Text(user.clone()));
        values.push(Value::Text(user.clone()));
    }
    if let Some(connection) = &filter.connection {
        sql.push("connection = ?".into());
        values.push(Value::Text(connection.clone()));
    }
    if let Some(from) = filter.from_ms {
        sql.push("at_ms >= ?".into());
        values.push(Value::Integer(from));
    }
    if let Some(to) = filter.to_ms {
        sql.push("at_ms < ?".into());
        values.push(Value::Integer(to));
    }
    (sql.join(" AND "), values)
}

const COLUMNS: &str =
    "at_ms, kind, subject, email, connection, method, path, query, form, status, size, from_cache, detail";

fn entry(row: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    let kind: String = row.get(1)?;
    Ok(Entry {
        at_ms: row.get(0)?,
        kind: super::Kind::parse(&kind),
        subject: row.get(2)?,
        email: row.get(3)?,
        connection: row.get(4)?,
        method: row.get(5)?,
        path: row.get(6)?,
        query: row.get(7)?,
        form: row.get(8)?,
        status: row.get(9)?,
        size: row.get::<_, i64>(10)?.max(0) as u64,
        from_cache: row.get(11)?,
        detail: row.get(12)?,
    })
}

/// One page of entries, newest first, and how many match in all.
pub fn page(db: &Connection, filter: &Filter, page: u32, per_page: u32) -> rusqlite::Result<Page> {
    let (condition, values) = condition(filter);
    let total: i64 = db.query_row(
        &format!("SELECT COUNT(*) FROM entry WHERE {condition}"),
        params_from_iter(values.iter()),
        |row| row.get(0),
    )?;
    let mut statement = db.prepare(&format!(
        "SELECT {COLUMNS} FROM entry WHERE {condition} ORDER BY at_ms DESC, id DESC LIMIT {per_page} OFFSET {}",
        u64::from(page.saturating_sub(1)) * u64::from(per_page)
    ))?;
    let entries = statement.query_map(params_from_iter(values.iter()), entry)?.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Page { entries, total: total.max(0) as u64, page, per_page })
}

/// Every matching entry, newest first, handed to `each` (the CSV export streams through it).
pub fn each(db: &Connection, filter: &Filter, mut each: impl FnMut(Entry)) -> rusqlite::Result<()> {
    let (condition, values) = condition(filter);
    let mut statement =
        db.prepare(&format!("SELECT {COLUMNS} FROM entry WHERE {condition} ORDER BY at_ms DESC, id DESC"))?;
    for row in statement.query_map(params_from_iter(values.iter()), entry)? {
        each(row?);
    }
    Ok(())
}
