//! A durable record of who looked at what: every proxied request (who, which connection,
//! method, path, query and form fields, never a header or a secret; the vendor's status, the
//! answer's size, whether the shared cache answered), every sign-in, sign-out and denial.
//!
//! Entries go to a writer thread over a channel, so the proxy never waits for the disk; the
//! writer commits them in batches to SQLite (`store`). The admin view reads it (`routes`).

mod form;
pub mod routes;
mod store;

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use form::form_fields;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessLogConfig {
    /// The SQLite file (created with its directory on start).
    pub path: PathBuf,
    /// Entries older than this many days are dropped (checked on start and daily).
    #[serde(default = "default_retention")]
    pub retention_days: u32,
}

fn default_retention() -> u32 {
    365
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Request,
    SignIn,
    SignOut,
    Denied,
    Export,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Request => "request",
            Kind::SignIn => "sign-in",
            Kind::SignOut => "sign-out",
            Kind::Denied => "denied",
            Kind::Export => "export",
        }
    }

    fn parse(text: &str) -> Kind {
        match text {
            "sign-in" => Kind::SignIn,
            "sign-out" => Kind::SignOut,
            "denied" => Kind::Denied,
            "export" => Kind::Export,
            _ => Kind::Request,
        }
    }
}

/// One line of the access log. Text fields are empty where they do not apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Milliseconds since the Unix epoch.
    pub at_ms: i64,
    pub kind: Kind,
    pub subject: String,
    pub email: String,
    pub connection: String,
    pub method: String,
    pub path: String,
    pub query: String,
    /// The form's fields as JSON (`[["ipaddress","1.2.3.4"],["page","2"]]`).
    pub form: String,
    pub status: u16,
    pub size: u64,
    pub from_cache: bool,
    pub detail: String,
}

impl Entry {
    /// An entry of `kind` now, for `who`, the rest empty.
    pub fn now(kind: Kind, who: Option<&crate::auth::Identity>) -> Entry {
        Entry {
            at_ms: chrono::Utc::now().timestamp_millis(),
            kind,
            subject: who.map(|w| w.subject.clone()).unwrap_or_default(),
            email: who.and_then(|w| w.email.clone()).unwrap_or_default(),
            connection: String::new(),
            method: String::new(),
            path: String::new(),
            query: String::new(),
            form: String::new(),
            status: 0,
            size: 0,
            from_cache: false,
            detail: String::new(),
        }
    }
}

/// What the admin view asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// An e-mail address (any case) or a subject.
    pub user: Option<String>,
    pub connection: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Page {
    pub entries: Vec<Entry>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

enum Message {
    Write(Entry),
    /// Answered once everything sent before it is committed.
    Flush(Sender<()>),
}

pub struct AccessLog {
    sender: Sender<Message>,
    reader: Mutex<rusqlite::Connection>,
}

/// Entries committed together at most (more wait for the next transaction).
const BATCH: usize = 500;

impl AccessLog {
    pub fn open(config: &AccessLogConfig) -> Result<Arc<AccessLog>, String> {
        let mut writer = crate::database::open(&config.path)?;
        let reader = crate::database::open(&config.path)?;
        let retention = Duration::from_secs(u64::from(config.retention_days) * 86_400);
        purge(&writer, retention);
        let (sender, receiver) = channel();
        std::thread::Builder::new()
            .name("access-log".into())
            .spawn(move || write_until_closed(&mut writer, &receiver, retention))
            .map_err(|e| format!("access log: cannot start its writer: {e}"))?;
        Ok(Arc::new(AccessLog { sender, reader: Mutex::new(reader) }))
    }

    /// Queues an entry; never waits for the disk.
    pub fn record(&self, entry: Entry) {
        let _ = self.sender.send(Message::Write(entry));
    }

    /// Waits until every entry recorded so far is committed.
    pub fn flush(&self) {
        let (done, wait) = channel();
        if self.sender.send(Message::Flush(done)).is_ok() {
            let _ = wait.recv_timeout(Duration::from_secs(30));
        }
    }

    /// The export signing key kept in the database (made on first use).
    pub fn signing_seed(&self) -> Result<[u8; 32], String> {
        let db = self.reader.lock().map_err(|_| "access log unavailable".to_string())?;
        store::signing_seed(&db, crate::signing::new_seed)
    }

    pub fn page(&self, filter: &Filter, page: u32, per_page: u32) -> Result<Page, String> {
        let db = self.reader.lock().map_err(|_| "access log unavailable".to_string())?;
        store::page(&db, filter, page, per_page).map_err(|e| format!("access log: {e}"))
    }

    pub fn each(&self, filter: &Filter, each: impl FnMut(Entry)) -> Result<(), String> {
        let db = self.reader.lock().map_err(|_| "access log unavailable".to_string())?;
        store::each(&db, filter, each).map_err(|e| format!("access log: {e}"))
    }
}

fn purge(db: &rusqlite::Connection, retention: Duration) {
    let before = chrono::Utc::now().timestamp_millis() - retention.as_millis() as i64;
    if let Err(e) = store::purge(db, before) {
        eprintln!("access log: could not drop old entries: {e}");
    }
}

fn write_until_closed(db: &mut rusqlite::Connection, receiver: &Receiver<Message>, retention: Duration) {
    let mut last_purge = std::time::Instant::now();
    let mut batch = Vec::new();
    let mut waiting = Vec::new();
    while let Ok(first) = receiver.recv() {
        let mut next = Some(first);
        while let Some(message) = next {
            match message {
                Message::Write(entry) => batch.push(entry),
                Message::Flush(done) => waiting.push(done),
            }
            next = if batch.len() < BATCH { receiver.try_recv().ok() } else { None };
        }
        if !batch.is_empty() {
            if let Err(e) = store::insert(db, &batch) {
                eprintln!("access log: {} entries could not be written: {e}", batch.len());
            }
            batch.clear();
        }
        for done in waiting.drain(..) {
            let _ = done.send(());
        }
        if last_purge.elapsed() > Duration::from_secs(86_400) {
            purge(db, retention);
            last_purge = std::time::Instant::now();
        }
    }
}
