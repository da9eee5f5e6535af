//! Login throttling: failed logins are counted per client address and per
//! client id, and once either has failed too often, logins from it wait.
//!
//! Each key has a leaky bucket of failures: a failure adds one, the bucket
//! drains at a steady rate, and a login is refused (429, with
//! `Retry-After`) while the key's bucket is full. A client that mistypes a
//! secret a few times is not slowed; a guesser gets a handful of tries a
//! minute instead of a thousand a second. A refused attempt is not counted,
//! so waiting always works. Counts live in this process (a restart resets
//! them; they bound guessing speed, not a secret).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A client address's bucket: this many failures at once…
const ADDRESS_BURST: f64 = 10.0;
/// …then one more every this many seconds.
const ADDRESS_DRAIN_SECS: f64 = 6.0;
/// A client id's bucket: larger, since a client's servers may share it…
const CLIENT_BURST: f64 = 30.0;
/// …draining faster.
const CLIENT_DRAIN_SECS: f64 = 2.0;
/// Buckets kept at most; drained ones go first. When every kept bucket is
/// still filling, new keys are not tracked (the other key still is).
const MAX_BUCKETS: usize = 100_000;

/// What failures are counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum ThrottleKey {
    /// A client address; IPv6 addresses by their /64, which one host holds.
    Address(IpAddr),
    /// A client id as sent.
    Client(String),
}

impl ThrottleKey {
    /// The key of `address`: IPv6 addresses are cut to their /64 prefix.
    pub(crate) fn address(address: IpAddr) -> Self {
        match address {
            IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                Self::Address(IpAddr::V6(prefix.into()))
            }
            IpAddr::V6(v6) => Self::Address(IpAddr::V4(v6.to_ipv4_mapped().expect("checked above"))),
            v4 => Self::Address(v4),
        }
    }

    fn limits(&self) -> (f64, f64) {
        match self {
            Self::Address(_) => (ADDRESS_BURST, ADDRESS_DRAIN_SECS),
            Self::Client(_) => (CLIENT_BURST, CLIENT_DRAIN_SECS),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    failures: f64,
    at: Instant,
}

impl Bucket {
    fn level(&self, drain_secs: f64, now: Instant) -> f64 {
        let drained = now.saturating_duration_since(self.at).as_secs_f64() / drain_secs;
        (self.failures - drained).max(0.0)
    }
}

/// Failed logins per key.
#[derive(Debug, Default)]
pub(crate) struct LoginThrottle {
    buckets: Mutex<HashMap<ThrottleKey, Bucket>>,
}

impl LoginThrottle {
    /// `Ok` when a login for `keys` may be tried now, else how long to wait.
    pub(crate) fn check(&self, keys: &[ThrottleKey], now: Instant) -> Result<(), Duration> {
        let buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait = Duration::ZERO;
        for key in keys {
            let (burst, drain) = key.limits();
            if let Some(bucket) = buckets.get(key) {
                let over = bucket.level(drain, now) + 1.0 - burst;
                if over > 0.0 {
                    wait = wait.max(Duration::from_secs_f64(over * drain));
                }
            }
        }
        if wait.is_zero() { Ok(()) } else { Err(wait) }
    }

    /// Counts a failed login against every key.
    pub(crate) fn failed(&self, keys: &[ThrottleKey], now: Instant) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        for key in keys {
            let (_, drain) = key.limits();
            if !buckets.contains_key(key) && buckets.len() >= MAX_BUCKETS {
                buckets.retain(|k, b| b.level(k.limits().1, now) > 0.0);
                if buckets.len() >= MAX_BUCKETS {
                    continue;
                }
            }
            let bucket = buckets.entry(key.clone()).or_insert(Bucket { failures: 0.0, at: now });
            *bucket = Bucket { failures: bucket.level(drain, now) + 1.0, at: now };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_a_burst_then_one_try_per_drain_period() {
        let throttle = LoginThrottle::default();
        let keys = [ThrottleKey::address("10.0.0.1".parse().unwrap())];
        let t0 = Instant::now();
        for _ in 0..ADDRESS_BURST as usize {
            throttle.check(&keys, t0).unwrap();
            throttle.failed(&keys, t0);
        }
        let wait = throttle.check(&keys, t0).unwrap_err();
        assert_eq!(wait, Duration::from_secs_f64(ADDRESS_DRAIN_SECS));
        // Another address is not slowed.
        throttle.check(&[ThrottleKey::address("10.0.0.2".parse().unwrap())], t0).unwrap();
        // After the wait, one more try.
        let later = t0 + wait;
        throttle.check(&keys, later).unwrap();
        throttle.failed(&keys, later);
        assert!(throttle.check(&keys, later).is_err());
    }

    #[test]
    fn a_client_id_is_throttled_across_addresses() {
        let throttle = LoginThrottle::default();
        let t0 = Instant::now();
        for i in 0..CLIENT_BURST as u8 {
            let keys = [ThrottleKey::address(IpAddr::from([10, 1, 0, i])), ThrottleKey::Client("a".into())];
            throttle.check(&keys, t0).unwrap();
            throttle.failed(&keys, t0);
        }
        let fresh = [ThrottleKey::address("10.9.9.9".parse().unwrap()), ThrottleKey::Client("a".into())];
        assert!(throttle.check(&fresh, t0).is_err());
        throttle.check(&[ThrottleKey::Client("b".into())], t0).unwrap();
    }

    #[test]
    fn ipv6_addresses_count_by_their_64_prefix() {
        let a = ThrottleKey::address("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = ThrottleKey::address("2001:db8:1:2:bbbb::9".parse().unwrap());
        let c = ThrottleKey::address("2001:db8:1:3::1".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, c);
        let mapped = ThrottleKey::address("::ffff:10.0.0.1".parse().unwrap());
        assert_eq!(mapped, ThrottleKey::address("10.0.0.1".parse().unwrap()));
    }
}
