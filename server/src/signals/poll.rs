//! Poll delivery (RFC 8936), for a transmitter that offers it: the gateway asks the
//! transmitter's poll endpoint for SETs, checks and keeps each the way a pushed one is, and in
//! its next request acknowledges those it kept (`ack`) and reports those it refused
//! (`setErrs`, with RFC 8935's codes), so the transmitter neither loses nor repeats them.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Outcome, Signals};

/// SETs asked for at once.
const MAX_EVENTS: u32 = 50;

/// `[signals.receiver.poll]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PollConfig {
    /// The transmitter's poll endpoint for this receiver's stream.
    pub url: url::Url,
    /// The environment variable holding the bearer token the transmitter gave the stream.
    #[serde(default)]
    pub token_env: Option<String>,
    /// Seconds between polls while nothing is waiting.
    #[serde(default = "default_interval")]
    pub interval_secs: u64,
}

fn default_interval() -> u64 {
    30
}

#[derive(Debug, Default, Serialize)]
struct PollRequest {
    ack: Vec<String>,
    #[serde(rename = "setErrs", skip_serializing_if = "BTreeMap::is_empty")]
    set_errs: BTreeMap<String, SetError>,
    #[serde(rename = "maxEvents")]
    max_events: u32,
    #[serde(rename = "returnImmediately")]
    return_immediately: bool,
}

#[derive(Debug, Clone, Serialize)]
struct SetError {
    err: String,
    description: String,
}

#[derive(Debug, Deserialize)]
struct PollResponse {
    #[serde(default)]
    sets: BTreeMap<String, String>,
    #[serde(default, rename = "moreAvailable")]
    more_available: bool,
}

/// What is owed to the transmitter in the next request.
#[derive(Debug, Default)]
pub struct Owed {
    ack: Vec<String>,
    set_errs: BTreeMap<String, SetError>,
}

/// What one poll did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PollResult {
    pub kept: usize,
    pub duplicates: usize,
    pub refused: usize,
    pub more_available: bool,
}

/// One request to `receiver`'s poll endpoint, settling what `owed` holds and filling it for the
/// next. `return_immediately` false lets the transmitter hold the request open (long polling).
pub async fn poll_once(
    signals: &Signals,
    receiver_id: &str,
    owed: &mut Owed,
    client: &reqwest::Client,
    token: Option<&str>,
    return_immediately: bool,
) -> Result<PollResult, String> {
    let receiver = signals.receivers.get(receiver_id).ok_or_else(|| format!("no receiver {receiver_id:?}"))?;
    let poll = receiver.config.poll.as_ref().ok_or_else(|| format!("receiver {receiver_id:?} does not poll"))?;
    let request = PollRequest {
        ack: std::mem::take(&mut owed.ack),
        set_errs: std::mem::take(&mut owed.set_errs),
        max_events: MAX_EVENTS,
        return_immediately,
    };
    let body = serde_json::to_vec(&request).map_err(|e| e.to_string())?;
    let mut call = client.post(poll.url.clone()).header(reqwest::header::CONTENT_TYPE, "application/json").body(body);
    if let Some(token) = token {
        call = call.bearer_auth(token);
    }
    let response = match call.send().await {
        Ok(response) => response,
        Err(e) => {
            // Not delivered: owed again next time.
            owed.ack = request.ack;
            owed.set_errs = request.set_errs;
            return Err(format!("poll {}: {e}", poll.url));
        }
    };
    if !response.status().is_success() {
        let status = response.status().as_u16();
        owed.ack = request.ack;
        owed.set_errs = request.set_errs;
        return Err(format!("poll {}: HTTP {status}", poll.url));
    }
    let bytes = response.bytes().await.map_err(|e| format!("poll {}: {e}", poll.url))?;
    let answer: PollResponse = serde_json::from_slice(&bytes).map_err(|e| format!("poll {}: {e}", poll.url))?;
    let mut result = PollResult { more_available: answer.more_available, ..Default::default() };
    for (jti, token) in answer.sets {
        match signals.receive(receiver, &token).await {
            Ok(outcome) => {
                match outcome {
                    Outcome::Kept(_) => result.kept += 1,
                    Outcome::Duplicate => result.duplicates += 1,
                }
                owed.ack.push(jti);
            }
            // Our own trouble (a transmitter's keys out of reach, the disk): neither acknowledged
            // nor refused, so the transmitter offers it again.
            Err(rejection) if rejection.status.is_server_error() => {}
            Err(rejection) => {
                result.refused += 1;
                owed.set_errs.insert(jti, SetError { err: rejection.err.into(), description: rejection.description });
            }
        }
    }
    Ok(result)
}

/// Polls every receiver that has a poll endpoint, for as long as the gateway runs.
pub fn spawn_pollers(signals: Arc<Signals>, env: &impl Fn(&str) -> Option<String>) -> Result<(), String> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().map_err(|e| e.to_string())?;
    for receiver in signals.receivers.values() {
        let Some(poll) = &receiver.config.poll else { continue };
        let token = match &poll.token_env {
            Some(name) => Some(env(name).ok_or_else(|| {
                format!("signals receiver {:?}: environment variable {name} is not set", receiver.config.id)
            })?),
            None => None,
        };
        let (signals, client, id) = (signals.clone(), client.clone(), receiver.config.id.clone());
        let every = Duration::from_secs(poll.interval_secs.max(1));
        tokio::spawn(async move {
            let mut owed = Owed::default();
            loop {
                match poll_once(&signals, &id, &mut owed, &client, token.as_deref(), true).await {
                    Ok(result) if result.more_available => continue,
                    Ok(_) => {}
                    Err(e) => eprintln!("signals: {e}"),
                }
                tokio::time::sleep(every).await;
            }
        });
    }
    Ok(())
}
