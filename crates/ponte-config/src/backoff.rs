//! The one exponential backoff: the daemon between a message's delivery
//! attempts, the BigQuery client between requests, the transfer engine
//! between attempts at one object. It lives here, in the crate every other
//! one depends on, so there is one rule for "how long until the next try".

use std::time::Duration;

/// Waits `first`, doubled after every failed attempt, never more than `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The wait after the first failed attempt.
    pub first: Duration,
    /// The cap.
    pub max: Duration,
}

impl Backoff {
    /// The wait after failed attempt number `attempt` (from 1; 0 counts as 1):
    /// `first × 2^(attempt − 1)`, at most `max`. Saturates instead of
    /// overflowing, however many attempts were made.
    pub fn after(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.first.saturating_mul(factor).min(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_first_up_to_its_cap() {
        let b = Backoff { first: Duration::from_secs(10), max: Duration::from_secs(600) };
        let waits: Vec<u64> = (1..=8).map(|a| b.after(a).as_secs()).collect();
        assert_eq!(waits, [10, 20, 40, 80, 160, 320, 600, 600]);
        assert_eq!(b.after(0), Duration::from_secs(10));
        assert_eq!(b.after(u32::MAX), Duration::from_secs(600), "no overflow");
        let fast = Backoff { first: Duration::from_millis(500), max: Duration::from_secs(32) };
        assert_eq!(fast.after(4), Duration::from_secs(4));
        assert_eq!(fast.after(7), Duration::from_secs(32));
    }

    #[test]
    fn a_tiny_first_wait_still_reaches_a_large_cap() {
        let b = Backoff { first: Duration::from_millis(1), max: Duration::from_secs(86_400) };
        assert_eq!(b.after(27), Duration::from_millis(1 << 26));
        assert_eq!(b.after(40), Duration::from_secs(86_400));
    }
}
