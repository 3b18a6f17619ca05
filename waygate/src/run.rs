//! `waygate [--configFile=F]`: serve. Wires the static configuration, the providers, the
//! aggregator and the gateway, and handles signals (SIGHUP re-reads files, SIGUSR1 reopens
//! the log files, SIGTERM/SIGINT shut down gracefully).

use std::process::ExitCode;
use std::sync::Arc;

use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::{Notify, mpsc};
use tracing::{error, info, warn};
use waygate_config::Issue;
use waygate_config::static_config::StaticConfig;
use waygate_provider::{Aggregator, FileProvider, Snapshot, internal};
use waygate_proxy::{Gateway, GatewayOptions};

use crate::args::Args;

pub(crate) fn run(args: &Args) -> ExitCode {
    let st = match crate::static_load::load(args) {
        Ok(st) => st,
        Err(e) => {
            eprintln!("waygate: {e}");
            return ExitCode::from(1);
        }
    };
    crate::logging::init(st.config.log.as_ref());
    let mut fatal = false;
    for issue in &st.issues {
        if issue.is_error() {
            error!("{issue}");
            fatal = true;
        } else {
            warn!("{issue}");
        }
    }
    if fatal {
        eprintln!(
            "waygate: the static configuration has errors (see above); run `waygate check` for details"
        );
        return ExitCode::from(1);
    }
    let workers = crate::workers::count(st.config.waygate.as_ref().map_or(0, |w| w.workers));
    crate::trim::limit_arenas(workers);
    let mut builder = if workers == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(workers);
        b
    };
    let runtime = match builder.enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("waygate: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    info!(workers, "starting");
    let code = runtime.block_on(serve(Arc::new(st.config), Vec::new(), |_| {}));
    // In-flight requests and tunnels were drained before `serve` returned; what is left
    // (a blocking DNS lookup, a provider's retry sleep) must not hold the exit.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    code
}

/// Binds the entry points, starts the providers (the file provider if configured, plus
/// `snapshots` given by the caller), applies every merged configuration, and serves until
/// SIGTERM/SIGINT. `ready` runs once the entry points are bound.
pub(crate) async fn serve(
    st: Arc<StaticConfig>,
    snapshots: Vec<Snapshot>,
    ready: impl FnOnce(&Gateway),
) -> ExitCode {
    // Handlers first: until a signal has one, its default action applies, and a SIGTERM or
    // SIGHUP arriving while the gateway starts would kill it on the spot.
    let signals = Signals::install();
    let gateway = match Gateway::bind(st.clone(), GatewayOptions::default()) {
        Ok(g) => g,
        Err(e) => {
            error!("cannot bind: {e}");
            eprintln!("waygate: {e}");
            return ExitCode::from(1);
        }
    };
    let throttle = st
        .providers
        .clone()
        .unwrap_or_default()
        .providers_throttle_duration;
    let (aggregator, mut merged) =
        Aggregator::new(st.clone(), throttle.to_std().unwrap_or_default());
    let (tx, rx) = mpsc::channel(16);
    // Merging and validating 10,000 routers takes hundreds of milliseconds: on a runtime
    // worker it would stall the connections scheduled there, so the aggregator has its own
    // thread (and a current-thread runtime for its channels and throttle timers).
    spawn_aggregator(aggregator, rx);
    let _ = tx.send(internal(&with_bound_ports(&st, &gateway))).await;
    for s in snapshots {
        let _ = tx.send(s).await;
    }
    waygate_acme::spawn_all(&st, &gateway.acme_challenges(), &tx, &merged);
    let reload = Arc::new(Notify::new());
    if let Some(fp) = st.providers.as_ref().and_then(|p| p.file.as_ref()) {
        tokio::spawn(FileProvider::new(fp).run(tx.clone(), reload.clone()));
    }
    if let Some(docker) = st.providers.as_ref().and_then(|p| p.docker.as_ref()) {
        tokio::spawn(waygate_provider_docker::DockerProvider::new(docker).run(tx.clone()));
    }
    let applier = {
        let gateway = gateway.clone();
        tokio::spawn(async move {
            let mut seen: Vec<Issue> = Vec::new();
            while merged.changed().await.is_ok() {
                let m = merged.borrow_and_update().clone();
                // Compiling is CPU work proportional to the configuration: it runs on the
                // blocking pool, so a swap never pauses the traffic on the workers.
                let (compile_issues, previous) = {
                    let (gateway, m) = (gateway.clone(), m.clone());
                    let apply = move || gateway.swap(&m.config, &m.issues);
                    match tokio::task::spawn_blocking(apply).await {
                        Ok(done) => done,
                        Err(e) => {
                            error!("applying the configuration failed: {e}");
                            continue;
                        }
                    }
                };
                let now: Vec<Issue> = m.issues.iter().chain(&compile_issues).cloned().collect();
                log_new_issues(&now, &seen);
                seen = now;
                let table = gateway.table();
                let enabled = table
                    .status
                    .kind("router")
                    .filter(|(_, s)| s.enabled)
                    .count();
                info!(
                    generation = m.generation,
                    routers = enabled,
                    items = %table.status.summary(),
                    "configuration applied"
                );
                // The replaced table, and the merged configuration only it still holds, are
                // freed off the apply path once no request holds them; the heap is trimmed
                // once they are gone.
                drop((table, m));
                tokio::spawn(crate::retire::retire(previous));
            }
        })
    };
    if let Some(mut hup) = signals.hup {
        tokio::spawn(async move {
            while hup.recv().await.is_some() {
                info!("SIGHUP: re-reading the configuration files");
                reload.notify_one();
            }
        });
    }
    if let Some(usr1) = signals.usr1 {
        tokio::spawn(reopen_logs(usr1, gateway.access_log()));
    }
    {
        let gateway = gateway.clone();
        crate::trim::spawn(move || gateway.connections());
    }
    ready(&gateway);
    gateway
        .run(shutdown_signal(signals.term, signals.int))
        .await;
    applier.abort();
    if let Some(log) = gateway.access_log() {
        // The lines of the last requests, before the process exits.
        let _ = tokio::task::spawn_blocking(move || {
            log.flush(std::time::Duration::from_secs(2));
        })
        .await;
    }
    if let Some(tracer) = gateway.tracer() {
        // The spans of the last requests, bounded like Traefik's tracer shutdown (5 s).
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), tracer.flush()).await;
    }
    info!("stopped");
    ExitCode::SUCCESS
}

