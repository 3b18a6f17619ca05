//! One entry point's routers: sorted by priority (highest first, then name), indexed by the
//! literal hosts their rules require, so a request only evaluates the routers that can match
//! its host (plus those that match any host), still in priority order.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use waygate_rules::Hosts;

use super::CompiledRouter;

#[derive(Debug, Default)]
pub(crate) struct Routes {
    routers: Vec<Arc<CompiledRouter>>,
    exact: HashMap<String, Indices, FnvBuild>,
    /// `(".example.com", index)` for `*.example.com` rules.
    wildcard: Vec<(String, u32)>,
    any: Vec<u32>,
    /// Per router: its rule is only literal hosts ([`waygate_rules::Rule::is_exact_hosts`]),
    /// so a hit in `exact` is a match without evaluating it.
    exact_only: Vec<bool>,
}

/// The routers requiring one host: almost always one, kept inline (a vector per host was
/// 10,000 allocations per table).
#[derive(Debug)]
enum Indices {
    One(u32),
    Many(Vec<u32>),
}

// === impl Routes ===

impl Routes {
    /// Builds the index; `routers` must already be in match order.
    pub(crate) fn new(routers: Vec<Arc<CompiledRouter>>) -> Self {
        // Sized at once: grown insert by insert, the map was rehashed ~14 times.
        let mut r = Routes {
            exact: HashMap::with_capacity_and_hasher(routers.len(), Default::default()),
            routers,
            ..Routes::default()
        };
        r.exact_only = r.routers.iter().map(|x| x.rule.is_exact_hosts()).collect();
        for (i, router) in r.routers.iter().enumerate() {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            match router.rule.hosts() {
                Hosts::Any => r.any.push(i),
                Hosts::Only {
                    exact,
                    wildcard_suffixes,
                } => {
                    for h in exact {
                        r.exact
                            .entry(h)
                            .and_modify(|at| at.push(i))
                            .or_insert(Indices::One(i));
                    }
                    for s in wildcard_suffixes {
                        r.wildcard.push((s, i));
                    }
                }
            }
        }
        r
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Arc<CompiledRouter>> {
        self.routers.iter()
    }

    /// The first router (in priority order) whose rule matches. `host` is the normalized
    /// request host (lowercase, no port).
    pub(crate) fn find(&self, req: &waygate_rules::Request<'_>) -> Option<&Arc<CompiledRouter>> {
        let host = req.host.strip_suffix('.').unwrap_or(req.host);
        let exact: &[u32] = self.exact.get(host).map_or(&[], Indices::as_slice);
        let (mut e, mut a, mut w) = (0, 0, 0);
        let wild = |w: &mut usize| -> Option<u32> {
            while let Some((suffix, i)) = self.wildcard.get(*w) {
                if host.ends_with(suffix.as_str()) {
                    return Some(*i);
                }
                *w += 1;
            }
            None
        };
        loop {
            let candidates = [
                exact.get(e).copied(),
                self.any.get(a).copied(),
                wild(&mut w),
            ];
            let next = candidates.iter().flatten().min().copied()?;
            let by_host = exact.get(e) == Some(&next);
            while exact.get(e) == Some(&next) {
                e += 1;
            }
            while self.any.get(a) == Some(&next) {
                a += 1;
            }
            while self.wildcard.get(w).map(|x| x.1) == Some(next) {
                w += 1;
            }
            let router = &self.routers[next as usize];
            if (by_host && self.exact_only[next as usize]) || router.rule.matches(req) {
                return Some(router);
            }
        }
    }
}

// === impl Indices ===

impl Indices {
    fn push(&mut self, i: u32) {
        match self {
            Indices::One(first) => *self = Indices::Many(vec![*first, i]),
            Indices::Many(all) => all.push(i),
        }
    }

    fn as_slice(&self) -> &[u32] {
        match self {
            Indices::One(i) => std::slice::from_ref(i),
            Indices::Many(all) => all,
        }
    }
}

/// FNV-1a: host names are short and chosen by the operator, not by clients (a client's host
/// only selects a bucket to probe), so a fast non-keyed hash is fine here. The compile's maps
/// of item names use it too (names come from the configuration, never from a request).
#[derive(Default)]
pub(crate) struct Fnv(u64);

/// The hasher of maps keyed by configuration names.
pub(crate) type FnvBuild = BuildHasherDefault<Fnv>;

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}
