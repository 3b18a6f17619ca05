//! The gateway: bound entry points, the current table, and the operations the application
//! drives: apply a new configuration (compile, swap, sync health checks) and serve until a
//! graceful shutdown.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use arc_swap::ArcSwap;
use http::HeaderValue;
use tokio::sync::watch;
use tracing::{info, warn};
use waygate_config::Issue;
use waygate_config::dynamic::DynamicConfig;
use waygate_config::static_config::StaticConfig;

use crate::entrypoint::{Bound, ServeSettings, bind, serve};
use crate::service::health::HealthRegistry;
use crate::table::{CompileInput, RuntimeTable, compile};
use crate::tls::TlsShared;
use crate::upstream::Pools;

/// Options that are not part of Traefik's configuration.
#[derive(Debug, Clone, Default)]
pub struct GatewayOptions {
    /// `X-Forwarded-Server`; defaults to the machine's host name.
    pub server_name: Option<String>,
}

/// A running (or ready to run) gateway. Cheap to clone.
#[derive(Clone)]
pub struct Gateway {
    inner: Arc<Inner>,
}

struct Inner {
    static_cfg: Arc<StaticConfig>,
    tables: Arc<ArcSwap<RuntimeTable>>,
    bound: Mutex<Vec<Bound>>,
    /// UDP entry points, bound once like the TCP ones.
    udp_bound: Mutex<Vec<crate::udp::BoundUdp>>,
    addrs: Vec<(String, SocketAddr)>,
    health: HealthRegistry,
    pools: Pools,
    terminating: Arc<std::sync::atomic::AtomicBool>,
    generation: AtomicU64,
    server_name: HeaderValue,
    /// The generated default certificate and ticket keys, kept across reloads.
    tls: TlsShared,
    /// Pending ACME challenges, written by the resolvers.
    acme: Arc<crate::acme::AcmeChallenges>,
    /// Client connections open on every entry point.
    open: Arc<crate::entrypoint::ConnCount>,
    /// What `api@internal` and `dashboard@internal` read.
    api: Arc<crate::service::ApiSource>,
    /// `accessLog`: opened once, kept across reloads.
    access_log: Option<Arc<waygate_accesslog::AccessLog>>,
    /// `metrics.prometheus`: kept across reloads.
    metrics: Option<Arc<crate::metrics::Prometheus>>,
    /// `tracing`: the OTLP exporter, kept across reloads.
    tracer: Option<Arc<waygate_otel::Tracer>>,
    /// `metrics.otlp`: pushes the registry's series (stops when the gateway is dropped).
    _metrics_otlp: Option<waygate_otel::MetricsPusher>,
}

// === impl Gateway ===

