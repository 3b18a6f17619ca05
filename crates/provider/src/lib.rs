//! Waygate's providers and the aggregator that merges them (reference §1.4, §3.0, §10).
//!
//! A provider turns some part of the world into a **full** [`Snapshot`] of its dynamic
//! configuration and sends it on an `mpsc` channel every time it changes — never a diff:
//!
//! - [`FileProvider`] reads `providers.file` (one file or a directory) and watches it;
//! - [`internal()`] builds the `internal` provider's items from static configuration (the
//!   entry point redirection routers).
//!
//! The [`Aggregator`] throttles each provider (first snapshot passes, then at most one per
//! window, latest wins), drops snapshots equal to the previous one, validates each provider,
//! qualifies every name as `name@provider`, fills default entry points and publishes the
//! [`Merged`] result on a `watch` channel for the compile-then-swap stage.

mod aggregator;
mod file;
mod internal;
mod snapshot;

#[cfg(test)]
mod testing;

pub use self::aggregator::{Aggregator, Merged};
pub use self::file::{FileProvider, config_files, parse_config_text};
pub use self::internal::{INTERNAL, internal};
pub use self::snapshot::{Snapshot, Source};
