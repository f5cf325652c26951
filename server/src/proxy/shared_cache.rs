//! A short-lived cache of vendor answers shared by every user: identical requests (same
//! connection, method, path, query, body and browser credential) within its lifetime cost one
//! vendor request, and requests that arrive while that one is on its way wait for it instead of
//! sending their own. Only successful answers are kept.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

/// A vendor answer, whole.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// Larger answers are passed on but not kept.
const LARGEST_KEPT: usize = 8 * 1024 * 1024;
/// Past this many entries, expired ones are dropped on the next insert.
const PURGE_ABOVE: usize = 256;

pub type Key = [u8; 32];

/// The parts that make two requests identical, hashed. The browser's credential is one of them
/// (when the gateway adds none), so a user never reads an answer made for someone else's key.
pub fn key(connection: &str, method: &str, path_and_query: &str, body: &[u8], browser_credential: &[u8]) -> Key {
    let mut hash = Sha256::new();
    for part in [connection.as_bytes(), method.as_bytes(), path_and_query.as_bytes(), body, browser_credential] {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part);
    }
    hash.finalize().into()
}

type Slot = Arc<OnceCell<(Arc<Answer>, Instant)>>;

pub struct SharedCache {
    lifetime: Duration,
    entries: Mutex<HashMap<Key, Slot>>,
}

/// Where an answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Vendor,
    SharedCache,
}

impl SharedCache {
    pub fn new(lifetime: Duration) -> Self {
        SharedCache { lifetime, entries: Mutex::new(HashMap::new()) }
    }

    /// The kept answer for `key`, or the one `fetch` gets (kept when it is a success).
    pub async fn get_or_fetch<F, Fut>(&self, key: Key, fetch: F) -> (Arc<Answer>, Source)
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Answer>,
    {
        if self.lifetime.is_zero() {
            return (Arc::new(fetch().await), Source::Vendor);
        }
        let slot = self.slot(key, Instant::now());
        let mut fetched_here = false;
        let kept = slot
            .get_or_try_init(|| async {
                fetched_here = true;
                let answer = fetch().await;
                if answer.status.is_success() && answer.body.len() <= LARGEST_KEPT {
                    Ok((Arc::new(answer), Instant::now()))
                } else {
                    Err(answer)
                }
            })
            .await;
        match kept {
            Ok((answer, _)) => (answer.clone(), if fetched_here { Source::Vendor } else { Source::SharedCache }),
            Err(answer) => (Arc::new(answer), Source::Vendor),
        }
    }

    fn slot(&self, key: Key, now: Instant) -> Slot {
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let fresh = |slot: &Slot| slot.get().is_none_or(|(_, at)| now.duration_since(*at) < self.lifetime);
        if let Some(slot) = entries.get(&key)
            && fresh(slot)
        {
            return slot.clone();
        }
        if entries.len() > PURGE_ABOVE {
            // Kept: fresh answers, and fetches someone is still waiting for.
            entries.retain(|_, slot| Arc::strong_count(slot) > 1 || (slot.initialized() && fresh(slot)));
        }
        let slot = Slot::default();
        entries.insert(key, slot.clone());
        slot
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn answer(status: StatusCode, body: &'static str) -> Answer {
        Answer { status, headers: HeaderMap::new(), body: Bytes::from_static(body.as_bytes()) }
    }

    #[tokio::test]
    async fn ten_identical_requests_at_once_cost_one_fetch() {
        let cache = Arc::new(SharedCache::new(Duration::from_secs(30)));
        let fetches = Arc::new(AtomicUsize::new(0));
        let k = key("iden", "GET", "/org/acme/api/events/", b"", b"");
        let readers = (0..10).map(|_| {
            let (cache, fetches) = (cache.clone(), fetches.clone());
            tokio::spawn(async move {
                cache
                    .get_or_fetch(k, || async move {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        answer(StatusCode::OK, "rows")
                    })
                    .await
            })
        });
        let mut sources = Vec::new();
        for reader in readers {
            let (answer, source) = reader.await.unwrap();
            assert_eq!(answer.body, "rows");
            sources.push(source);
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        assert_eq!(sources.iter().filter(|s| **s == Source::Vendor).count(), 1);
    }

    #[tokio::test]
    async fn failures_are_not_kept_and_different_requests_do_not_share() {
        let cache = SharedCache::new(Duration::from_secs(30));
        let k = key("iden", "GET", "/org/acme/api/events/", b"", b"");
        let (a, _) = cache.get_or_fetch(k, || async { answer(StatusCode::TOO_MANY_REQUESTS, "wait") }).await;
        assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
        let (a, source) = cache.get_or_fetch(k, || async { answer(StatusCode::OK, "rows") }).await;
        assert_eq!((a.body.as_ref(), source), (&b"rows"[..], Source::Vendor));
        let (_, source) = cache.get_or_fetch(k, || async { answer(StatusCode::OK, "other") }).await;
        assert_eq!(source, Source::SharedCache);
        for other in [
            key("iden-eu", "GET", "/org/acme/api/events/", b"", b""),
            key("iden", "GET", "/org/acme/api/events/?cursor=2", b"", b""),
            key("iden", "GET", "/org/acme/api/events/", b"", b"Api-Key other"),
        ] {
            let (a, source) = cache.get_or_fetch(other, || async { answer(StatusCode::OK, "own") }).await;
            assert_eq!((a.body.as_ref(), source), (&b"own"[..], Source::Vendor));
        }
    }

    #[tokio::test]
    async fn an_answer_expires_after_its_lifetime() {
        let cache = SharedCache::new(Duration::from_millis(1));
        let k = key("idme", "POST", "/api/v1/events/search", b"ipaddress=1.2.3.4", b"");
        cache.get_or_fetch(k, || async { answer(StatusCode::OK, "old") }).await;
        // Expiry is measured from the stored time; wait until that time has certainly passed.
        let stored = Instant::now();
        while stored.elapsed() < Duration::from_millis(2) {
            tokio::task::yield_now().await;
        }
        let (a, source) = cache.get_or_fetch(k, || async { answer(StatusCode::OK, "new") }).await;
        assert_eq!((a.body.as_ref(), source), (&b"new"[..], Source::Vendor));
    }
}
