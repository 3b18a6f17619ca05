//! Data-plane tests through the real `waygate` binary: real sockets, real `whoami` backends.

// Shared with the docker tests, which use parts this crate does not.
#[allow(dead_code)]
mod support;

mod accesslog;
mod auth;
mod balancing;
mod compress;
mod errors;
mod forward_auth;
mod forwarded;
mod grpc_web;
mod jwt;
mod middlewares;
mod protect;
mod rate_limit_redis;
mod reload;
mod resilience;
mod routing;
mod services;
mod silent;
mod streaming;
mod templates;
mod transform;
