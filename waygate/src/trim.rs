//! Gives the heap back to the OS after a wave of connections has gone. glibc's malloc keeps
//! freed memory in its arenas and returns only the top of a heap, so after 100 slow clients
//! RSS stayed ~30 % above the baseline; `malloc_trim` releases the free pages inside the
//! arenas too. It runs from its own thread, only when the number of open connections has
//! fallen to half of its recent peak (and by at least [`MIN_DROP`]), so a steady load never
//! pays for it.
//!
//! It also drops the binary's pages from the process ([`release_binary_pages`]) once
//! [`STARTUP`] after the start and after every applied configuration: decoding the
//! configuration, building TLS and compiling a table run code that serving never runs, and
//! every page fault on the binary maps 16 pages around it (the kernel's fault-around), so
//! ~9 MiB of a 19 MiB binary stayed resident at idle, and a reload of 10,000 routers brought
//! ~7 MiB of it back. Only the file's own pages are dropped and they stay in the page cache,
//! so the request path's come back with minor faults on the next requests.
//!
//! The heap has as many malloc arenas as workers ([`limit_arenas`]): glibc gives each new
//! thread its own arena up to 8 per core, and the threads a reload runs on (file provider,
//! aggregator, the blocking pool's compile and free) each left a fragmented arena behind.
// The one call into libc: the binary's only unsafe code, besides the proxy's capped reads.
#![allow(unsafe_code)]

use std::time::Duration;

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod pages;

/// How often the connection count is looked at.
const PERIOD: Duration = Duration::from_secs(2);
/// The smallest drop in open connections that is worth a trim.
const MIN_DROP: usize = 16;
/// When the binary's start-up pages are released (in [`PERIOD`] steps).
const STARTUP: u32 = 3;

#[cfg(all(target_os = "linux", target_env = "gnu"))]
unsafe extern "C" {
    /// glibc: releases free memory at the top of the heap and free pages inside every arena.
    fn malloc_trim(pad: usize) -> std::ffi::c_int;
    /// glibc: sets a malloc parameter (here M_ARENA_MAX).
    fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
    /// Advice about a range of the address space (here MADV_DONTNEED).
    fn madvise(addr: *mut std::ffi::c_void, len: usize, advice: std::ffi::c_int)
    -> std::ffi::c_int;
    /// The size of a memory page.
    fn getpagesize() -> std::ffi::c_int;
}

/// `MADV_DONTNEED`: unmap the range's pages from this process. A file page of a private
/// mapping is mapped again from the page cache on the next touch (`MADV_PAGEOUT`, used
/// before, also evicted it from the page cache, so the next touch read the disk).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MADV_DONTNEED: std::ffi::c_int = 4;

/// glibc's `M_ARENA_MAX`.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const M_ARENA_MAX: std::ffi::c_int = -8;

/// Caps the malloc arenas at one per worker (at least two), unless `MALLOC_ARENA_MAX` says
/// otherwise. Called before the runtime's threads start (arenas are given to threads on their
/// first allocation). With 10,000 routers, after five one-router
/// reloads under load: 57.2 → 51.2 MiB anonymous memory (the heap in use, 48 MiB, did not
/// change: the rest was arenas' partly used pages).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub(crate) fn limit_arenas(workers: usize) {
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return;
    }
    let arenas = std::ffi::c_int::try_from(workers.max(2)).unwrap_or(std::ffi::c_int::MAX);
    // SAFETY: mallopt takes two plain integers, has no preconditions and is thread-safe (it
    // locks the main arena); its return value only says whether the parameter was taken.
    let taken = unsafe { mallopt(M_ARENA_MAX, arenas) };
    tracing::debug!(arenas, taken, "malloc arenas capped");
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub(crate) fn limit_arenas(_workers: usize) {}

/// Starts the trimming thread; `connections` reads the open client connections and the
/// most open at once since its previous call.
pub(crate) fn spawn(connections: impl Fn() -> (usize, usize) + Send + 'static) {
    let started = std::thread::Builder::new()
        .name("heap-trim".into())
        .spawn(move || {
            let mut peak = 0usize;
            let mut ticks = 0u32;
            loop {
                std::thread::sleep(PERIOD);
                ticks = ticks.saturating_add(1);
                if ticks == STARTUP {
                    release_binary_pages();
                }
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

/// After a configuration is applied and the replaced table freed: trims the heap (the
/// previous table, the merged configuration and the compile's temporaries were freed in
/// whichever arena each thread used; without a trim RSS grew by ~60 MiB per reload with
/// 10,000 routers) and drops the binary's pages the reload brought back. Those are dropped
/// with the request path's: `MADV_PAGEOUT`, tried first, evicted them from the page cache too
/// and the slowest request during the scale bench's reloads went from 22-30 ms to 35-60 ms;
/// `MADV_DONTNEED` leaves them in the page cache, and a request maps them again cheaply.
pub(crate) fn after_reload() {
    trim();
    release_binary_pages();
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

/// Drops the binary's file pages from the process (code and constants; never the pages a
/// relocation wrote, nor the writable data). They stay in the page cache: the next touch
/// maps them again with a minor fault, no read.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn release_binary_pages() {
    // SAFETY: getpagesize has no preconditions.
    let page = usize::try_from(unsafe { getpagesize() }).unwrap_or(4096);
    let Some(runs) = pages::resident_file_runs(page) else {
        return;
    };
    let mut released = 0usize;
    for (start, end) in runs {
        // SAFETY: the range is made of pages of this process's own read-only private
        // mappings of its executable that pagemap showed mapped to the file's own pages
        // (not private copies): MADV_DONTNEED unmaps them, and the next touch maps the same
        // file content again. Nothing can write them in between (the mappings are not
        // writable), so no content is lost.
        if unsafe { madvise(start as *mut std::ffi::c_void, end - start, MADV_DONTNEED) } == 0 {
            released += end - start;
        }
    }
    tracing::debug!(bytes = released, "the binary's pages released");
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release_binary_pages() {}