impl Gateway {
    /// Binds every TCP and UDP entry point of the static configuration, with the implicit ones
    /// (`StaticConfig::effective_entry_points`). Fails if any cannot be bound.
    pub fn bind(static_cfg: Arc<StaticConfig>, options: GatewayOptions) -> io::Result<Self> {
        let mut bound = Vec::new();
        let mut udp_bound = Vec::new();
        for (name, ep) in &static_cfg.effective_entry_points() {
            if crate::udp::is_udp(ep) {
                let b = crate::udp::bind(name, ep).map_err(|e| {
                    io::Error::new(
                        e.kind(),
                        format!("entry point {name} ({}): {e}", ep.address),
                    )
                })?;
                info!(entry_point = %b.name, address = %b.addr, "entry point listening");
                udp_bound.push(b);
                continue;
            }
            match bind(name, ep) {
                Ok(b) => {
                    // The socket listens from here on (connections queue in its backlog).
                    info!(entry_point = %b.name, address = %b.addr, "entry point listening");
                    bound.push(b);
                }
                Err(e) if e.kind() == io::ErrorKind::Unsupported => {
                    warn!(entry_point = %name, error = %e, "entry point skipped")
                }
                Err(e) => {
                    return Err(io::Error::new(
                        e.kind(),
                        format!("entry point {name} ({}): {e}", ep.address),
                    ));
                }
            }
        }
        let access_log = match &static_cfg.access_log {
            Some(cfg) => Some(waygate_accesslog::AccessLog::start(cfg)?),
            None => None,
        };
        // As Traefik: a tracer that cannot be set up is reported and the gateway serves
        // without traces.
        let tracer = static_cfg
            .tracing
            .as_ref()
            .and_then(|cfg| match waygate_otel::Tracer::start(cfg) {
                Ok(t) => Some(Arc::new(t)),
                Err(e) => {
                    warn!(error = %e, "tracing: cannot set up the exporter: no traces are exported");
                    None
                }
            });
        let addrs = bound
            .iter()
            .map(|b| (b.name.clone(), b.addr))
            .chain(udp_bound.iter().map(|b| (b.name.clone(), b.addr)))
            .collect();
        let name = options.server_name.unwrap_or_else(host_name);
        let server_name =
            HeaderValue::from_str(&name).unwrap_or_else(|_| HeaderValue::from_static("waygate"));
        let tables = Arc::new(ArcSwap::from_pointee(RuntimeTable::default()));
        let open: Arc<crate::entrypoint::ConnCount> = Arc::default();
        let api = crate::service::ApiSource::new(static_cfg.clone(), &tables, open.clone());
        let metrics = crate::metrics::Prometheus::from_static(
            &static_cfg,
            Arc::downgrade(&tables),
            Some(open.clone()),
            access_log.as_ref().map(|l| l.dropped_counter()),
        );
        let metrics_otlp = metrics
            .clone()
            .zip(static_cfg.metrics.as_ref().and_then(|m| m.otlp.as_ref()))
            .and_then(|(registry, cfg)| {
                let collect = move || crate::metrics::otlp::snapshot(&registry);
                waygate_otel::MetricsPusher::start(cfg, collect)
                    .inspect_err(|e| warn!(error = %e, "metrics.otlp: cannot set up the exporter"))
                    .ok()
            });
        Ok(Self {
            inner: Arc::new(Inner {
                static_cfg,
                tables,
                bound: Mutex::new(bound),
                udp_bound: Mutex::new(udp_bound),
                addrs,
                health: HealthRegistry::default(),
                pools: Pools::default(),
                terminating: Arc::default(),
                generation: AtomicU64::new(0),
                server_name,
                tls: TlsShared::new(),
                acme: Arc::default(),
                open,
                api: Arc::new(api),
                access_log,
                metrics,
                tracer,
                _metrics_otlp: metrics_otlp,
            }),
        })
    }

    /// The OTLP tracer (`tracing`), to flush its spans at shutdown.
    pub fn tracer(&self) -> Option<Arc<waygate_otel::Tracer>> {
        self.inner.tracer.clone()
    }

    /// The access log (`accessLog`), to reopen its file (SIGUSR1), read its dropped-line
    /// count, or flush it at shutdown.
    pub fn access_log(&self) -> Option<Arc<waygate_accesslog::AccessLog>> {
        self.inner.access_log.clone()
    }

    /// The address an entry point listens on (useful with port 0).
    pub fn local_addr(&self, entry_point: &str) -> Option<SocketAddr> {
        self.inner
            .addrs
            .iter()
            .find(|(n, _)| n == entry_point)
            .map(|(_, a)| *a)
    }

    /// The store where ACME resolvers publish pending challenges.
    pub fn acme_challenges(&self) -> Arc<crate::acme::AcmeChallenges> {
        self.inner.acme.clone()
    }

    /// Client connections open now on every entry point, and the most that were open at once
    /// since the previous call.
    pub fn connections(&self) -> (usize, usize) {
        let peak = self.inner.open.take_peak();
        (self.inner.open.open(), peak)
    }

    /// The current table.
    pub fn table(&self) -> Arc<RuntimeTable> {
        self.inner.tables.load_full()
    }

