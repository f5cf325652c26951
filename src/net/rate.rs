//! A client-side request budget: at most `max` requests in any window, and nothing before a
//! vendor's Retry-After has passed. Pure (times are passed in), so it is tested natively; the
//! fetch layer keeps one per connection.

use std::collections::VecDeque;

#[derive(Debug, Clone)]
pub struct RateBudget {
    max: usize,
    window_ms: f64,
    /// When the requests of the current window were sent, oldest first.
    sent: VecDeque<f64>,
    /// No request before this time (a 429's Retry-After).
    blocked_until: f64,
}

impl RateBudget {
    pub fn new(max: usize, window_ms: f64) -> Self {
        RateBudget { max: max.max(1), window_ms, sent: VecDeque::new(), blocked_until: 0.0 }
    }

    /// Iden's documented limit: 60 requests a minute per key.
    pub fn iden() -> Self {
        RateBudget::new(60, 60_000.0)
    }

    /// How long to wait (ms) before a request may be sent at `now`; 0 when it may go now.
    pub fn wait_ms(&mut self, now: f64) -> f64 {
        while self.sent.front().is_some_and(|t| *t + self.window_ms <= now) {
            self.sent.pop_front();
        }
        let mut wait = (self.blocked_until - now).max(0.0);
        if self.sent.len() >= self.max {
            let frees_at = self.sent[self.sent.len() - self.max] + self.window_ms;
            wait = wait.max(frees_at - now);
        }
        wait
    }

    /// Records a request sent at `now`.
    pub fn spend(&mut self, now: f64) {
        self.sent.push_back(now);
    }

    /// The vendor said to wait until `until` (a 429).
    pub fn block_until(&mut self, until: f64) {
        self.blocked_until = self.blocked_until.max(until);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_more_than_the_budget_in_any_window() {
        let mut b = RateBudget::new(3, 1000.0);
        for t in [0.0, 10.0, 20.0] {
            assert_eq!(b.wait_ms(t), 0.0);
            b.spend(t);
        }
        assert_eq!(b.wait_ms(30.0), 970.0, "the 4th waits until the 1st leaves the window");
        assert_eq!(b.wait_ms(1000.0), 0.0);
        b.spend(1000.0);
        assert_eq!(b.wait_ms(1001.0), 9.0);
    }

    #[test]
    fn a_retry_after_blocks_even_with_budget_left() {
        let mut b = RateBudget::iden();
        b.block_until(5000.0);
        assert_eq!(b.wait_ms(1000.0), 4000.0);
        b.block_until(2000.0);
        assert_eq!(b.wait_ms(1000.0), 4000.0, "an earlier block does not shorten a later one");
        assert_eq!(b.wait_ms(6000.0), 0.0);
    }

    #[test]
    fn a_burst_of_clicks_is_spread_over_the_window() {
        let mut b = RateBudget::iden();
        let mut sent_at = Vec::new();
        let mut now = 0.0;
        for _ in 0..150 {
            now += b.wait_ms(now);
            b.spend(now);
            sent_at.push(now);
        }
        for (i, t) in sent_at.iter().enumerate() {
            let in_window = sent_at[..=i].iter().filter(|s| **s > t - 60_000.0).count();
            assert!(in_window <= 60, "{in_window} requests in the minute before {t}");
        }
        assert_eq!(sent_at[60], 60_000.0);
    }
}
