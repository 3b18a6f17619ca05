//! Data-plane tests through the real `waygate` binary: real sockets, real `whoami` backends.

mod support;

mod forwarded;
mod middlewares;
mod reload;
mod routing;
mod services;
mod streaming;
