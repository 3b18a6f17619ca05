//! Waygate's configuration core: the Traefik v3 configuration model and everything that turns
//! text into it, without any I/O.
//!
//! Sources (YAML/TOML files, Docker labels, KV stores, environment variables, CLI flags) become
//! a [`Node`](node::Node) tree; one deserializer ([`de`]) turns trees into the typed static and
//! dynamic models; validation ([`validate`]) reports every problem as an
//! [`Issue`](issue::Issue) naming the item, key path and source position.

pub mod de;
pub mod decode;
pub mod dynamic;
pub mod flat;
pub mod format;
pub mod issue;
pub mod load;
pub mod node;
pub mod sorted;
pub mod static_config;
pub mod status;
pub mod suggest;
pub mod support;
pub mod types;
pub mod validate;

#[cfg(test)]
mod testing;

pub use decode::{Decoded, decode};
pub use issue::{Issue, IssueKind, Severity};
pub use node::Node;
