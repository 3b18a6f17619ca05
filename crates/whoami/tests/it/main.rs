//! Integration tests for the whoami backend over real sockets: one test binary, `it`, whose
//! modules sit beside this file in `tests/it/`.

#![allow(clippy::unwrap_used)]

mod echo;
mod lifecycle;
mod streams;
mod support;
mod ws;
