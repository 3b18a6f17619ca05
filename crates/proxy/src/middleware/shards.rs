//! Per-source state of `rateLimit` and `inFlightReq`: a map split into shards, each behind
//! its own short-held mutex, so requests from different sources rarely meet on one lock.
//! Keys are the source bytes ([`super::source::Key`]); hashing is keyed per process, so a
//! client cannot aim many sources at one shard.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Shards per map: enough that two cores rarely contend, few enough to stay small.
pub(crate) const SHARDS: usize = 16;

/// One shard: source bytes to `V`.
pub(crate) type Shard<V> = HashMap<Box<[u8]>, V>;

/// One map from source bytes to `V`, sharded.
#[derive(Debug)]
pub(crate) struct Shards<V> {
    hasher: RandomState,
    shards: Box<[Mutex<Shard<V>>]>,
}

// === impl Shards ===

impl<V> Shards<V> {
    pub(crate) fn new() -> Self {
        Self {
            hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }

    /// The shard that holds `key`, locked. Nothing in the maps panics while a lock is held,
    /// but a poisoned lock is used as it is rather than failing every later request.
    pub(crate) fn lock(&self, key: &[u8]) -> MutexGuard<'_, Shard<V>> {
        let i = (self.hasher.hash_one(key) as usize) % self.shards.len();
        self.shards[i]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Entries in all shards (tests and diagnostics).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_find_their_shard_again() {
        let s: Shards<u32> = Shards::new();
        for i in 0..1000u32 {
            s.lock(&i.to_be_bytes())
                .insert(i.to_be_bytes().to_vec().into_boxed_slice(), i);
        }
        for i in 0..1000u32 {
            assert_eq!(s.lock(&i.to_be_bytes()).get(&i.to_be_bytes()[..]), Some(&i));
        }
        assert_eq!(s.len(), 1000);
    }
}
