//! Gives the heap back to the OS after a wave of connections has gone. glibc's malloc keeps
//! freed memory in its arenas and returns only the top of a heap, so after 100 slow clients
//! RSS stayed ~30 % above the baseline; `malloc_trim` releases the free pages inside the
//! arenas too. It runs from its own thread, only when the number of open connections has
//! fallen to half of its recent peak (and by at least [`MIN_DROP`]), so a steady load never
//! pays for it.
//!
//! Once, [`STARTUP`] after the start, it also releases the binary's pages that only the
//! start touched ([`release_binary_pages`]): decoding the configuration, building TLS and
//! the first table run code that idle serving never runs again, and every page fault on the
//! binary maps 16 pages around it (the kernel's fault-around), so ~9 MiB of a 19 MiB binary
//! stayed resident at idle. Pages the traffic needs come back on first use, from the page
//! cache. A reload runs that code again (reading, merging and compiling 10,000 routers
//! brings ~9 MiB of it back); those pages stay, since releasing them would release the
//! request path's too.
//!
//! The heap has as many malloc arenas as workers ([`limit_arenas`]): glibc gives each new
//! thread its own arena up to 8 per core, and the threads a reload runs on (file provider,
//! aggregator, the blocking pool's compile and free) each left a fragmented arena behind.
// The one call into libc: the binary's only unsafe code, besides the proxy's capped reads.
#![allow(unsafe_code)]

use std::time::Duration;

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
    /// Advice about a range of the address space (here MADV_PAGEOUT).
    fn madvise(addr: *mut std::ffi::c_void, len: usize, advice: std::ffi::c_int)
    -> std::ffi::c_int;
}

/// `MADV_PAGEOUT` (Linux 5.4+): reclaim the range's pages now (clean file pages are simply
/// dropped from this process; they are read again from the page cache on the next touch).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MADV_PAGEOUT: std::ffi::c_int = 21;

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
/// 10,000 routers). The binary's pages are not paged out again here: that would also evict
/// the request path's code after every reload, and requests would fault it back in (tried:
/// the slowest request during the scale bench's reloads went from 22-30 ms to 35-60 ms).
pub(crate) fn after_reload() {
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

/// Pages out the read-only mappings of the binary itself (code and constants; never the
/// writable data, which may hold state).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn release_binary_pages() {
    let (Ok(exe), Ok(maps)) = (
        std::fs::read_link("/proc/self/exe"),
        std::fs::read_to_string("/proc/self/maps"),
    ) else {
        return;
    };
    let Some(exe) = exe.to_str() else { return };
    let mut released = 0usize;
    for (start, end) in binary_ranges(&maps, exe) {
        // SAFETY: the range is one of this process's own read-only file mappings, taken
        // from /proc/self/maps: MADV_PAGEOUT only drops its resident pages (they fault back
        // in unchanged from the file), it never changes what the memory reads.
        if unsafe { madvise(start as *mut std::ffi::c_void, end - start, MADV_PAGEOUT) } == 0 {
            released += end - start;
        }
    }
    tracing::debug!(bytes = released, "start-up pages of the binary released");
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release_binary_pages() {}

/// The `[start, end)` address ranges of `exe`'s read-only (`r--`/`r-x`) private mappings in
/// a `/proc/self/maps` text.
fn binary_ranges<'a>(maps: &'a str, exe: &'a str) -> impl Iterator<Item = (usize, usize)> + 'a {
    maps.lines().filter_map(move |line| {
        let mut f = line.split_ascii_whitespace();
        let (range, perms) = (f.next()?, f.next()?);
        let path = f.nth(3)?;
        if path != exe || perms.as_bytes().get(1) != Some(&b'-') {
            return None;
        }
        let (a, b) = range.split_once('-')?;
        Some((
            usize::from_str_radix(a, 16).ok()?,
            usize::from_str_radix(b, 16).ok()?,
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::binary_ranges;

    #[test]
    fn only_the_binarys_read_only_mappings() {
        let maps = "\
5555d59b3000-5555d5d40000 r--p 00000000 fe:00 10010702                   /usr/bin/waygate
5555d5d41000-5555d6b56000 r-xp 0038d000 fe:00 10010702                   /usr/bin/waygate
5555d6bbf000-5555d6c26000 rw-p 011a1000 fe:00 10010702                   /usr/bin/waygate
5555f0a08000-5555f0a4a000 rw-p 00000000 00:00 0                          [heap]
7f5864c7a000-7f5864dd0000 r-xp 00026000 fe:00 326279                     /usr/lib/x86_64-linux-gnu/libc.so.6
";
        let got: Vec<_> = binary_ranges(maps, "/usr/bin/waygate").collect();
        assert_eq!(
            got,
            vec![
                (0x5555d59b3000, 0x5555d5d40000),
                (0x5555d5d41000, 0x5555d6b56000)
            ]
        );
    }
}
