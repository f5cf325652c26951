//! Checking a Security Event Token (RFC 8417) pushed to a receiver (RFC 8935): signed by a key
//! the configured transmitter publishes, issued by it, for this receiver, recent, with a `jti`
//! and events. Each failure is one of RFC 8935's error codes with a description.

use std::time::Duration;

use axum::http::StatusCode;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind};
use serde_json::Value;

use super::config::ReceiverConfig;
use super::keys::{KeyProblem, TransmitterKeys};

/// A SET refused: the status, RFC 8935's `err` code and a description for the transmitter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub status: StatusCode,
    pub err: &'static str,
    pub description: String,
}

impl Rejection {
    pub fn new(err: &'static str, description: impl Into<String>) -> Self {
        Rejection { status: StatusCode::BAD_REQUEST, err, description: description.into() }
    }
}

/// A SET that passed every check, with what the store keeps of it.
#[derive(Debug, Clone)]
pub struct VerifiedSet {
    pub jti: String,
    pub issuer: String,
    /// The event type URIs (the `events` claim's members).
    pub event_types: Vec<String>,
    /// Subject identifiers (RFC 9493) from `sub_id` and from each event's `subject`.
    pub subjects: Vec<Value>,
    /// `toe`, else the first event's `event_timestamp`, else `iat`; milliseconds.
    pub event_at_ms: i64,
    /// An ID.me event id, when an event payload names one (`event_id`).
    pub event_id: Option<String>,
    pub claims: Value,
    pub token: String,
}

/// How far `iat` may lie in the future (clocks differ), and `exp` in the past.
const CLOCK_SKEW: Duration = Duration::from_secs(300);
const MAX_JTI: usize = 256;

/// Checks `token` for `receiver`; `now` is seconds since the epoch.
pub async fn verify(
    token: &str,
    receiver: &ReceiverConfig,
    keys: &TransmitterKeys,
    max_age: Duration,
    now: i64,
) -> Result<VerifiedSet, Rejection> {
    let token = token.trim();
    match token.split('.').count() {
        3 => {}
        5 => return Err(Rejection::new("invalid_request", "encrypted SETs (JWE) are not accepted; sign the SET")),
        _ => return Err(Rejection::new("invalid_request", "the body is not a SET in JWS compact form")),
    }
    let header = jsonwebtoken::decode_header(token)
        .map_err(|e| Rejection::new("invalid_request", format!("the SET's header cannot be read: {e}")))?;
    if let Some(typ) = &header.typ {
        let typ = typ.to_ascii_lowercase();
        if typ != "secevent+jwt" && typ != "application/secevent+jwt" {
            return Err(Rejection::new("invalid_request", format!("typ is {typ:?}, not \"secevent+jwt\"")));
        }
    }
    if matches!(header.alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512) {
        return Err(Rejection::new("invalid_key", "a SET must be signed with the transmitter's published key"));
    }
    // The issuer is checked before any key is fetched: only the configured transmitter's keys are.
    let unverified: Value = jsonwebtoken::dangerous::insecure_decode_claims(token)
        .map_err(|e| Rejection::new("invalid_request", format!("the SET's claims cannot be read: {e}")))?;
    let issuer = receiver.issuer.as_str().trim_end_matches('/');
    match unverified.get("iss").and_then(Value::as_str) {
        Some(iss) if iss.trim_end_matches('/') == issuer => {}
        Some(iss) => {
            return Err(Rejection::new("invalid_issuer", format!("iss {iss:?} is not this receiver's transmitter")));
        }
        None => return Err(Rejection::new("invalid_issuer", "the SET has no iss")),
    }
    let jwk = keys.key(header.kid.as_deref()).await.map_err(|problem| match problem {
        KeyProblem::Unknown(why) => Rejection::new("invalid_key", why),
        KeyProblem::Unavailable(why) => Rejection {
            status: StatusCode::SERVICE_UNAVAILABLE,
            err: "invalid_key",
            description: format!("the transmitter's keys cannot be fetched now: {why}"),
        },
    })?;
    if let Some(alg) = jwk.common.key_algorithm
        && format!("{alg:?}") != format!("{:?}", header.alg)
    {
        return Err(Rejection::new("invalid_key", format!("the key is for {alg:?}, the SET says {:?}", header.alg)));
    }
    let key = DecodingKey::from_jwk(&jwk)
        .map_err(|e| Rejection::new("invalid_key", format!("the transmitter's key cannot be used: {e}")))?;
    let mut validation = Validation::new(header.alg);
    validation.set_required_spec_claims(&["iss", "aud"]);
    validation.set_issuer(&[issuer, receiver.issuer.as_str()]);
    validation.set_audience(&[receiver.audience.as_str()]);
    validation.leeway = CLOCK_SKEW.as_secs();
    validation.validate_nbf = true;
    let claims: Value =
        jsonwebtoken::decode(token, &key, &validation).map(|data| data.claims).map_err(|e| match e.kind() {
            ErrorKind::InvalidSignature => {
                Rejection::new("authentication_failed", "the signature does not match the transmitter's key")
            }
            ErrorKind::InvalidAudience => Rejection::new("invalid_audience", "aud does not name this receiver"),
            ErrorKind::MissingRequiredClaim(claim) if claim == "aud" => {
                Rejection::new("invalid_audience", "the SET has no aud")
            }
            ErrorKind::InvalidIssuer => Rejection::new("invalid_issuer", "iss is not this receiver's transmitter"),
            ErrorKind::ExpiredSignature => Rejection::new("invalid_request", "the SET has expired (exp)"),
            ErrorKind::ImmatureSignature => Rejection::new("invalid_request", "the SET is not valid yet (nbf)"),
            ErrorKind::InvalidAlgorithm
            | ErrorKind::InvalidKeyFormat
            | ErrorKind::InvalidEcdsaKey
            | ErrorKind::InvalidEddsaKey
            | ErrorKind::InvalidRsaKey(_)
            | ErrorKind::InvalidAlgorithmName => {
                Rejection::new("invalid_key", format!("the key does not fit the SET's algorithm: {e}"))
            }
            _ => Rejection::new("invalid_request", format!("the SET cannot be read: {e}")),
        })?;
    let set = contents(claims, token, max_age, now)?;
    authorised(&set, receiver)?;
    Ok(set)
}

