//! One vendor budget per connection, shared by every user and tab: at most `limit` vendor
//! requests in any 60 seconds. A sliding window, not a fixed one, so the vendor never sees more
//! than its limit in any minute, however it counts its own.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

pub struct Budget {
    limit: usize,
    /// When each request still inside the window was let through, oldest first.
    sent: Mutex<VecDeque<Instant>>,
}

impl Budget {
    pub fn per_minute(limit: u32) -> Self {
        Budget { limit: limit as usize, sent: Mutex::new(VecDeque::new()) }
    }

    /// Spends one request now, or says how long until one is free.
    pub fn spend(&self, now: Instant) -> Result<(), Duration> {
        let mut sent = self.sent.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        while sent.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
            sent.pop_front();
        }
        if sent.len() < self.limit {
            sent.push_back(now);
            return Ok(());
        }
        let oldest = sent.front().copied().unwrap_or(now);
        Err(WINDOW.saturating_sub(now.duration_since(oldest)))
    }
}

/// Retry-After in whole seconds, rounded up so a client that waits it out finds room.
pub fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixty_a_minute_then_waits_for_the_oldest_to_leave_the_window() {
        let budget = Budget::per_minute(60);
        let start = Instant::now();
        for i in 0..60 {
            assert_eq!(budget.spend(start + Duration::from_millis(i * 100)), Ok(()), "request {i}");
        }
        let wait = budget.spend(start + Duration::from_secs(10)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(50));
        assert_eq!(retry_after_secs(wait), 50);
        // The first request leaves the window at 60 s; the second at 60.1 s.
        assert_eq!(budget.spend(start + Duration::from_secs(60)), Ok(()));
        assert!(budget.spend(start + Duration::from_secs(60)).is_err());
        assert_eq!(budget.spend(start + Duration::from_millis(60_100)), Ok(()));
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(41_200)), 42);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
    }
}
