//! The adversarial suite: what a hostile client or a failing backend does to the gateway,
//! through the real binary with raw sockets and a backend that records the exact bytes it
//! receives. Each case is a regression test for issue #9 (routing bypass, authority
//! confusion, framing errors, memory and time bounds, stale connections, log floods,
//! shutdown) or for an attack that was already contained (smuggling, HTTP/2 floods).

// The data-plane harness (gateway process, whoami backends, client).
#[path = "../dataplane/support.rs"]
#[allow(dead_code)]
mod support;

mod raw;
mod recorder;

mod authority;
mod compare;
mod framing;
mod h2flood;
mod memory;
mod paths;
mod server_h1;
mod shutdown;
mod smuggling;
mod stale;
mod timeouts;
mod upstream_h1;
