//! The verified-token memory of a `jwt` middleware: a token that passed is remembered for
//! [`REMEMBER`] under a 128-bit tag of its text, with what its check produced (no token is
//! kept). The tag is two SipHash values (domain-separated inputs) under a random key drawn
//! when the middleware is built (std's `RandomState`, the keyed hash of `HashMap`): to be
//! taken for a remembered token, a forged one must hit its tag without knowing the key, one
//! try per request.
//! SipHash costs about a tenth of an HMAC-SHA256 on a 600-byte RS256 token, which is most of
//! what a remembered token costs per request; a JWK set swap (a new `generation`) makes
//! every older entry stale. At most [`MAX_REMEMBERED`] entries: past that, stale ones are
//! dropped, and all of them if none is.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use std::hash::{BuildHasher, RandomState};

use super::Verified;

/// How long a verified token is remembered.
pub(super) const REMEMBER: Duration = Duration::from_secs(60);
/// Tokens remembered per middleware at most.
pub(super) const MAX_REMEMBERED: usize = 4096;

pub(super) struct Memory {
    key: RandomState,
    map: Mutex<HashMap<[u64; 2], Remembered>>,
}

struct Remembered {
    verified: Arc<Verified>,
    at: Instant,
    generation: u64,
}

// === impl Memory ===

impl Memory {
    pub(super) fn new() -> Self {
        Self {
            key: RandomState::new(),
            map: Mutex::new(HashMap::new()),
        }
    }

    pub(super) fn tag(&self, token: &str) -> [u64; 2] {
        [
            self.key.hash_one((0u8, token)),
            self.key.hash_one((1u8, token)),
        ]
    }

    pub(super) fn recall(&self, tag: &[u64; 2], generation: u64) -> Option<Arc<Verified>> {
        let map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(tag)
            .filter(|r| r.at.elapsed() < REMEMBER && r.generation == generation)
            .map(|r| r.verified.clone())
    }

    pub(super) fn remember(&self, tag: [u64; 2], verified: Arc<Verified>, generation: u64) {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= MAX_REMEMBERED {
            map.retain(|_, r| r.at.elapsed() < REMEMBER && r.generation == generation);
            if map.len() >= MAX_REMEMBERED {
                map.clear();
            }
        }
        let at = Instant::now();
        map.insert(
            tag,
            Remembered {
                verified,
                at,
                generation,
            },
        );
    }
}
