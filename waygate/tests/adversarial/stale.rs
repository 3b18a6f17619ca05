//! A backend that closes every connection right after its response (without saying
//! `Connection: close`): pooled connections go stale under the gateway's feet. Requests that
//! fail that way before any response byte are retried on a fresh connection.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::recorder::{Mode, Recorder};
use crate::support::{Gw, LOCAL_EP, client, get};

#[tokio::test(flavor = "multi_thread")]
async fn no_failed_get_when_the_backend_closes_after_every_response() {
    let rec = Recorder::start(Mode::CloseAfterResponse).await;
    let dynamic = format!(
        "http:\n  routers:\n    r:\n      rule: PathPrefix(`/`)\n      service: s\n  services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{}\"}}]\n",
        rec.url()
    );
    let gw = Gw::start(LOCAL_EP, &dynamic);
    let url = format!("{}/stale", gw.url("web"));
    let failed = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    // 1,000 GETs: 4 clients in parallel, each on its own keep-alive connection.
    for _ in 0..4 {
        let (url, failed) = (url.clone(), failed.clone());
        tasks.push(tokio::spawn(async move {
            let c = client();
            for _ in 0..250 {
                let r = get(&c, &url, "t.test").await;
                if r.status != 200 {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for t in tasks {
        t.await.expect("client");
    }
    assert_eq!(failed.load(Ordering::Relaxed), 0, "failed GETs out of 1000");
    assert_eq!(rec.served(), 1000);
}
