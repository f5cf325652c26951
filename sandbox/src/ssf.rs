//! The sandbox as a Shared Signals transmitter: it publishes its SSF configuration and its keys,
//! signs Security Event Tokens (RFC 8417) with its own Ed25519 key and pushes them (RFC 8935)
//! to the gateway's receiver. Its events are RISC and CAEP events about the data set's people,
//! so a signal leads to a person whose audit events the other emulations serve.
//!
//! RISC events carry their subject inside the event (the RISC profile); CAEP events use the
//! top-level `sub_id` (SSF 1.0): a receiver must read both.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::dataset::Dataset;

const RISC: &str = "https://schemas.openid.net/secevent/risc/event-type/";
const CAEP: &str = "https://schemas.openid.net/secevent/caep/event-type/";
/// The issuer the sandbox's people belong to, in their `iss_sub` subject identifiers.
pub const PEOPLE_ISSUER: &str = "https://api.id.me";

/// The events the sandbox pushes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    AccountDisabled,
    AccountEnabled,
    AccountPurged,
    AccountCredentialChangeRequired,
    CredentialCompromise,
    RecoveryActivated,
    RecoveryInformationChanged,
    SessionsRevoked,
    SessionRevoked,
}

impl EventKind {
    pub const ALL: [EventKind; 9] = [
        EventKind::AccountDisabled,
        EventKind::AccountEnabled,
        EventKind::AccountPurged,
        EventKind::AccountCredentialChangeRequired,
        EventKind::CredentialCompromise,
        EventKind::RecoveryActivated,
        EventKind::RecoveryInformationChanged,
        EventKind::SessionsRevoked,
        EventKind::SessionRevoked,
    ];

    /// The event type URI.
    pub fn uri(self) -> String {
        let (profile, name) = match self {
            EventKind::AccountDisabled => (RISC, "account-disabled"),
            EventKind::AccountEnabled => (RISC, "account-enabled"),
            EventKind::AccountPurged => (RISC, "account-purged"),
            EventKind::AccountCredentialChangeRequired => (RISC, "account-credential-change-required"),
            EventKind::CredentialCompromise => (RISC, "credential-compromise"),
            EventKind::RecoveryActivated => (RISC, "recovery-activated"),
            EventKind::RecoveryInformationChanged => (RISC, "recovery-information-changed"),
            EventKind::SessionsRevoked => (RISC, "sessions-revoked"),
            EventKind::SessionRevoked => (CAEP, "session-revoked"),
        };
        format!("{profile}{name}")
    }

    fn is_caep(self) -> bool {
        self.uri().starts_with(CAEP)
    }
}

/// What a test asks the transmitter to push.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PushKind {
    /// A SET signed with the published key.
    #[default]
    Good,
    /// Signed with a key the transmitter does not publish, under the published key's id.
    BadSignature,
    /// The last SET pushed, again.
    Replay,
    /// A SET whose `exp` has passed.
    Expired,
    /// Signed with a key under an id the transmitter does not publish.
    UnknownKid,
    /// A new key is made and published (the old one stays published), and the SET is signed
    /// with it.
    Rotate,
}

/// A SET made for a push, and what it says.
#[derive(Debug, Clone, Serialize)]
pub struct Made {
    pub token: String,
    pub jti: String,
    /// The person's UUID (32 hex digits, as the data set writes it).
    pub person: String,
    pub event_type: String,
    /// The ID.me event the signal names, when it names one.
    pub event_id: Option<String>,
}

/// Where the transmitter is and whom it pushes to.
#[derive(Debug, Clone)]
pub struct Setup {
    pub issuer: String,
    pub audience: String,
    pub push_url: String,
}

#[derive(Clone)]
pub struct Transmitter {
    inner: Arc<Inner>,
}

struct Inner {
    data: Arc<Dataset>,
    setup: Mutex<Option<Setup>>,
    /// Key generations published so far; the last one signs.
    generation: AtomicU64,
    serial: AtomicU64,
    last: Mutex<Option<String>>,
    client: reqwest::Client,
    /// Poll delivery (RFC 8936): SETs waiting for the receiver, and what it said of each.
    polled: Mutex<PollState>,
}

