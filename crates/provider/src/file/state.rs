//! What the file provider remembers about each file between reads, and so what each file
//! contributes to the next snapshot.
//!
//! Every file (the one `filename`, or each file of `directory`) keeps its last good version:
//! the last content that parsed. Then:
//!
//! - a file that cannot be read or parsed contributes its last good items, with the error and
//!   a warning "keeping the last good configuration of <file>";
//! - an item that fails to decode keeps its last good definition (see `keep.rs`);
//! - a file that looks like an edit in progress is *held*: its last good items stay, with a
//!   warning, and the new content is applied only if it is still like that [`SETTLE`] later.
//!   It looks like an edit in progress when its last good version had content and it is now
//!   empty (blank, only comments: a writer truncated it and has not written yet), or when
//!   its last good version ended with a line break and it now ends in the middle of a line
//!   (a writer has not finished). This deviates from Traefik, which applies both at once.
//!
//! A file that was empty from its first read is simply empty. A file cut exactly at a line
//! break cannot be told from a shorter file; the watcher's wait for the writer's close and
//! the settled read (`stable.rs`) are what keep such a cut from being read.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use waygate_config::dynamic::DynamicConfig;
use waygate_config::load::{DynamicLoad, decode_dynamic};
use waygate_config::node::{Node, Value};
use waygate_config::{Issue, IssueKind};

use super::read::Parsed;
use super::{PROVIDER, keep};

/// How long a file that looks like an edit in progress is held before it is applied as is.
pub(super) const SETTLE: Duration = Duration::from_secs(2);

/// One file's memory.
#[derive(Debug, Default)]
pub(super) struct FileState {
    good: Option<Good>,
    /// Since when the file has been held (it looks like an edit in progress).
    held_since: Option<Instant>,
}

/// What one file contributes to a snapshot.
#[derive(Debug)]
pub(super) struct Outcome {
    pub(super) load: DynamicLoad,
    /// The tree `load` was decoded from, to locate the issues of a directory merge.
    pub(super) tree: Node,
}

/// The last version of a file that parsed, as decoded.
#[derive(Debug)]
struct Good {
    tree: Node,
    whole_lines: bool,
    config: DynamicConfig,
    issues: Vec<Issue>,
    broken: BTreeSet<(&'static str, String)>,
}

// === impl FileState ===

impl FileState {
    /// Takes in a new read of the file `source` made at `now` (what parsed, or why nothing
    /// did) and returns what the file contributes now.
    pub(super) fn update(
        &mut self,
        source: &str,
        read: Result<Parsed, Issue>,
        now: Instant,
    ) -> Outcome {
        let parsed = match read {
            Ok(parsed) => parsed,
            Err(issue) => {
                self.held_since = None;
                return self.keep(source, issue);
            }
        };
        if let Some(looks) = self.in_progress(&parsed) {
            let since = *self.held_since.get_or_insert(now);
            if now < since + SETTLE {
                let warning = Issue::warning(
                    IssueKind::File,
                    "providers.file",
                    format!(
                        "{source} {looks}; keeping the last good configuration of {source} \
                         for up to {SETTLE:?} in case it is being written"
                    ),
                );
                return self.keep(source, warning);
            }
            tracing::warn!(
                provider = PROVIDER,
                file = source,
                "the file still {looks} after {SETTLE:?}: applying it as it is"
            );
        }
        self.held_since = None;
        self.accept(source, parsed)
    }

    /// When the held file is due to be read again and applied as it is.
    pub(super) fn settle_at(&self) -> Option<Instant> {
        self.held_since.map(|since| since + SETTLE)
    }

    /// What the file contributes when it cannot even be looked at (its directory cannot be
    /// listed): its last good items. A hold is dropped: it would never end.
    pub(super) fn unread(&mut self) -> Outcome {
        self.held_since = None;
        self.keep_behind(Vec::new())
    }

    /// Why `parsed` looks like an edit in progress, if it does.
    fn in_progress(&self, parsed: &Parsed) -> Option<&'static str> {
        let good = self.good.as_ref().filter(|g| !is_empty(&g.tree))?;
        if is_empty(&parsed.tree) {
            Some("is empty")
        } else if good.whole_lines && !parsed.whole_lines {
            Some("ends in the middle of a line")
        } else {
            None
        }
    }

    /// The last good items behind `first` and, when `first` is an error, a warning saying
    /// that they are kept.
    fn keep(&self, source: &str, first: Issue) -> Outcome {
        let broken = first.is_error() && self.good.is_some();
        let mut lead = vec![first];
        if broken {
            lead.push(Issue::warning(
                IssueKind::File,
                "providers.file",
                format!("keeping the last good configuration of {source}"),
            ));
        }
        self.keep_behind(lead)
    }

    /// The last good items (none before a first good read), their issues behind `issues`.
    fn keep_behind(&self, mut issues: Vec<Issue>) -> Outcome {
        let Some(good) = &self.good else {
            let load = DynamicLoad {
                issues,
                ..DynamicLoad::default()
            };
            return Outcome {
                load,
                tree: Node::null(),
            };
        };
        issues.extend(good.issues.iter().cloned());
        let load = DynamicLoad {
            config: good.config.clone(),
            issues,
            broken: good.broken.clone(),
        };
        Outcome {
            load,
            tree: good.tree.clone(),
        }
    }

    /// Decodes what parsed and makes it the last good version.
    fn accept(&mut self, source: &str, parsed: Parsed) -> Outcome {
        let mut load = decode_dynamic(&parsed.tree, source, PROVIDER);
        if let Some(old) = &self.good {
            keep::last_good_items(&mut load, &old.config, source);
        }
        self.good = Some(Good {
            tree: parsed.tree.clone(),
            whole_lines: parsed.whole_lines,
            config: load.config.clone(),
            issues: load.issues.clone(),
            broken: load.broken.clone(),
        });
        Outcome {
            load,
            tree: parsed.tree,
        }
    }
}

/// Nothing but blanks and comments (or `{}`): no top-level key at all.
fn is_empty(tree: &Node) -> bool {
    match &tree.value {
        Value::Null => true,
        Value::Scalar(s) => s.trim().is_empty(),
        Value::Map(entries) => entries.is_empty(),
        Value::List(items) => items.is_empty(),
    }
}
