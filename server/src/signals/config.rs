//! `[signals]`: where signals are kept, the limits of the push endpoint, and the transmitters
//! the gateway receives from (`[[signals.receiver]]`).

use std::path::PathBuf;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignalsConfig {
    /// The SQLite file; by default the access log's (one database for both).
    #[serde(default)]
    pub database: Option<PathBuf>,
    /// The largest SET a push may carry, in bytes (413 past it).
    #[serde(default = "default_max_set_bytes")]
    pub max_set_bytes: usize,
    /// Pushes a minute each receiver takes (429 with Retry-After past it).
    #[serde(default = "default_rate_limit")]
    pub rate_limit_per_minute: u32,
    /// A SET issued longer ago than this is refused (a replay of an old token).
    #[serde(default = "default_max_age")]
    pub max_age_secs: u64,
    #[serde(default, rename = "receiver")]
    pub receivers: Vec<ReceiverConfig>,
    /// The built-in sandbox's transmitter pushes to a receiver `sandbox` on this gateway.
    #[cfg(feature = "sandbox")]
    #[serde(default)]
    pub sandbox: Option<SandboxTransmitterConfig>,
}

/// One transmitter the gateway receives from, at `POST /ssf/{id}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiverConfig {
    pub id: String,
    /// The transmitter's issuer: SETs must carry it as `iss`, and its keys are found from its
    /// `/.well-known/ssf-configuration`.
    pub issuer: url::Url,
    /// What SETs for this receiver carry as `aud` (what the stream was created with).
    pub audience: String,
    /// The environment variable holding a bearer token the transmitter must also send.
    #[serde(default)]
    pub bearer_token_env: Option<String>,
    /// Who may see this receiver's signals (with `[auth]`; one of the two is then required).
    #[serde(default)]
    pub allow_groups: Vec<String>,
    #[serde(default)]
    pub allow_emails: Vec<String>,
    /// The event type URIs this receiver asked the transmitter for (SSF's `events_requested`).
    /// A SET carrying any other type is refused with `access_denied`; empty takes every type.
    #[serde(default)]
    pub events_requested: Vec<String>,
    /// Poll delivery (RFC 8936), when the transmitter offers it: its poll endpoint.
    #[serde(default)]
    pub poll: Option<super::poll::PollConfig>,
    /// The sandbox's own receiver: its demo signals are open to everyone signed in.
    #[serde(skip)]
    pub built_in: bool,
}

/// Where the gateway is, so the sandbox transmitter knows its own issuer and where to push.
#[cfg(feature = "sandbox")]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SandboxTransmitterConfig {
    /// This gateway's origin as the transmitter reaches it (`http://127.0.0.1:8080`).
    pub origin: url::Url,
    /// Signals it pushes a minute on its own while `serve` runs (0: only on demand).
    #[serde(default)]
    pub per_minute: u32,
}

fn default_max_set_bytes() -> usize {
    64 * 1024
}

fn default_rate_limit() -> u32 {
    600
}

fn default_max_age() -> u64 {
    7 * 86_400
}

/// The receiver id the sandbox transmitter pushes to.
pub const SANDBOX_RECEIVER: &str = "sandbox";

impl SignalsConfig {
    /// Signals kept in `database`, from the sandbox's transmitter on the gateway at `origin`.
    #[cfg(feature = "sandbox")]
    pub fn sandbox(origin: url::Url, database: PathBuf, per_minute: u32) -> Self {
        SignalsConfig {
            database: Some(database),
            max_set_bytes: default_max_set_bytes(),
            rate_limit_per_minute: default_rate_limit(),
            max_age_secs: default_max_age(),
            receivers: Vec::new(),
            sandbox: Some(SandboxTransmitterConfig { origin, per_minute }),
        }
    }

    /// Every receiver, the sandbox's included.
    pub fn all_receivers(&self) -> Vec<ReceiverConfig> {
        #[cfg_attr(not(feature = "sandbox"), allow(unused_mut))]
        let mut all = self.receivers.clone();
        #[cfg(feature = "sandbox")]
        if let Some(sandbox) = &self.sandbox {
            all.push(ReceiverConfig {
                id: SANDBOX_RECEIVER.into(),
                issuer: sandbox_url(&sandbox.origin, "/sandbox/ssf"),
                audience: sandbox_url(&sandbox.origin, &format!("/ssf/{SANDBOX_RECEIVER}")).to_string(),
                bearer_token_env: None,
                allow_groups: Vec::new(),
                allow_emails: Vec::new(),
                events_requested: Vec::new(),
                poll: None,
                built_in: true,
            });
        }
        all
    }

    pub fn validate(&self, with_auth: bool, access_log_path: Option<&std::path::Path>) -> Result<(), String> {
        if self.database.is_none() && access_log_path.is_none() {
            return Err("[signals] needs a database: set its `database`, or configure [access_log]".into());
        }
        if self.max_set_bytes == 0 || self.rate_limit_per_minute == 0 {
            return Err("[signals] max_set_bytes and rate_limit_per_minute must be at least 1".into());
        }
        let mut seen = std::collections::HashSet::new();
        for receiver in self.all_receivers() {
            crate::config::check_id("signals receiver", &receiver.id, &mut seen)?;
            if !matches!(receiver.issuer.scheme(), "http" | "https") {
                return Err(format!("signals receiver {:?}: issuer must be an http or https URL", receiver.id));
            }
            if let Some(bad) = receiver.events_requested.iter().find(|uri| url::Url::parse(uri).is_err()) {
                return Err(format!(
                    "signals receiver {:?}: events_requested holds {bad:?}, which is not an event type URI",
                    receiver.id
                ));
            }
            let open = receiver.allow_groups.is_empty() && receiver.allow_emails.is_empty();
            if with_auth && open && !receiver.built_in {
                return Err(format!(
                    "signals receiver {:?}: with [auth], say who may see its signals (allow_groups, allow_emails)",
                    receiver.id
                ));
            }
        }
        Ok(())
    }
}

#[cfg(feature = "sandbox")]
pub fn sandbox_url(origin: &url::Url, path: &str) -> url::Url {
    let mut url = origin.clone();
    url.set_path(path);
    url.set_query(None);
    url
}
