//! A transmitter's signing keys: found from its issuer (`/.well-known/ssf-configuration` →
//! `jwks_uri`), kept for an hour, and fetched again when a SET names a key not held (the
//! transmitter rotated its keys). Those extra fetches are limited, so SETs naming made-up keys
//! cannot make the gateway hammer the transmitter.

use std::time::{Duration, Instant};

use jsonwebtoken::jwk::Jwk;
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::proxy::budget::Budget;

/// How long fetched keys are used before they are fetched again anyway.
const KEYS_FOR: Duration = Duration::from_secs(3600);
/// Fetches a minute for keys a SET names and the cache lacks.
const REFRESHES_PER_MINUTE: u32 = 6;
/// The largest discovery document or key set read.
const MAX_DOCUMENT: usize = 256 * 1024;

pub struct TransmitterKeys {
    issuer: url::Url,
    client: reqwest::Client,
    held: Mutex<Option<Held>>,
    refreshes: Budget,
}

struct Held {
    keys: Vec<Jwk>,
    at: Instant,
}

/// Why a key could not be had.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyProblem {
    /// The transmitter publishes no key by that id (or, for a SET naming none, not exactly one).
    Unknown(String),
    /// The transmitter's configuration or keys could not be fetched or read.
    Unavailable(String),
}

#[derive(Deserialize)]
struct Configuration {
    issuer: String,
    jwks_uri: url::Url,
}

impl TransmitterKeys {
    pub fn new(issuer: url::Url, client: reqwest::Client) -> Self {
        TransmitterKeys { issuer, client, held: Mutex::new(None), refreshes: Budget::per_minute(REFRESHES_PER_MINUTE) }
    }

    /// The key `kid` names; without a kid, the transmitter's only key.
    pub async fn key(&self, kid: Option<&str>) -> Result<Jwk, KeyProblem> {
        let mut held = self.held.lock().await;
        let fresh = held.as_ref().is_some_and(|h| h.at.elapsed() < KEYS_FOR);
        let lacks_key = || pick(held.as_ref().map(|h| h.keys.as_slice()).unwrap_or(&[]), kid).is_err();
        if !fresh || (lacks_key() && self.refreshes.spend(Instant::now()).is_ok()) {
            *held = Some(Held { keys: self.fetch().await?, at: Instant::now() });
        }
        pick(held.as_ref().map(|h| h.keys.as_slice()).unwrap_or(&[]), kid).cloned()
    }

    async fn fetch(&self) -> Result<Vec<Jwk>, KeyProblem> {
        let configuration = self.configuration().await?;
        let issuer = self.issuer.as_str().trim_end_matches('/');
        if configuration.issuer.trim_end_matches('/') != issuer {
            return Err(KeyProblem::Unavailable(format!(
                "the SSF configuration names issuer {:?}, not {issuer:?}",
                configuration.issuer
            )));
        }
        if configuration.jwks_uri.scheme() != "https" && configuration.jwks_uri.scheme() != self.issuer.scheme() {
            return Err(KeyProblem::Unavailable("jwks_uri must be https".into()));
        }
        let set: serde_json::Value = self.get_json(configuration.jwks_uri.clone()).await?;
        let keys = set
            .get("keys")
            .and_then(|k| k.as_array())
            .ok_or_else(|| KeyProblem::Unavailable(format!("{} holds no \"keys\" array", configuration.jwks_uri)))?;
        // A key this build cannot read is skipped, not fatal: the others may be the ones used.
        Ok(keys.iter().filter_map(|k| serde_json::from_value::<Jwk>(k.clone()).ok()).collect())
    }

    /// The SSF configuration: RFC 8414's placement (the well-known suffix before the issuer's
    /// path) first, then the suffix after the path, which some transmitters use.
    async fn configuration(&self) -> Result<Configuration, KeyProblem> {
        let path = self.issuer.path().trim_end_matches('/');
        let mut inserted = self.issuer.clone();
        inserted.set_path(&format!("/.well-known/ssf-configuration{path}"));
        inserted.set_query(None);
        match self.get_json(inserted).await {
            Ok(found) => Ok(found),
            Err(first) if !path.is_empty() => {
                let mut appended = self.issuer.clone();
                appended.set_path(&format!("{path}/.well-known/ssf-configuration"));
                appended.set_query(None);
                self.get_json(appended).await.map_err(|_| first)
            }
            Err(e) => Err(e),
        }
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: url::Url) -> Result<T, KeyProblem> {
        let unavailable = |what: String| KeyProblem::Unavailable(format!("{url}: {what}"));
        let response = self.client.get(url.clone()).send().await.map_err(|e| unavailable(e.to_string()))?;
        if !response.status().is_success() {
            return Err(unavailable(format!("HTTP {}", response.status().as_u16())));
        }
        if response.content_length().is_some_and(|n| n as usize > MAX_DOCUMENT) {
            return Err(unavailable("too large".into()));
        }
        let body = response.bytes().await.map_err(|e| unavailable(e.to_string()))?;
        if body.len() > MAX_DOCUMENT {
            return Err(unavailable("too large".into()));
        }
        serde_json::from_slice(&body).map_err(|e| unavailable(format!("not the JSON expected: {e}")))
    }
}

fn pick<'a>(keys: &'a [Jwk], kid: Option<&str>) -> Result<&'a Jwk, KeyProblem> {
    match kid {
        Some(kid) => keys
            .iter()
            .find(|k| k.common.key_id.as_deref() == Some(kid))
            .ok_or_else(|| KeyProblem::Unknown(format!("the transmitter publishes no key {kid:?}"))),
        None => match keys {
            [only] => Ok(only),
            _ => Err(KeyProblem::Unknown("the SET names no key (kid) and the transmitter has more than one".into())),
        },
    }
}