/// The poll endpoint's state: SETs not yet acknowledged or refused, then the receiver's answers.
#[derive(Debug, Default, Clone)]
pub struct PollState {
    pub waiting: Vec<(String, String)>,
    pub acknowledged: Vec<String>,
    /// `jti` → `err` code.
    pub refused: Vec<(String, String)>,
}

fn key(label: &str) -> SigningKey {
    let seed: [u8; 32] = Sha256::digest(format!("auditdeck-sandbox-ssf:{label}").as_bytes()).into();
    SigningKey::from_bytes(&seed)
}

fn kid(generation: u64) -> String {
    format!("sandbox-{generation}")
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn sign(claims: &Value, kid: &str, key: &SigningKey) -> String {
    let mut header = Header::new(Algorithm::EdDSA);
    header.typ = Some("secevent+jwt".into());
    header.kid = Some(kid.into());
    let Ok(der) = key.to_pkcs8_der() else { return String::new() };
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_ed_der(der.as_bytes())).unwrap_or_default()
}

pub use jsonwebtoken::Header as SetHeader;

impl Transmitter {
    pub fn new(data: Arc<Dataset>) -> Self {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default();
        Transmitter {
            inner: Arc::new(Inner {
                data,
                setup: Mutex::new(None),
                generation: AtomicU64::new(1),
                serial: AtomicU64::new(0),
                last: Mutex::new(None),
                client,
                polled: Mutex::new(PollState::default()),
            }),
        }
    }

    /// Tells the transmitter its issuer, its receiver's audience and where to push.
    pub fn configure(&self, setup: Setup) {
        *self.inner.setup.lock().unwrap_or_else(|p| p.into_inner()) = Some(setup);
    }

