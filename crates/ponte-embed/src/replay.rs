//! One use per nonce and per URL.
//!
//! Entries are only recorded for URLs that passed every other check, so
//! someone without a secret cannot fill this memory, and each entry is
//! dropped once its URL could no longer verify anyway: memory is bounded by
//! the number of embed logins in the last hour.
//!
//! Where the memory lives is the [`ReplayStore`]'s business. The one here,
//! [`MemoryReplayStore`], lives in the process: a restart forgets it and
//! several processes do not share it, so a server keeps it in its state
//! database instead (ponte's server does).

use std::borrow::Borrow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Mutex;

/// Where spent nonces and URLs are remembered.
///
/// [`crate::Verifier::verify`] calls [`ReplayStore::spend`] last, for a URL
/// that passed every other check. An implementation must check and record
/// in one step (two requests racing with the same URL: one wins), keep a
/// URL for at least [`URL_MEMORY`] and a nonce for at least
/// [`NONCE_MEMORY`] seconds, and fail closed: when it cannot tell, it
/// answers [`EmbedError::ReplayUnavailable`], never `Ok`.
pub trait ReplayStore: Send + Sync + fmt::Debug {
    /// Refuses a URL (named by the SHA-256 of its path and query) or a
    /// nonce seen before; otherwise records both as spent at `now`.
    fn spend(&self, nonce: &str, url_digest: [u8; 32], now: i64) -> Result<(), EmbedError>;

    /// Refuses a URL or nonce seen before, like [`ReplayStore::spend`],
    /// without recording anything.
    fn check_unspent(&self, nonce: &str, url_digest: [u8; 32], now: i64) -> Result<(), EmbedError>;
}

/// A [`ReplayStore`] in this process's memory.
pub struct MemoryReplayStore {
    guard: Mutex<ReplayGuard>,
}

impl Default for MemoryReplayStore {
    fn default() -> Self {
        MemoryReplayStore { guard: Mutex::new(ReplayGuard::new()) }
    }
}

impl ReplayStore for MemoryReplayStore {
    fn spend(&self, nonce: &str, url_digest: [u8; 32], now: i64) -> Result<(), EmbedError> {
        // A panic while holding the lock leaves the sets consistent (each
        // operation is a few inserts), so a poisoned lock is still usable.
        self.guard.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).check_and_record(nonce, url_digest, now)
    }

    fn check_unspent(&self, nonce: &str, url_digest: [u8; 32], now: i64) -> Result<(), EmbedError> {
        self.guard.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).check(nonce, url_digest, now)
    }
}

impl fmt::Debug for MemoryReplayStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (nonces, urls) = self.guard.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).sizes();
        f.debug_struct("MemoryReplayStore").field("nonces", &nonces).field("urls", &urls).finish()
    }
}

use crate::error::EmbedError;

/// How long a used nonce is remembered, seconds. Looker's rule: a nonce may
/// not repeat within an hour. It far exceeds the ±[`crate::MAX_CLOCK_SKEW`]
/// window, so a URL never outlives the memory of its nonce.
pub const NONCE_MEMORY: i64 = 3600;

/// How long a used URL is remembered, seconds: a URL verifies while
/// `|now − time| ≤ 300`, so at most 600 s after its first use.
pub const URL_MEMORY: i64 = 2 * crate::MAX_CLOCK_SKEW;

/// Keys with an expiry time, pruned in expiry order.
struct ExpiringSet<K: Ord + Clone> {
    expires: BTreeMap<K, i64>,
    by_expiry: BTreeSet<(i64, K)>,
}

impl<K: Ord + Clone> ExpiringSet<K> {
    fn new() -> Self {
        ExpiringSet { expires: BTreeMap::new(), by_expiry: BTreeSet::new() }
    }

    /// Drops entries whose expiry is before `now`.
    fn prune(&mut self, now: i64) {
        while let Some((expiry, key)) = self.by_expiry.first() {
            if *expiry >= now {
                break;
            }
            self.expires.remove(key);
            self.by_expiry.pop_first();
        }
    }

