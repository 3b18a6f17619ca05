//! The aggregator: one control loop that receives every provider's snapshots, throttles
//! them per provider, ignores unchanged ones, and publishes the merged, qualified,
//! validated configuration on a `watch` channel (reference §10).
//!
//! Nothing is published before the `internal` provider has reported. Each provider's
//! snapshot is validated and qualified once, when it is applied; a publish only merges the
//! prepared providers, fills default entry points and checks cross-provider references.

mod check;
mod merge;
mod qualify;
mod refs;
mod throttle;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use waygate_config::Issue;
use waygate_config::dynamic::DynamicConfig;
use waygate_config::static_config::StaticConfig;

use self::throttle::Throttle;
use crate::internal::INTERNAL;
use crate::snapshot::Snapshot;

/// The merge of every provider's latest snapshot.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Merged {
    /// Every name and reference qualified (`web@file`); routers have their entry points.
    /// Shared with the runtime table compiled from it (what the API shows): a copy of
    /// 10,000 routers cost a sixth of a reload.
    pub config: Arc<DynamicConfig>,
    /// Snapshot and validation issues of every provider; `item` names are qualified. Items
    /// with an error stay in `config`: the data plane disables them.
    pub issues: Vec<Issue>,
    /// 1 for the first publish, +1 on each later one (0: nothing published yet).
    pub generation: u64,
}

/// Merges provider snapshots; see the module documentation.
#[derive(Debug)]
pub struct Aggregator {
    static_cfg: Arc<StaticConfig>,
    throttle: Throttle,
    providers: BTreeMap<String, Prepared>,
    /// Per provider, what its last validation leaves for the next.
    memos: BTreeMap<String, check::Memo>,
    generation: u64,
    tx: watch::Sender<Arc<Merged>>,
}

/// One provider's applied snapshot, validated and qualified.
#[derive(Debug)]
struct Prepared {
    snapshot: Snapshot,
    /// Shared with the merged configuration when it is the only one (see `publish`).
    config: Arc<DynamicConfig>,
    /// The order qualification put the HTTP names in (for the next one).
    order: qualify::Order,
    issues: Vec<Issue>,
}

// === impl Aggregator ===

impl Aggregator {
    /// `throttle` is `providers.providersThrottleDuration`.
    pub fn new(
        static_cfg: Arc<StaticConfig>,
        throttle: Duration,
    ) -> (Aggregator, watch::Receiver<Arc<Merged>>) {
        let (tx, rx) = watch::channel(Arc::new(Merged::default()));
        let aggregator = Aggregator {
            static_cfg,
            throttle: Throttle::new(throttle),
            providers: BTreeMap::new(),
            memos: BTreeMap::new(),
            generation: 0,
            tx,
        };
        (aggregator, rx)
    }

    /// Merges `snapshots` once, as a publish would (no throttling, no channels): what
    /// `waygate check` compiles. The `internal` snapshot must be among them.
    pub fn merge_once(static_cfg: Arc<StaticConfig>, snapshots: Vec<Snapshot>) -> Merged {
        let (mut aggregator, rx) = Aggregator::new(static_cfg, Duration::ZERO);
        aggregator.apply(snapshots);
        let merged = rx.borrow().clone();
        Merged::clone(&merged)
    }

    /// Runs until every sender of `rx` is dropped (held snapshots are applied first).
    pub async fn run(mut self, mut rx: mpsc::Receiver<Snapshot>) {
        loop {
            let due = self.throttle.next_due();
            let ready = tokio::select! {
                msg = rx.recv() => match msg {
                    Some(snap) => self.throttle.offer(snap, Instant::now()).into_iter().collect(),
                    None => {
                        let rest = self.throttle.drain();
                        self.apply(rest);
                        return;
                    }
                },
                () = sleep_until(due) => self.throttle.due(Instant::now()),
            };
            self.apply(ready);
        }
    }

    /// Applies snapshots that passed the throttle and publishes if anything changed.
    fn apply(&mut self, snapshots: Vec<Snapshot>) {
        let mut changed = false;
        // Replaced preparations are dropped after the publish: freeing 10,000 routers then
        // overlaps with the compile of what was published.
        let mut replaced = Vec::new();
        for snap in snapshots {
            if self
                .providers
                .get(&snap.provider)
                .is_some_and(|p| p.snapshot.same_as(&snap))
            {
                tracing::debug!(provider = %snap.provider, "configuration unchanged");
                continue;
            }
            let before = self.providers.get(&snap.provider);
            let previous = before.and_then(|p| {
                Some(qualify::Previous {
                    raw: p.snapshot.config.http.as_ref()?,
                    qualified: p.config.http.as_ref()?,
                    order: &p.order,
                })
            });
            let (mut config, order) = qualify::qualify(&snap.config, &snap.provider, previous);
            merge::default_entry_points(&mut config, &self.static_cfg);
            let memo = self.memos.entry(snap.provider.clone()).or_default();
            let previous = before.map(|p| &p.snapshot);
            let issues = check::provider_issues(&snap, &self.static_cfg, memo, previous);
            let prepared = Prepared {
                config: Arc::new(config),
                order,
                issues,
                snapshot: snap,
            };
            replaced.extend(
                self.providers
                    .insert(prepared.snapshot.provider.clone(), prepared),
            );
            changed = true;
        }
        if changed && self.providers.contains_key(INTERNAL) {
            self.publish();
        }
        drop(replaced);
    }

    fn publish(&mut self) {
        let mut issues: Vec<Issue> = self
            .providers
            .values()
            .flat_map(|p| p.issues.iter().cloned())
            .collect();
        let config = match self.only_one() {
            // One provider has a configuration and the others add nothing to it: the merge
            // would be a copy of it (10,000 routers: a map of 10,000 names and as many
            // shared items, per reload), so it is published as it is. The check only reads
            // it: it is copied only when an earlier publish still holds it.
            Some(only) => {
                issues.extend(check::cross_provider(Arc::make_mut(only)));
                only.clone()
            }
            None => {
                let parts = self.providers.iter().map(|(n, p)| (n.as_str(), &*p.config));
                let (mut config, merge_issues) = merge::merge(parts);
                issues.extend(merge_issues);
                issues.extend(check::cross_provider(&mut config));
                Arc::new(config)
            }
        };
        self.generation += 1;
        let (routers, services, middlewares) = config.counts();
        let errors = issues.iter().filter(|i| i.is_error()).count();
        // Which providers this generation holds: a reader of the log (or a test) can tell
        // the first generation with a provider's configuration from the ones before it.
        let providers = self
            .providers
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(",");
        tracing::info!(
            generation = self.generation,
            providers,
            routers,
            services,
            middlewares,
            errors,
            "configuration published"
        );
        let generation = self.generation;
        self.tx.send_replace(Arc::new(Merged {
            config,
            issues,
            generation,
        }));
    }

    /// The configuration of the one provider that has one, when every other provider's
    /// adds nothing to it ([`merge::adds_nothing`]): the merge of all would equal it.
    fn only_one(&mut self) -> Option<&mut Arc<DynamicConfig>> {
        let mut full = self
            .providers
            .values()
            .filter(|p| !merge::is_blank(&p.config));
        let only = full.next()?;
        if full.next().is_some() {
            return None;
        }
        let name = only.snapshot.provider.clone();
        let mut others = self.providers.iter().filter(|(n, _)| **n != name);
        if !others.all(|(_, p)| merge::adds_nothing(&p.config, &only.config)) {
            return None;
        }
        self.providers.get_mut(&name).map(|p| &mut p.config)
    }
}

async fn sleep_until(due: Option<Instant>) {
    match due {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests;
