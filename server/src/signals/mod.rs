//! Pushed security signals: Security Event Tokens (RFC 8417) that transmitters such as ID.me's
//! Shared Signals (SSF, RISC and CAEP events) push to `POST /ssf/{receiver}` (RFC 8935). Each is
//! verified against its transmitter's published keys (`keys`, `verify`), kept once per `jti` in
//! the gateway's database (`store`), and sent at once to every open `/signals` page over
//! Server-Sent Events (`routes`).

pub mod config;
mod keys;
pub mod poll;
pub mod routes;
pub mod store;
pub mod verify;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::broadcast;

pub use config::{ReceiverConfig, SignalsConfig};
use keys::TransmitterKeys;
use verify::{Rejection, VerifiedSet};

use crate::proxy::budget::Budget;

/// A kept signal, as `/signals.json` and the live stream give it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signal {
    pub id: i64,
    pub receiver: String,
    pub issuer: String,
    pub jti: String,
    pub event_types: Vec<String>,
    pub subjects: Vec<serde_json::Value>,
    pub event_at_ms: i64,
    pub received_at_ms: i64,
    pub event_id: Option<String>,
    /// The verified SET's claims, decoded.
    pub claims: serde_json::Value,
}

/// What the `/signals` view asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// An event type URI, or its last segment.
    pub event_type: Option<String>,
    /// Any identifier value of a subject (an e-mail address, a `sub`, a phone number, …).
    pub subject: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// Older than this signal (the next page).
    pub before_id: Option<i64>,
}

pub(crate) struct Receiver {
    pub config: ReceiverConfig,
    keys: TransmitterKeys,
    budget: Budget,
    bearer: Option<String>,
}

/// What became of a pushed SET.
#[derive(Debug)]
pub enum Outcome {
    Kept(Arc<Signal>),
    /// Its issuer had sent that `jti` before; the first is kept.
    Duplicate,
}

pub struct Signals {
    pub(crate) receivers: HashMap<String, Receiver>,
    /// Writes come one at a time; reads have their own connection.
    writer: Mutex<rusqlite::Connection>,
    reader: Mutex<rusqlite::Connection>,
    live: broadcast::Sender<Arc<Signal>>,
    max_set_bytes: usize,
    max_age: Duration,
}

impl Signals {
    pub fn open(
        config: &SignalsConfig,
        access_log_path: Option<&std::path::Path>,
        env: &impl Fn(&str) -> Option<String>,
    ) -> Result<Arc<Signals>, String> {
        let path = config.database.as_deref().or(access_log_path).ok_or("[signals] needs a database")?;
        let writer = crate::database::open(path)?;
        let reader = crate::database::open(path)?;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("signals: {e}"))?;
        let mut receivers = HashMap::new();
        for receiver in config.all_receivers() {
            let bearer = match &receiver.bearer_token_env {
                Some(name) => Some(env(name).filter(|t| !t.is_empty()).ok_or_else(|| {
                    format!("signals receiver {:?}: environment variable {name} is not set", receiver.id)
                })?),
                None => None,
            };
            receivers.insert(
                receiver.id.clone(),
                Receiver {
                    keys: TransmitterKeys::new(receiver.issuer.clone(), client.clone()),
                    budget: Budget::per_minute(config.rate_limit_per_minute),
                    bearer,
                    config: receiver,
                },
            );
        }
        let (live, _) = broadcast::channel(1024);
        Ok(Arc::new(Signals {
            receivers,
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
            live,
            max_set_bytes: config.max_set_bytes,
            max_age: Duration::from_secs(config.max_age_secs),
        }))
    }

    /// Verifies and keeps a SET pushed to `receiver` (known to exist).
    pub(crate) async fn receive(&self, receiver: &Receiver, token: &str) -> Result<Outcome, Rejection> {
        let now = chrono::Utc::now();
        let set = verify::verify(token, &receiver.config, &receiver.keys, self.max_age, now.timestamp()).await;
        let set = match set {
            Ok(set) => set,
            Err(rejection) => {
                self.record_rejection(&receiver.config.id, &rejection, token.len());
                return Err(rejection);
            }
        };
        let kept = self.keep(&receiver.config.id, &set, now.timestamp_millis()).map_err(|e| Rejection {
            status: axum::http::StatusCode::SERVICE_UNAVAILABLE,
            err: "invalid_request",
            description: format!("the signal could not be stored now: {e}"),
        })?;
        Ok(match kept {
            Some(signal) => {
                let signal = Arc::new(signal);
                let _ = self.live.send(signal.clone());
                Outcome::Kept(signal)
            }
            None => Outcome::Duplicate,
        })
    }

    fn keep(&self, receiver: &str, set: &VerifiedSet, now_ms: i64) -> Result<Option<Signal>, String> {
        let db = self.writer.lock().map_err(|_| "the database is unavailable".to_string())?;
        store::insert(&db, receiver, set, now_ms).map_err(|e| e.to_string())
    }

    pub(crate) fn record_rejection(&self, receiver: &str, rejection: &Rejection, size: usize) {
        let Ok(db) = self.writer.lock() else { return };
        let now = chrono::Utc::now().timestamp_millis();
        if let Err(e) = store::reject(&db, receiver, now, rejection.err, &rejection.description, size) {
            eprintln!("signals: a refused SET could not be recorded: {e}");
        }
    }

    /// Signals matching `filter` from `receivers`, newest first.
    pub fn page(&self, filter: &Filter, receivers: &[String], limit: u32) -> Result<Vec<Signal>, String> {
        let db = self.reader.lock().map_err(|_| "the database is unavailable".to_string())?;
        store::page(&db, filter, receivers, limit).map_err(|e| format!("signals: {e}"))
    }

    /// Refused SETs, newest first: (receiver, err, description).
    pub fn rejections(&self, limit: u32) -> Result<Vec<(String, String, String)>, String> {
        let db = self.reader.lock().map_err(|_| "the database is unavailable".to_string())?;
        store::rejections(&db, limit).map_err(|e| format!("signals: {e}"))
    }

    /// New signals as they are kept.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Signal>> {
        self.live.subscribe()
    }

    /// The receivers `who` may see (all of them without sign-in).
    pub fn visible_to(&self, who: Option<&crate::auth::Identity>, with_auth: bool) -> Vec<String> {
        let mut ids: Vec<String> = self
            .receivers
            .values()
            .filter(|r| !with_auth || r.config.built_in || who.is_some_and(|w| w.may_see(&r.config)))
            .map(|r| r.config.id.clone())
            .collect();
        ids.sort();
        ids
    }
}