/// Runs the aggregator on its own thread until every sender of `rx` is gone.
fn spawn_aggregator(aggregator: Aggregator, rx: mpsc::Receiver<Snapshot>) {
    let started = std::thread::Builder::new()
        .name("aggregator".into())
        .spawn(move || {
            match tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
            {
                Ok(rt) => rt.block_on(aggregator.run(rx)),
                Err(e) => error!("cannot start the aggregator's runtime: {e}"),
            }
        });
    if let Err(e) = started {
        error!("cannot start the aggregator thread: {e}");
    }
}

/// The static configuration with each `:0` entry point address replaced by the port actually
/// bound, so generated redirections point at a real port.
fn with_bound_ports(st: &StaticConfig, gateway: &Gateway) -> StaticConfig {
    let mut st = st.clone();
    for (name, ep) in &mut st.entry_points {
        if ep.address.ends_with(":0")
            && let Some(addr) = gateway.local_addr(name)
        {
            ep.address = addr.to_string();
        }
    }
    st
}

/// Logs the issues of this configuration that the previous one did not already have.
fn log_new_issues(now: &[Issue], before: &[Issue]) {
    for i in now.iter().filter(|i| !before.contains(i)) {
        if i.is_error() {
            error!("{i}");
        } else {
            warn!("{i}");
        }
    }
}

/// SIGUSR1, as Traefik: "Closing and re-opening log files for rotation" — the access log
/// (after the lines queued before the signal are written to the old file) and `log.filePath`.
async fn reopen_logs(mut usr1: Signal, access_log: Option<Arc<waygate_accesslog::AccessLog>>) {
    while usr1.recv().await.is_some() {
        info!("SIGUSR1: closing and re-opening log files for rotation");
        if let Err(e) = crate::logging::reopen() {
            error!("cannot reopen log.filePath: {e}");
        }
        if let Some(log) = access_log.clone()
            && let Ok(Err(e)) = tokio::task::spawn_blocking(move || log.rotate()).await
        {
            error!("error rotating access log: {e}");
        }
    }
}

/// The signals the gateway handles, registered as soon as serving starts.
struct Signals {
    term: Option<Signal>,
    int: Option<Signal>,
    hup: Option<Signal>,
    /// SIGUSR1: reopen the log files (logrotate).
    usr1: Option<Signal>,
}

impl Signals {
    fn install() -> Self {
        Self {
            term: signal(SignalKind::terminate()).ok(),
            int: signal(SignalKind::interrupt()).ok(),
            hup: signal(SignalKind::hangup()).ok(),
            usr1: signal(SignalKind::user_defined1()).ok(),
        }
    }
}

async fn shutdown_signal(term: Option<Signal>, int: Option<Signal>) {
    let (Some(mut term), Some(mut int)) = (term, int) else {
        std::future::pending::<()>().await;
        return;
    };
    tokio::select! {
        _ = term.recv() => info!("SIGTERM: shutting down"),
        _ = int.recv() => info!("SIGINT: shutting down"),
    }
}