    fn setup(&self) -> Option<Setup> {
        self.inner.setup.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The published keys (every generation so far: a receiver may still hold SETs signed with
    /// an older one).
    pub fn jwks(&self) -> Value {
        let generations = 1..=self.inner.generation.load(Ordering::SeqCst);
        let keys: Vec<Value> = generations
            .map(|g| {
                let public = key(&kid(g)).verifying_key();
                json!({"kty": "OKP", "crv": "Ed25519", "x": b64url(public.as_bytes()), "kid": kid(g), "alg": "EdDSA", "use": "sig"})
            })
            .collect();
        json!({ "keys": keys })
    }

    /// The SSF transmitter configuration (SSF 1.0 discovery).
    pub fn configuration(&self) -> Value {
        let issuer = self.setup().map(|s| s.issuer).unwrap_or_default();
        json!({
            "spec_version": "1_0",
            "issuer": issuer,
            "jwks_uri": format!("{issuer}/jwks.json"),
            "delivery_methods_supported": ["urn:ietf:rfc:8935", "urn:ietf:rfc:8936"],
            "critical_subject_members": ["user"],
        })
    }

    /// Routes under the issuer's path (`/sandbox/ssf`): the configuration (with the suffix after
    /// the path), the keys, and, when `hooks`, `POST /push` for tests and demos.
    pub fn router(&self, hooks: bool) -> Router {
        let router =
            Router::new().route("/jwks.json", get(|State(t): State<Transmitter>| async move { Json(t.jwks()) })).route(
                "/.well-known/ssf-configuration",
                get(|State(t): State<Transmitter>| async move { Json(t.configuration()) }),
            );
        let router = router.route("/poll", post(poll));
        let router = if hooks { router.route("/push", post(push_hook)) } else { router };
        router.with_state(self.clone())
    }

    /// The configuration where RFC 8414 places it: the well-known suffix before the path.
    pub fn well_known_router(&self, issuer_path: &str) -> Router {
        Router::new()
            .route(
                &format!("/.well-known/ssf-configuration{issuer_path}"),
                get(|State(t): State<Transmitter>| async move { Json(t.configuration()) }),
            )
            .with_state(self.clone())
    }

    /// A SET of `kind` about `person` (an index into the data set's people; wraps around).
    pub fn make(&self, kind: PushKind, event: EventKind, person: usize) -> Result<Made, String> {
        let setup = self.setup().ok_or("the sandbox transmitter is not configured")?;
        if kind == PushKind::Replay {
            let last = self.inner.last.lock().unwrap_or_else(|p| p.into_inner()).clone();
            let token = last.ok_or("nothing has been pushed yet to replay")?;
            let claims: Value = jsonwebtoken::dangerous::insecure_decode_claims(&token).map_err(|e| e.to_string())?;
            return Ok(made_from(&token, &claims));
        }
        if kind == PushKind::Rotate {
            self.inner.generation.fetch_add(1, Ordering::SeqCst);
        }
        let people = &self.inner.data.people;
        let who = people.get(person % people.len().max(1)).ok_or("the data set has no people")?;
        let serial = self.inner.serial.fetch_add(1, Ordering::SeqCst);
        let now = chrono::Utc::now().timestamp();
        let jti = format!("sandbox-{now}-{serial}");
        let subject = json!({ "format": "iss_sub", "iss": PEOPLE_ISSUER, "sub": who.uuid });
        // An account's disabling names the ID.me audit event behind it, for the Events API.
        let event_id = match event {
            EventKind::AccountDisabled | EventKind::CredentialCompromise => self
                .inner
                .data
                .idme_events_for_user(&who.uuid)
                .first()
                .map(|&index| crate::idme::issued_id(index as usize)),
            _ => None,
        };
        let mut payload = match event {
            EventKind::AccountDisabled => json!({ "reason": "hijacking" }),
            EventKind::SessionRevoked => {
                json!({ "event_timestamp": now, "initiating_entity": "policy", "reason_admin": {"en": "Sign-in from a new country"} })
            }
            _ => json!({}),
        };
        if !event.is_caep() {
            payload["subject"] = subject.clone();
        }
        if let Some(id) = &event_id {
            payload["event_id"] = json!(id);
        }
        let mut claims = json!({
            "iss": setup.issuer,
            "aud": setup.audience,
            "iat": now,
            "jti": jti,
            "events": { event.uri(): payload },
        });
        if event.is_caep() {
            claims["sub_id"] = subject;
        }
        let generation = self.inner.generation.load(Ordering::SeqCst);
        let token = match kind {
            PushKind::Good | PushKind::Rotate | PushKind::Replay => {
                sign(&claims, &kid(generation), &key(&kid(generation)))
            }
            PushKind::BadSignature => sign(&claims, &kid(generation), &key("unpublished")),
            PushKind::UnknownKid => sign(&claims, "sandbox-unpublished", &key("unpublished")),
            PushKind::Expired => {
                claims["iat"] = json!(now - 7200);
                claims["exp"] = json!(now - 3600);
                sign(&claims, &kid(generation), &key(&kid(generation)))
            }
        };
        if token.is_empty() {
            return Err("the SET could not be signed".into());
        }
        Ok(Made { token, jti, person: who.uuid.clone(), event_type: event.uri(), event_id })
    }

    /// `claims` signed with the current published key under `kid` (tests make malformed SETs
    /// with it), or `header` changed first.
    pub fn sign_claims(&self, claims: &Value, header: impl FnOnce(&mut Header)) -> String {
        let generation = self.inner.generation.load(Ordering::SeqCst);
        let mut h = Header::new(Algorithm::EdDSA);
        h.typ = Some("secevent+jwt".into());
        h.kid = Some(kid(generation));
        header(&mut h);
        let Ok(der) = key(&kid(generation)).to_pkcs8_der() else { return String::new() };
        jsonwebtoken::encode(&h, claims, &EncodingKey::from_ed_der(der.as_bytes())).unwrap_or_default()
    }

    /// The issuer and audience it was configured with.
    pub fn issuer_and_audience(&self) -> Option<(String, String)> {
        self.setup().map(|s| (s.issuer, s.audience))
    }

    /// Makes a SET and pushes it to the receiver: the receiver's status and body.
    pub async fn push(&self, kind: PushKind, event: EventKind, person: usize) -> Result<(u16, String, Made), String> {
        let made = self.make(kind, event, person)?;
        let setup = self.setup().ok_or("the sandbox transmitter is not configured")?;
        let response = self
            .inner
            .client
            .post(&setup.push_url)
            .header("content-type", "application/secevent+jwt")
            .header("accept", "application/json")
            .body(made.token.clone())
            .send()
            .await
            .map_err(|e| format!("push to {}: {e}", setup.push_url))?;
        let status = response.status().as_u16();
        let body = response.text().await.unwrap_or_default();
        if status == 202 && kind != PushKind::Replay {
            *self.inner.last.lock().unwrap_or_else(|p| p.into_inner()) = Some(made.token.clone());
        }
        Ok((status, body, made))
    }

    /// Makes a SET and holds it for the receiver's next poll (RFC 8936).
    pub fn queue(&self, kind: PushKind, event: EventKind, person: usize) -> Result<Made, String> {
        let made = self.make(kind, event, person)?;
        self.inner
            .polled
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .waiting
            .push((made.jti.clone(), made.token.clone()));
        Ok(made)
    }

    /// What the poll endpoint holds and has been told.
    pub fn poll_state(&self) -> PollState {
        self.inner.polled.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Pushes `per_minute` signals a minute about people chosen in turn, while the gateway runs.
    pub fn spawn_pushes(&self, per_minute: u32) {
        if per_minute == 0 {
            return;
        }
        let transmitter = self.clone();
        let every = Duration::from_secs_f64(60.0 / f64::from(per_minute));
        tokio::spawn(async move {
            let mut n: usize = 0;
            loop {
                tokio::time::sleep(every).await;
                let event = EventKind::ALL[n % EventKind::ALL.len()];
                if let Err(e) = transmitter.push(PushKind::Good, event, n.wrapping_mul(7919)).await {
                    eprintln!("sandbox transmitter: {e}");
                }
                n += 1;
            }
        });
    }
}

fn made_from(token: &str, claims: &Value) -> Made {
    let (event_type, payload) = claims
        .get("events")
        .and_then(Value::as_object)
        .and_then(|events| events.iter().next())
        .map(|(uri, payload)| (uri.clone(), payload.clone()))
        .unwrap_or_default();
    let subject = payload.get("subject").or_else(|| claims.get("sub_id"));
    Made {
        token: token.to_string(),
        jti: claims.get("jti").and_then(Value::as_str).unwrap_or_default().to_string(),
        person: subject.and_then(|s| s.get("sub")).and_then(Value::as_str).unwrap_or_default().to_string(),
        event_type,
        event_id: payload.get("event_id").and_then(Value::as_str).map(str::to_string),
    }
}

/// A poll request (RFC 8936 section 2.4).
#[derive(Deserialize)]
struct PollRequest {
    #[serde(default)]
    ack: Vec<String>,
    #[serde(default, rename = "setErrs")]
    set_errs: std::collections::BTreeMap<String, Value>,
    #[serde(default, rename = "maxEvents")]
    max_events: Option<usize>,
}

/// `POST /sandbox/ssf/poll`: settles the acknowledgements and errors, then hands out what waits.
async fn poll(State(t): State<Transmitter>, Json(request): Json<PollRequest>) -> Json<Value> {
    let mut state = t.inner.polled.lock().unwrap_or_else(|p| p.into_inner());
    for jti in request.ack {
        state.waiting.retain(|(waiting, _)| *waiting != jti);
        state.acknowledged.push(jti);
    }
    for (jti, error) in request.set_errs {
        state.waiting.retain(|(waiting, _)| *waiting != jti);
        let err = error.get("err").and_then(Value::as_str).unwrap_or_default().to_string();
        state.refused.push((jti, err));
    }
    let max = request.max_events.unwrap_or(usize::MAX);
    let sets: serde_json::Map<String, Value> =
        state.waiting.iter().take(max).map(|(jti, token)| (jti.clone(), json!(token))).collect();
    Json(json!({ "sets": sets, "moreAvailable": state.waiting.len() > max }))
}

#[derive(Deserialize)]
struct PushQuery {
    #[serde(default)]
    kind: PushKind,
    event: Option<EventKind>,
    #[serde(default)]
    person: usize,
}

/// `POST /sandbox/ssf/push?kind=&event=&person=`: push on demand; answers what the receiver said.
async fn push_hook(State(t): State<Transmitter>, Query(q): Query<PushQuery>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let event = q.event.unwrap_or(EventKind::AccountDisabled);
    match t.push(q.kind, event, q.person).await {
        Ok((status, body, made)) => Json(json!({
            "receiver_status": status,
            "receiver_body": body,
            "jti": made.jti,
            "person": made.person,
            "event_type": made.event_type,
        }))
        .into_response(),
        Err(message) => (axum::http::StatusCode::BAD_GATEWAY, message).into_response(),
    }
}
