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
use std::sync::Arc;
use std::time::{Duration, Instant};

use waygate_config::dynamic::DynamicConfig;
use waygate_config::format::Format;
use waygate_config::load::{DynamicLoad, decode_dynamic};
use waygate_config::node::{Node, Value};
use waygate_config::{Issue, IssueKind};

use super::read::Parsed;
use super::{PROVIDER, keep, share};
use crate::snapshot::Source;

/// How long a file that looks like an edit in progress is held before it is applied as is.
pub(super) const SETTLE: Duration = Duration::from_secs(2);

/// One file's memory.
#[derive(Debug, Default)]
pub(super) struct FileState {
    good: Option<Good>,
    /// Since when the file has been held (it looks like an edit in progress).
    held_since: Option<Instant>,
}

/// What one file contributes to a snapshot. The configuration and the text are shared with
/// the file's last good version (not copied: with 10,000 routers each copy was tens of MiB).
#[derive(Debug)]
pub(super) struct Outcome {
    pub(super) config: Arc<DynamicConfig>,
    pub(super) issues: Vec<Issue>,
    pub(super) broken: BTreeSet<(&'static str, String)>,
    /// The text `config` was decoded from, to locate issues (parsed again when needed).
    text: Arc<str>,
    format: Format,
}

/// The last version of a file that parsed, as decoded. Its tree is not kept (~25 MiB for
/// 10,000 routers): its text is, to locate later issues.
#[derive(Debug)]
struct Good {
    text: Arc<str>,
    format: Format,
    /// The tree had no top-level key (see [`is_empty`]).
    empty: bool,
    whole_lines: bool,
    config: Arc<DynamicConfig>,
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
        let good = self.good.as_ref().filter(|g| !g.empty)?;
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
            return Outcome {
                config: Arc::default(),
                issues,
                broken: BTreeSet::new(),
                text: Arc::from(""),
                format: Format::Yaml,
            };
        };
        issues.extend(good.issues.iter().cloned());
        Outcome {
            config: good.config.clone(),
            issues,
            broken: good.broken.clone(),
            text: good.text.clone(),
            format: good.format,
        }
    }

    /// Decodes what parsed and makes it the last good version.
    fn accept(&mut self, source: &str, parsed: Parsed) -> Outcome {
        let Parsed {
            tree,
            whole_lines,
            text,
            format,
        } = parsed;
        let mut load = decode_dynamic(&tree, source, PROVIDER);
        // The tree (~25 MiB for 10,000 routers) is freed as soon as it is decoded: held
        // until the end of the read, its pages were still in use while the items below
        // were shared and copied, so they could not be reused for them and the heap grew.
        let empty = is_empty(&tree);
        drop(tree);
        if let Some(old) = &self.good {
            keep::last_good_items(&mut load, &old.config, source);
            share::unchanged(&mut load.config, &old.config);
        }
        let DynamicLoad {
            config,
            issues,
            broken,
        } = load;
        let config = Arc::new(config);
        self.good = Some(Good {
            text: text.clone(),
            format,
            empty,
            whole_lines,
            config: config.clone(),
            issues: issues.clone(),
            broken: broken.clone(),
        });
        Outcome {
            config,
            issues,
            broken,
            text,
            format,
        }
    }
}

// === impl Outcome ===

impl Outcome {
    /// The source this outcome was decoded from, named `name`.
    pub(super) fn source(&self, name: &str) -> Source {
        Source::from_text(name, self.text.clone(), self.format)
    }

    /// As a decoded load, for a directory's merge (which copies the items it keeps), with
    /// its source named `name`.
    pub(super) fn into_load(self, name: &str) -> (DynamicLoad, Source) {
        let source = self.source(name);
        let load = DynamicLoad {
            config: Arc::unwrap_or_clone(self.config),
            issues: self.issues,
            broken: self.broken,
        };
        (load, source)
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