    fn contains<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.expires.contains_key(key)
    }

    fn insert(&mut self, key: K, expiry: i64) {
        if let Some(old) = self.expires.insert(key.clone(), expiry) {
            self.by_expiry.remove(&(old, key.clone()));
        }
        self.by_expiry.insert((expiry, key));
    }

    fn len(&self) -> usize {
        self.expires.len()
    }
}

/// The nonces and URLs already used, each until it could no longer verify.
struct ReplayGuard {
    nonces: ExpiringSet<String>,
    urls: ExpiringSet<[u8; 32]>,
}

impl ReplayGuard {
    fn new() -> Self {
        ReplayGuard { nonces: ExpiringSet::new(), urls: ExpiringSet::new() }
    }

    /// Refuses a URL (by its SHA-256) or a nonce seen before. Expired
    /// entries are pruned first.
    fn check(&mut self, nonce: &str, url_digest: [u8; 32], now: i64) -> Result<(), EmbedError> {
        self.nonces.prune(now);
        self.urls.prune(now);
        // The URL first: the same URL twice says "URL reused", the clearer reason.
        if self.urls.contains(&url_digest) {
            return Err(EmbedError::UrlReused);
        }
        if self.nonces.contains(nonce) {
            return Err(EmbedError::NonceReused);
        }
        Ok(())
    }

    /// [`ReplayGuard::check`], then records both.
    fn check_and_record(&mut self, nonce: &str, url_digest: [u8; 32], now: i64) -> Result<(), EmbedError> {
        self.check(nonce, url_digest, now)?;
        self.urls.insert(url_digest, now.saturating_add(URL_MEMORY));
        self.nonces.insert(nonce.to_owned(), now.saturating_add(NONCE_MEMORY));
        Ok(())
    }

    /// How many nonces and URLs are remembered.
    fn sizes(&self) -> (usize, usize) {
        (self.nonces.len(), self.urls.len())
    }
}

impl fmt::Debug for ReplayGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (nonces, urls) = self.sizes();
        f.debug_struct("ReplayGuard").field("nonces", &nonces).field("urls", &urls).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_kept_an_hour_and_urls_ten_minutes() {
        let mut guard = ReplayGuard::new();
        guard.check_and_record("n1", [1; 32], 1000).unwrap();
        assert_eq!(guard.check_and_record("n1", [1; 32], 1000), Err(EmbedError::UrlReused));
        assert_eq!(guard.check_and_record("n1", [2; 32], 1000), Err(EmbedError::NonceReused));
        // The URL is still remembered at exactly 600 s, gone after.
        assert_eq!(guard.check_and_record("n1", [1; 32], 1000 + URL_MEMORY), Err(EmbedError::UrlReused));
        assert_eq!(guard.check_and_record("n1", [1; 32], 1001 + URL_MEMORY), Err(EmbedError::NonceReused));
        // The nonce is still remembered at exactly an hour, gone after.
        assert_eq!(guard.check_and_record("n1", [3; 32], 1000 + NONCE_MEMORY), Err(EmbedError::NonceReused));
        guard.check_and_record("n1", [3; 32], 1001 + NONCE_MEMORY).unwrap();
    }

    #[test]
    fn memory_is_pruned() {
        let mut guard = ReplayGuard::new();
        for i in 0..100u8 {
            guard.check_and_record(&format!("n{i}"), [i; 32], 1000 + i64::from(i)).unwrap();
        }
        assert_eq!(guard.sizes(), (100, 100));
        // 600 s after the 50th: the first 50 URLs are gone, every nonce stays.
        guard.check_and_record("late", [200; 32], 1050 + URL_MEMORY).unwrap();
        assert_eq!(guard.sizes(), (101, 51));
        guard.check_and_record("later", [201; 32], 2000 + NONCE_MEMORY).unwrap();
        assert_eq!(guard.sizes(), (1, 1));
    }
}
