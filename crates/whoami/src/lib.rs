//! whoami: Waygate's demo and test backend.
//!
//! A small HTTP server in the spirit of `traefik/whoami` that echoes what it receives. It is the
//! real upstream of the gateway's integration tests, the in-process backend of `waygate demo`, and
//! a standalone binary for container images. One port serves HTTP/1.1 and h2c (HTTP/2 with prior
//! knowledge); WebSocket upgrades are handled on HTTP/1.1.
//!
//! Layout: `server` binds, accepts and counts connections; `service` dispatches a request to one
//! of the `routes` after the shared `?wait=` delay; `query` parses query parameters.

mod body;
mod query;
mod routes;
mod server;
mod service;

pub use server::{Config, Server};
