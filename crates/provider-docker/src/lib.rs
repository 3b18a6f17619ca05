//! Waygate's Docker provider (reference §1.5, §6): running containers and their `traefik.*`
//! (or `waygate.*`) labels become one **full** dynamic-configuration [`Snapshot`] of the
//! `docker` provider, rebuilt from scratch on every relevant engine event.
//!
//! The crate has a pure core and a thin engine shell:
//!
//! - [`build`] turns a list of [`ContainerInfo`] into a [`DynamicConfig`] and issues,
//!   following §6.2 steps 1–7 (filters, label decoding, default service and router, server
//!   addresses, merge across containers). It does no I/O and is what the unit tests drive.
//! - [`template`] renders `defaultRule` (Go's `text/template` with sprig, the shared
//!   `waygate-template` engine) and
//!   [`constraints`] evaluates the `constraints` expression.
//! - [`DockerProvider`] talks to the Engine API (unix socket or plain-HTTP `tcp://`) through
//!   `bollard`, lists and inspects containers, and watches events.
//!
//! Names in the output are unqualified; the aggregator adds `@docker`.
//!
//! [`Snapshot`]: waygate_provider::Snapshot
//! [`DynamicConfig`]: waygate_config::dynamic::DynamicConfig

pub mod constraints;
mod container;
mod engine;
mod error;
mod normalize;
mod own;
mod provider;
mod suggest;
pub mod template;
mod translate;

pub use self::container::ContainerInfo;
pub use self::error::Error;
pub use self::normalize::normalize;
pub use self::provider::{DockerProvider, PROVIDER, diagnose};
pub use self::translate::build;
