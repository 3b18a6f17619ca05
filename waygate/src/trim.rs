//! Gives the heap back to the OS after a wave of connections has gone. glibc's malloc keeps
//! freed memory in its arenas and returns only the top of a heap, so after 100 slow clients
//! RSS stayed ~30 % above the baseline; `malloc_trim` releases the free pages inside the
//! arenas too. It runs from its own thread, only when the number of open connections has
//! fallen to half of its recent peak (and by at least [`MIN_DROP`]), so a steady load never
//! pays for it.
// The one call into libc: the binary's only unsafe code, besides the proxy's capped reads.
#![allow(unsafe_code)]

use std::time::Duration;

/// How often the connection count is looked at.
const PERIOD: Duration = Duration::from_secs(2);
/// The smallest drop in open connections that is worth a trim.
const MIN_DROP: usize = 16;

#[cfg(all(target_os = "linux", target_env = "gnu"))]
unsafe extern "C" {
    /// glibc: releases free memory at the top of the heap and free pages inside every arena.
    fn malloc_trim(pad: usize) -> std::ffi::c_int;
}

/// Starts the trimming thread; `connections` reads the open client connections and the
/// most open at once since its previous call.
pub(crate) fn spawn(connections: impl Fn() -> (usize, usize) + Send + 'static) {
    let started = std::thread::Builder::new()
        .name("heap-trim".into())
        .spawn(move || {
            let mut peak = 0usize;
            loop {
                std::thread::sleep(PERIOD);
                let (now, recent) = connections();
                peak = peak.max(recent);
                if peak - now >= MIN_DROP && now <= peak / 2 {
                    trim();
                    peak = now;
                }
            }
        });
    if let Err(e) = started {
        tracing::warn!(error = %e, "cannot start the heap trimming thread");
    }
}

/// Trims once, now: after a configuration is applied, the previous table, the merged
/// configuration and the compile's temporaries are freed in whichever arena the blocking
/// thread used; without a trim RSS grew by ~60 MiB per reload with 10,000 routers.
pub(crate) fn now() {
    trim();
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    // SAFETY: malloc_trim takes a plain size, has no preconditions and is thread-safe (it
    // locks each arena while it works); its return value only says whether memory was
    // released.
    let released = unsafe { malloc_trim(0) };
    tracing::debug!(released, "heap trimmed after connections closed");
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}