/// RFC 8935's `access_denied`: a transmitter that proved who it is may still send only the event
/// types this receiver requested.
fn authorised(set: &VerifiedSet, receiver: &ReceiverConfig) -> Result<(), Rejection> {
    if receiver.events_requested.is_empty() {
        return Ok(());
    }
    match set.event_types.iter().find(|uri| !receiver.events_requested.contains(uri)) {
        Some(uri) => Err(Rejection::new(
            "access_denied",
            format!("this receiver did not request events of type {uri:?} from the transmitter"),
        )),
        None => Ok(()),
    }
}

/// The claims RFC 8417 requires, and what the store keeps.
fn contents(claims: Value, token: &str, max_age: Duration, now: i64) -> Result<VerifiedSet, Rejection> {
    let bad = |why: String| Rejection::new("invalid_request", why);
    let iat = claims.get("iat").and_then(Value::as_i64).ok_or_else(|| bad("the SET has no iat".into()))?;
    if iat > now + CLOCK_SKEW.as_secs() as i64 {
        return Err(bad("iat is in the future".into()));
    }
    if iat < now - max_age.as_secs() as i64 {
        return Err(bad(format!("the SET was issued more than {} s ago (iat)", max_age.as_secs())));
    }
    let jti = match claims.get("jti").and_then(Value::as_str) {
        Some(jti) if !jti.is_empty() && jti.len() <= MAX_JTI => jti.to_string(),
        Some(_) => return Err(bad(format!("jti must be 1 to {MAX_JTI} characters"))),
        None => return Err(bad("the SET has no jti".into())),
    };
    let events = match claims.get("events").and_then(Value::as_object) {
        Some(events) if !events.is_empty() => events,
        _ => return Err(bad("the SET has no events".into())),
    };
    if let Some((uri, _)) = events.iter().find(|(_, payload)| !payload.is_object()) {
        return Err(bad(format!("the payload of event {uri:?} is not a JSON object")));
    }
    let mut subjects = Vec::new();
    if let Some(sub_id) = claims.get("sub_id").filter(|s| s.is_object()) {
        subjects.push(sub_id.clone());
    }
    for payload in events.values() {
        if let Some(subject) = payload.get("subject").filter(|s| s.is_object())
            && !subjects.contains(subject)
        {
            subjects.push(subject.clone());
        }
    }
    let first = events.values().next();
    let event_at = claims
        .get("toe")
        .and_then(Value::as_i64)
        .or_else(|| first.and_then(|p| p.get("event_timestamp")).and_then(Value::as_i64))
        .unwrap_or(iat);
    let event_id = events.values().find_map(|p| p.get("event_id").and_then(Value::as_str)).map(str::to_string);
    Ok(VerifiedSet {
        jti,
        issuer: claims.get("iss").and_then(Value::as_str).unwrap_or_default().to_string(),
        event_types: events.keys().cloned().collect(),
        subjects,
        event_at_ms: event_at.saturating_mul(1000),
        event_id,
        claims: claims.clone(),
        token: token.to_string(),
    })
}