    /// Compiles `dynamic` (merged and qualified) and swaps it in; items named by error
    /// `issues` are disabled. Returns the issues found while compiling. Must run inside a
    /// tokio runtime (health checkers are spawned).
    pub fn apply(&self, dynamic: &Arc<DynamicConfig>, issues: &[Issue]) -> Vec<Issue> {
        let (issues, previous) = self.swap(dynamic, issues);
        // Freeing the replaced table (10,000 routers: ~15 ms) need not delay the caller:
        // the new one serves already. Requests still holding it keep it alive anyway.
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => drop(rt.spawn_blocking(move || drop(previous))),
            Err(_) => drop(previous),
        }
        issues
    }

    /// [`Gateway::apply`], handing the replaced table back: the caller frees it when it
    /// suits it (the binary frees it off the apply path, then gives the heap back to the OS).
    pub fn swap(
        &self,
        dynamic: &Arc<DynamicConfig>,
        issues: &[Issue],
    ) -> (Vec<Issue>, Arc<RuntimeTable>) {
        let generation = self.inner.generation.fetch_add(1, Ordering::Relaxed) + 1;
        let previous = self.inner.tables.load_full();
        let compiled = compile(&CompileInput {
            static_cfg: &self.inner.static_cfg,
            dynamic,
            issues,
            health: &self.inner.health,
            pools: &self.inner.pools,
            terminating: &self.inner.terminating,
            generation,
            previous: Some(&previous),
            tls: &self.inner.tls,
            acme: &self.inner.acme,
            api: &self.inner.api,
            access_log: self.inner.access_log.as_ref(),
            metrics: self.inner.metrics.as_ref(),
            tracer: self.inner.tracer.as_ref(),
        });
        if let Some(m) = &self.inner.metrics {
            m.applied(&compiled.checked);
        }
        let mut table = compiled.table;
        table.servers = compiled.servers;
        table.tcp_servers = compiled
            .tcp_checked
            .iter()
            .map(|c| (c.service.clone(), c.address.clone(), c.up.clone()))
            .collect();
        self.inner.tables.store(Arc::new(table));
        self.inner.health.sync(compiled.checked);
        self.inner.health.tcp.sync(compiled.tcp_checked);
        (compiled.issues, previous)
    }

    /// Serves every entry point until `shutdown` resolves, then stops accepting (after each
    /// entry point's `requestAcceptGraceTimeout`) and lets in-flight requests finish for up
    /// to the longest `graceTimeOut`.
    pub async fn run(&self, shutdown: impl std::future::Future<Output = ()>) {
        let bound: Vec<Bound> = std::mem::take(
            &mut *self
                .inner
                .bound
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        // Every connection (and upgraded tunnel) holds a clone of `drain_rx`; shutdown sets
        // it and waits until all clones are gone.
        let (drain_tx, drain_rx) = watch::channel(false);
        let (stop_tx, stop_rx) = watch::channel(false);
        let write_stall = self
            .inner
            .static_cfg
            .waygate
            .clone()
            .unwrap_or_default()
            .write_stall_timeout
            .to_std()
            .filter(|d| !d.is_zero());
        let mut accept_grace = Duration::ZERO;
        let mut grace = Duration::ZERO;
        let mut loops = Vec::new();
        for b in bound {
            let lc = &b.config.transport.life_cycle;
            accept_grace =
                accept_grace.max(lc.request_accept_grace_timeout.to_std().unwrap_or_default());
            grace = grace.max(lc.grace_time_out.to_std().unwrap_or_default());
            let index = crate::table::entry_point_names(&self.inner.static_cfg)
                .iter()
                .position(|n| *n == b.name)
                .unwrap_or(usize::MAX);
            let settings = ServeSettings::new(
                &b,
                self.inner.server_name.clone(),
                index,
                self.inner.acme.clone(),
                write_stall,
                self.inner.open.clone(),
            );
            loops.push(tokio::spawn(serve(
                b,
                settings,
                self.inner.tables.clone(),
                stop_rx.clone(),
                drain_rx.clone(),
            )));
        }
        let udp_bound = std::mem::take(
            &mut *self
                .inner
                .udp_bound
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        for b in udp_bound {
            grace = grace.max(b.grace);
            let index = crate::table::entry_point_names(&self.inner.static_cfg)
                .iter()
                .position(|n| *n == b.name)
                .unwrap_or(usize::MAX);
            loops.push(tokio::spawn(crate::udp::serve(
                b,
                index,
                self.inner.tables.clone(),
                stop_rx.clone(),
                drain_rx.clone(),
            )));
        }
        drop(drain_rx);
        shutdown.await;
        // From now on `ping` answers its terminating status, so load balancers in front of
        // the gateway drain it during requestAcceptGraceTimeout.
        self.inner.terminating.store(true, Ordering::Relaxed);
        if !accept_grace.is_zero() {
            info!(
                ?accept_grace,
                "shutting down: still accepting for requestAcceptGraceTimeout"
            );
            tokio::time::sleep(accept_grace).await;
        }
        let _ = stop_tx.send(true);
        for l in loops {
            let _ = l.await;
        }
        info!(?grace, "waiting for in-flight requests");
        let _ = drain_tx.send(true);
        if tokio::time::timeout(grace, drain_tx.closed())
            .await
            .is_err()
        {
            warn!("graceTimeOut elapsed with requests still in flight; closing them");
        }
    }
}

/// This machine's host name (for `X-Forwarded-Server`).
fn host_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .map(|h| h.trim().to_string())
        })
        .unwrap_or_else(|| "waygate".to_string())
}
