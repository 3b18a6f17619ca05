//! Decoding a [`Node`] into a model type, collecting every problem.
//!
//! serde stops at the first hard error. To report all of them, a failed decode prunes the
//! offending node and tries again (bounded), so a config with three bad values yields three
//! issues, and the parts that are fine still decode. The node is copied only for the first
//! pruning: copying every item's node before decoding it (and freeing the copy) was ~5 % of
//! a one-router reload of 10,000 routers and services, nearly all of which decode at the
//! first try.

use std::borrow::Cow;

use serde::de::DeserializeOwned;

use crate::de::{Ctx, DeError, NodeDe};
use crate::issue::{Issue, Location};
use crate::node::Node;

/// How many pruned retries a decode may take before it gives up on the node.
const MAX_RETRIES: usize = 64;

/// The outcome of decoding one node.
#[derive(Debug)]
pub struct Decoded<T> {
    /// The value, when the node could be decoded at all (possibly with bad parts pruned).
    pub value: Option<T>,
    /// Every problem found, errors and warnings.
    pub issues: Vec<Issue>,
}

// === impl Decoded ===

impl<T> Decoded<T> {
    /// The value, only if there was no error at all.
    pub fn clean(self) -> Result<T, Vec<Issue>> {
        match self.value {
            Some(v) if !crate::issue::has_errors(&self.issues) => Ok(v),
            _ => Err(self.issues),
        }
    }
}

/// Decodes `node` as a `T`. `base_path` prefixes key paths in issues (`http.routers.web`);
/// `source` names where the node came from (a file path, `flags`, `container x`).
pub fn decode<T: DeserializeOwned>(node: &Node, base_path: &str, source: &str) -> Decoded<T> {
    let mut work = Cow::Borrowed(node);
    let mut errors: Vec<DeError> = Vec::new();
    let mut recorded: Vec<DeError> = Vec::new();
    let mut value = None;
    for _ in 0..MAX_RETRIES {
        let ctx = Ctx::default();
        let result = T::deserialize(NodeDe::new(&work, base_path, &ctx));
        for r in ctx.recorded.into_inner() {
            if !recorded
                .iter()
                .any(|x| x.path == r.path && x.message == r.message)
            {
                recorded.push(r);
            }
        }
        match result {
            Ok(v) => {
                value = Some(v);
                break;
            }
            Err(e) => {
                let pruned = work.to_mut().remove_at(&e.trail);
                errors.push(e);
                if !pruned {
                    break;
                }
            }
        }
    }
    let issues = recorded
        .into_iter()
        .chain(errors)
        .map(|e| to_issue(e, source))
        .collect();
    Decoded { value, issues }
}

fn to_issue(e: DeError, source: &str) -> Issue {
    let location = Location::new(source, &e.pos);
    let has_location = location.line.is_some() || location.key.is_some();
    Issue::error(e.kind, e.path.unwrap_or_default(), e.message)
        .with_suggestion(e.suggestion)
        .with_location(has_location.then_some(location))
}
