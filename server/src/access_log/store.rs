//! The access log's table in the gateway's database (`crate::database`).

use rusqlite::{Connection, params, params_from_iter};

use super::{Entry, Filter, Page};

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
