//! Worker thread count: `WAYGATE_WORKERS`, else the static `waygate.workers`, else the
//! available cores.

/// The number of runtime worker threads to start.
pub(crate) fn count(configured: u32) -> usize {
    let from_env = std::env::var("WAYGATE_WORKERS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok());
    from_env
        .filter(|n| *n > 0)
        .or_else(|| usize::try_from(configured).ok().filter(|n| *n > 0))
        .unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        })
}
