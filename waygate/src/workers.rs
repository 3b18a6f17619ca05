//! Worker thread count: `WAYGATE_WORKERS`, else the available cores.

/// The number of runtime worker threads to start.
pub(crate) fn count() -> usize {
    std::env::var("WAYGATE_WORKERS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        })
}
