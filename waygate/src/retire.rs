//! Retiring a replaced runtime table: it is freed once the requests that were in flight at
//! the swap have finished, off the workers, and the heap is trimmed after it.
//!
//! Each request holds the table it started with. The last one to finish used to free the old
//! table itself, on the worker serving it (10,000 routers: ~15 ms during which that worker's
//! connections wait), and no trim followed, so the pages the table had used stayed with the
//! process until the next reload.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use waygate_proxy::RuntimeTable;

/// How often the table's holders are counted.
const POLL: Duration = Duration::from_millis(10);

/// How long the requests holding the table are waited for (a stalled one must not keep it
/// for ever): past that, it is freed by the last of them, as before.
const PATIENCE: Duration = Duration::from_secs(60);

/// Waits until `previous` has no holder but this one (or [`PATIENCE`] is over), then frees
/// it on the blocking pool and trims the heap.
pub(crate) async fn retire(previous: Arc<RuntimeTable>) {
    let until = Instant::now() + PATIENCE;
    // The table was swapped out before this is called: a request can no longer take it, so
    // the count only falls.
    while Arc::strong_count(&previous) > 1 && Instant::now() < until {
        tokio::time::sleep(POLL).await;
    }
    let freed = tokio::task::spawn_blocking(move || {
        drop(previous);
        crate::trim::after_reload();
    });
    drop(freed);
}
