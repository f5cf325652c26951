//! Signed-in sessions and sign-ins under way, in memory: a gateway restart signs everyone out,
//! which costs a redirect through the provider (usually still signed in there).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use openidconnect::{CsrfToken, Nonce, PkceCodeVerifier};

use super::Identity;

/// Sessions and sign-ins kept at most; past it the expired go first.
const PURGE_ABOVE: usize = 1024;
/// How long a sign-in may take at the provider.
pub const SIGN_IN_LIFETIME: Duration = Duration::from_secs(600);

struct Session {
    identity: Arc<Identity>,
    expires: Instant,
}

pub struct Sessions {
    lifetime: Duration,
    live: Mutex<HashMap<String, Session>>,
    pending: Mutex<HashMap<String, PendingSignIn>>,
}

/// What the callback needs to finish a sign-in it started: the PKCE verifier, the nonce the ID
/// token must carry, and where the person was going.
pub struct PendingSignIn {
    pub nonce: Nonce,
    pub pkce_verifier: PkceCodeVerifier,
    pub return_to: String,
    started: Instant,
}

impl PendingSignIn {
    pub fn new(nonce: Nonce, pkce_verifier: PkceCodeVerifier, return_to: String) -> Self {
        PendingSignIn { nonce, pkce_verifier, return_to, started: Instant::now() }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Sessions {
    pub fn new(lifetime: Duration) -> Self {
        Sessions { lifetime, live: Mutex::new(HashMap::new()), pending: Mutex::new(HashMap::new()) }
    }

    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// Starts a session; returns the cookie's value (32 random bytes, base64url).
    pub fn start(&self, identity: Identity) -> String {
        let token = CsrfToken::new_random_len(32).secret().clone();
        let now = Instant::now();
        let mut live = lock(&self.live);
        if live.len() > PURGE_ABOVE {
            live.retain(|_, s| s.expires > now);
        }
        live.insert(token.clone(), Session { identity: Arc::new(identity), expires: now + self.lifetime });
        token
    }

    /// The person behind a cookie value, while the session lasts.
    pub fn identity(&self, token: &str) -> Option<Arc<Identity>> {
        let mut live = lock(&self.live);
        let session = live.get(token)?;
        if session.expires <= Instant::now() {
            live.remove(token);
            return None;
        }
        Some(session.identity.clone())
    }

    /// Ends a session; returns whose it was.
    pub fn end(&self, token: &str) -> Option<Arc<Identity>> {
        lock(&self.live).remove(token).map(|s| s.identity)
    }

    /// Keeps a sign-in under way, under its `state`.
    pub fn remember(&self, state: String, pending: PendingSignIn) {
        let mut map = lock(&self.pending);
        if map.len() > PURGE_ABOVE {
            map.retain(|_, p| p.started.elapsed() < SIGN_IN_LIFETIME);
        }
        map.insert(state, pending);
    }

    /// The sign-in `state` names, once, if it has not timed out.
    pub fn take(&self, state: &str) -> Option<PendingSignIn> {
        lock(&self.pending).remove(state).filter(|p| p.started.elapsed() < SIGN_IN_LIFETIME)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> Identity {
        Identity { subject: "alice".into(), email: Some("alice@example.org".into()), name: None, groups: vec![] }
    }

    #[test]
    fn a_session_lasts_its_lifetime_and_ends_on_sign_out() {
        let sessions = Sessions::new(Duration::from_secs(60));
        let token = sessions.start(alice());
        assert_eq!(token.len(), 43, "32 bytes in base64url");
        assert_eq!(sessions.identity(&token).unwrap().subject, "alice");
        assert!(sessions.identity("forged").is_none());
        assert_eq!(sessions.end(&token).unwrap().subject, "alice");
        assert!(sessions.identity(&token).is_none());
        let expired = Sessions::new(Duration::ZERO);
        let token = expired.start(alice());
        assert!(expired.identity(&token).is_none());
    }

    #[test]
    fn a_pending_sign_in_is_taken_once() {
        let sessions = Sessions::new(Duration::from_secs(60));
        let pending =
            PendingSignIn::new(Nonce::new_random(), PkceCodeVerifier::new("v".repeat(43)), "/ip/1.2.3.4".into());
        sessions.remember("state-1".into(), pending);
        assert_eq!(sessions.take("state-1").unwrap().return_to, "/ip/1.2.3.4");
        assert!(sessions.take("state-1").is_none());
    }
}
