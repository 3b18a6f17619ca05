//! Compiling a runtime table from the static configuration and a merged (qualified) dynamic
//! configuration. Items with configuration errors are disabled alone, with their reason
//! recorded; everything else serves.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use waygate_config::dynamic::{DynamicConfig, HttpConfig};
use waygate_config::sorted::seek;
use waygate_config::static_config::StaticConfig;
use waygate_config::{Issue, IssueKind};
use waygate_rules::{Rule, Syntax};

use super::middlewares::MiddlewareBuilder;
use super::reuse::{KeptRouter, Reuse};
use super::routes::{FnvBuild, Routes};
use super::services::ServiceBuilder;
use super::{CompiledRouter, EntryPointTable, RuntimeTable};
use crate::forwarded::ForwardedPolicy;
use crate::service::health::{Checked, HealthRegistry};
use crate::tls::{SniOptionsBuilder, TlsCompiler, TlsShared};
use crate::upstream::{Pools, TlsSettings, TransportSettings};

/// What compilation reads.
pub struct CompileInput<'a> {
    pub static_cfg: &'a StaticConfig,
    /// Shared, not copied, by the table (what the API shows).
    pub dynamic: &'a Arc<DynamicConfig>,
    /// Issues found upstream (decoding, validation): items with errors are disabled.
    pub issues: &'a [Issue],
    pub health: &'a HealthRegistry,
    pub pools: &'a Pools,
    /// Set when shutdown begins (what `ping@internal` reports).
    pub terminating: &'a Arc<std::sync::atomic::AtomicBool>,
    pub generation: u64,
    /// The table being replaced: what did not change is taken over from it (`reuse.rs`).
    pub previous: Option<&'a RuntimeTable>,
    /// TLS state that outlives tables (generated default certificate, ticket keys).
    pub tls: &'a TlsShared,
    /// Pending ACME challenges (for `acme-http@internal`).
    pub acme: &'a Arc<crate::acme::AcmeChallenges>,
    /// What `api@internal` and `dashboard@internal` read.
    pub api: &'a Arc<crate::service::ApiSource>,
    /// The access log, when `accessLog` is set.
    pub access_log: Option<&'a Arc<waygate_accesslog::AccessLog>>,
    /// The Prometheus registry, when `metrics.prometheus` is set.
    pub metrics: Option<&'a Arc<crate::metrics::Prometheus>>,
    /// The OTLP tracer, when `tracing` is set.
    pub tracer: Option<&'a Arc<waygate_otel::Tracer>>,
}

/// The compiled table, the servers whose health must be tracked, and compile-time issues.
pub struct Compiled {
    pub table: RuntimeTable,
    /// The servers with an active or a passive health check (the others are always up).
    pub checked: Vec<Checked>,
    /// Every load-balancer server with its health flag (what the API's `serverStatus` shows).
    pub(crate) servers: Vec<super::Server>,
    /// TCP servers with a health check.
    pub(crate) tcp_checked: Vec<crate::tcp::TcpChecked>,
    pub issues: Vec<Issue>,
}

/// How a TLS router is served on one entry point.
struct TlsRoute {
    /// The (resolved) TLS option name and its configuration.
    option: String,
    config: Arc<rustls::ServerConfig>,
    /// The rule's `Host()` values: the SNIs that select this option.
    hosts: Vec<String>,
}

/// Why a router named by an upstream error issue is not compiled.
const UPSTREAM_ERROR: &str = "disabled by a configuration error (see the issues above)";

type EpRouters = Vec<(Arc<CompiledRouter>, Option<TlsRoute>)>;
/// A router compiled for one entry point (named as the router names it), with how it serves
/// TLS there.
type RouterOnEp<'a> = (&'a str, Arc<CompiledRouter>, Option<TlsRoute>);

pub fn compile(input: &CompileInput<'_>) -> Compiled {
    let st = input.static_cfg;
    let eps = st.effective_entry_points();
    let mut issues = Vec::new();
    let disabled: HashSet<(String, String)> = input
        .issues
        .iter()
        .filter(|i| i.is_error())
        .filter_map(|i| {
            i.item
                .as_ref()
                .map(|it| (it.kind.to_string(), it.name.clone()))
        })
        .collect();
    let defaults = st.servers_transport.clone().unwrap_or_default();
    let no_http = HttpConfig::default();
    let http = input.dynamic.http.as_ref().unwrap_or(&no_http);
    let transport = |name: &str| -> Result<TransportSettings, String> {
        if name.is_empty() || name == "default@internal" {
            let tls = TlsSettings::from_static(&defaults)
                .map_err(|e| format!("serversTransport `default@internal`: {e}"))?;
            return Ok(TransportSettings::new(
                &defaults.forwarding_timeouts,
                defaults.max_idle_conns_per_host,
                tls,
            ));
        }
        let t = http
            .servers_transports
            .get(name)
            .ok_or_else(|| format!("serversTransport `{name}` does not exist"))?;
        let tls =
            TlsSettings::from_dynamic(t).map_err(|e| format!("serversTransport `{name}`: {e}"))?;
        let timeouts = t.forwarding_timeouts.clone().unwrap_or_default();
        let max_idle = if t.max_idle_conns_per_host == 0 {
            2
        } else {
            t.max_idle_conns_per_host
        };
        Ok(TransportSettings::new(&timeouts, max_idle, tls))
    };
    let reuse = Reuse::new(input.previous);
    let mut services = ServiceBuilder {
        dynamic: input.dynamic,
        configs: http.services.iter().map(|(n, s)| (n.as_str(), s)).collect(),
        reuse: &reuse,
        disabled: &disabled,
        health: input.health,
        transport: &transport,
        pools: input.pools,
        ping: Arc::new(crate::service::PingState {
            terminating: input.terminating.clone(),
            terminating_status: st
                .ping
                .as_ref()
                .and_then(|p| http::StatusCode::from_u16(p.terminating_status_code).ok())
                .unwrap_or(http::StatusCode::SERVICE_UNAVAILABLE),
        }),
        acme: input.acme.clone(),
        api: input.api.clone(),
        metrics: input.metrics.cloned(),
        built: super::reuse::ServiceMap::with_capacity_and_hasher(
            http.services.len(),
            Default::default(),
        ),
        hint: None,
        building: Vec::new(),
        checked: Vec::new(),
        servers: Vec::new(),
    };
    let mut middlewares = MiddlewareBuilder {
        dynamic: input.dynamic,
        disabled: &disabled,
        built: HashMap::new(),
    };
    let default_syntax: Syntax = st
        .core
        .as_ref()
        .and_then(|c| c.default_rule_syntax.parse().ok())
        .unwrap_or_default();

    let tls = TlsCompiler::new(input.dynamic.tls.as_ref(), input.tls, &mut issues);

    let mut table = RuntimeTable {
        generation: input.generation,
        status: waygate_config::status::RuntimeStatus::seeded(input.dynamic),
        config: input.dynamic.clone(),
        certificates: tls.as_ref().map(TlsCompiler::summaries).unwrap_or_default(),
        ..RuntimeTable::default()
    };
    // `using` and `usedBy` are left empty: the serving table never reads them, and
    // `dry_run` and the API fill them when asked (`RuntimeStatus::record_usage`).
    for ep in eps.keys() {
        table.status.item("entryPoint", ep);
    }
    // Static options not implemented (entry points, sections, providers): shown with the
    // items they concern; logged once at startup, not on every compile.
    for gap in waygate_config::support::static_gaps(st) {
        if let Some(item) = &gap.item {
            table.status.item(item.kind, &item.name).warn(gap.short());
        }
    }
    // Prometheus handles are taken in a generation; what it does not take is retired.
    let metrics = input
        .metrics
        .filter(|m| m.records_requests())
        .map(|m| (m, m.begin()));
    let mut per_ep: HashMap<&str, EpRouters, FnvBuild> = HashMap::default();
    // Routers named in another router's `parentRefs` (by local name), gathered once: asking
    // `is_parent_router` per router scanned every router each time (O(N²)).
    fn local(n: &str) -> &str {
        n.split('@').next().unwrap_or(n)
    }
    let parents: HashSet<&str, FnvBuild> = http
        .routers
        .values()
        .flat_map(|o| o.parent_refs.iter().map(|p| local(p)))
        .collect();
    let mut router_issues = Vec::new();
    // The routers' statuses are walked beside the routers (the map was seeded from them, in
    // the same order): searching it per router compared ~14 names each time.
    let mut router_status = table.status.items.remove("router");
    let mut statuses = router_status.iter_mut().flatten().peekable();
    let mut unseeded = Vec::new();
    // The previous routers, walked beside these (both in name order), and what this table
    // keeps for the next compile.
    let ep_names = super::entry_point_names(st);
    let ep_index = |ep: &str| {
        let i = ep_names.iter().position(|n| n == ep).unwrap_or(usize::MAX);
        u32::try_from(i).unwrap_or(u32::MAX)
    };
    let mut previous = reuse.routers();
    let mut kept = Vec::with_capacity(http.routers.len());
    for (name, r) in &http.routers {
        let before = previous.seek(name);
        let result = (|| -> Result<Vec<RouterOnEp<'_>>, String> {
            if !disabled.is_empty() && disabled.contains(&("router".to_string(), name.clone())) {
                return Err(UPSTREAM_ERROR.to_string());
            }
            if !r.parent_refs.is_empty() || parents.contains(local(name)) {
                return Err(
                    "multi-layer routing (parentRefs) is not implemented by Waygate yet"
                        .to_string(),
                );
            }
            let syntax = if r.rule_syntax.is_empty() {
                default_syntax
            } else {
                r.rule_syntax
                    .parse()
                    .map_err(|_| "invalid ruleSyntax".to_string())?
            };
            let rule = match Reuse::rule(before, r) {
                Some(rule) => rule,
                None => Arc::new(
                    Rule::parse(&r.rule, syntax).map_err(|e| format!("invalid rule: {e}"))?,
                ),
            };
            let service = services.get_for(&r.service, Reuse::hint(before, &r.service))?;
            let using: Vec<&str> = r
                .entry_points
                .iter()
                .filter(|e| eps.contains_key(*e))
                .map(String::as_str)
                .collect();
            if using.is_empty() {
                return Err("none of the router's entry points exists".to_string());
            }
            let mut routers = Vec::new();
            // rateLimit / inFlightReq state is the router's own, as in Traefik.
            let mut own = crate::middleware::PerRouter::default();
            let syntax_model = st
                .core
                .as_ref()
                .is_some_and(|c| !c.default_rule_syntax.is_empty());
            for &ep in &using {
                // Entry-point middlewares (`entryPoints.<ep>.http.middlewares`) come first;
                // internal routers (redirections) skip them, as in Traefik.
                let ep_mws: &[String] = match eps.get(ep).and_then(|e| e.http.as_ref()) {
                    Some(h) if !name.ends_with("@internal") => &h.middlewares,
                    _ => &[],
                };
                let mut chain = Vec::new();
                for m in ep_mws.iter().chain(&r.middlewares) {
                    chain.extend(middlewares.get(m, &mut Vec::new(), &mut services)?);
                }
                let model = crate::middleware::has_model(eps.get(ep), syntax_model);
                let chain = own.chain(ep, model, chain);
                // Router-level `tls` wins over the entry point's `http.tls` model.
                let ep_tls = eps
                    .get(ep)
                    .and_then(|e| e.http.as_ref())
                    .and_then(|h| h.tls.as_ref());
                let tls_spec = match (&r.tls, ep_tls) {
                    (Some(t), _) => Some((t.options.as_str(), t.cert_resolver.as_str())),
                    (None, Some(t)) => Some((t.options.as_str(), t.cert_resolver.as_str())),
                    (None, None) => None,
                };
                let tls_route = match tls_spec {
                    None => None,
                    // With a certResolver, the resolver publishes the certificate into the
                    // store (as the `<resolver>.acme` provider); until then the default
                    // certificate is served, as in Traefik.
                    Some((option, _)) => {
                        let tls = tls
                            .as_ref()
                            .ok_or("TLS is unavailable (see the issues above)")?;
                        let (option, config) = tls.option(option, name)?;
                        let hosts = rule.host_values();
                        if hosts.is_empty() && option != "default" {
                            issues.push(
                                Issue::warning(
                                    IssueKind::Unsupported,
                                    format!("http.routers.{name}.tls.options"),
                                    format!(
                                        "the rule has no Host(): TLS option `{option}` cannot \
                                         be selected by SNI, `default` applies"
                                    ),
                                )
                                .with_item("router", name.clone()),
                            );
                        }
                        Some(TlsRoute {
                            option,
                            config,
                            hosts,
                        })
                    }
                };
                // Unchanged, without middleware nor per-generation metrics: the previous
                // table's router serves as it is (its counters, log and trace settings
                // depend on nothing that changed).
                let reused = (metrics.is_none() && using.len() == 1 && chain.is_empty())
                    .then(|| Reuse::router(before, r, ep_index(ep), &service))
                    .flatten();
                if let Some(router) = reused {
                    routers.push((ep, router, tls_route));
                    continue;
                }
                let router = CompiledRouter {
                    name: name.clone(),
                    priority: r.effective_priority(),
                    rule: rule.clone(),
                    chain,
                    service: service.clone(),
                    stats: input.api.router_stats().get(name),
                    log: crate::accesslog::for_router(input.access_log, ep, eps.get(ep), name, r),
                    trace: crate::trace::for_router(
                        input.tracer,
                        ep,
                        eps.get(ep),
                        name,
                        r,
                        ep_mws,
                        input.dynamic,
                    ),
                    metrics: metrics.and_then(|(m, g)| {
                        let lb = matches!(*service, crate::service::Service::LoadBalancer(_));
                        m.router(
                            g,
                            name,
                            &r.service,
                            lb,
                            r.observability.as_deref(),
                            eps.get(ep),
                        )
                    }),
                };
                routers.push((ep, Arc::new(router), tls_route));
            }
            Ok(routers)
        })();
        let mut scratch = None;
        let status = match seek(&mut statuses, name) {
            Some(status) => status,
            None => scratch.insert(waygate_config::status::ItemStatus::default()),
        };
        match result {
            Ok(routers) => {
                if let Some((ep, router, _)) = routers.first() {
                    let on = (routers.len() == 1).then(|| ep_index(ep));
                    let service = services.built.get(&r.service).and_then(|b| b.cfg.clone());
                    let router = router.clone();
                    kept.push(KeptRouter {
                        on,
                        router,
                        service,
                    });
                }
                for (ep, router, tls_route) in routers {
                    per_ep.entry(ep).or_default().push((router, tls_route));
                }
            }
            Err(e) => {
                // The upstream issue itself is folded into the status below.
                if e != UPSTREAM_ERROR {
                    status.disable(e.clone());
                }
                router_issues.push(
                    Issue::error(
                        disabled_kind(&e),
                        format!("http.routers.{name}"),
                        format!("router disabled: {e}"),
                    )
                    .with_item("router", name.clone()),
                );
            }
        }
        if let Some(status) = scratch {
            unseeded.push((name.clone(), status));
        }
    }
    drop(statuses);
    // Not seeded (cannot happen: seeded from these routers), kept as `item` would have.
    if router_status.is_some() || !unseeded.is_empty() {
        let mut map = router_status.unwrap_or_default();
        map.extend(unseeded);
        table.status.items.insert("router", map);
    }
    for (name, built) in &services.built {
        if let Err(e) = &built.result {
            table.status.item("service", name).disable(e.clone());
        }
    }
    for (name, result) in &middlewares.built {
        if let Err(e) = result {
            table.status.item("middleware", name).disable(e.clone());
        }
    }
    // The counters of routers that no longer serve are dropped.
    let serving: HashSet<&str, FnvBuild> = per_ep
        .values()
        .flatten()
        .map(|(r, _)| r.name.as_str())
        .collect();
    input.api.router_stats().retain(|n| serving.contains(n));
    let (mut tcp, tcp_checked) = match &input.dynamic.tcp {
        Some(config) => crate::tcp::compile(
            &crate::tcp::TcpInput {
                static_cfg: st,
                tcp: config,
                disabled: &disabled,
                tls: tls.as_ref(),
                default_syntax,
                health: input.health,
            },
            &mut table.status,
            &mut router_issues,
        ),
        None => (HashMap::new(), Vec::new()),
    };
    let mut udp = match &input.dynamic.udp {
        Some(config) => {
            crate::udp::compile(st, config, &disabled, &mut table.status, &mut router_issues)
        }
        None => HashMap::new(),
    };
    for ep_name in ep_names {
        let ep_cfg = eps.get(&ep_name);
        let routers = per_ep.remove(ep_name.as_str()).unwrap_or_default();
        let ep_has_tls = ep_cfg
            .and_then(|e| e.http.as_ref())
            .is_some_and(|h| h.tls.is_some());
        let (plain, tls_routes, sni) =
            split_tls(&ep_name, routers, ep_has_tls, tls.as_ref(), &mut issues);
        let https_catch_all = tls_routes.iter().any(|r| r.rule.host_values().is_empty());
        let not_append = st
            .global
            .as_ref()
            .is_some_and(|g| g.not_append_x_forwarded_for);
        let http = ep_cfg.and_then(|e| e.http.as_ref());
        let mut ep = EntryPointTable {
            routes: Routes::new(plain),
            tls_routes: Routes::new(tls_routes),
            tls: sni,
            forwarded: ForwardedPolicy::new(
                ep_cfg.and_then(|e| e.forwarded_headers.as_ref()),
                not_append,
            ),
            path: crate::path::PathPolicy::new(
                http.and_then(|h| h.sanitize_path).unwrap_or(true),
                http.and_then(|h| h.encoded_characters.as_ref()),
            ),
            underscores: crate::hygiene::Underscores::parse(
                http.and_then(|h| h.underscore_headers_strategy.as_deref())
                    .unwrap_or(""),
            ),
            encode_query_semicolons: http.is_some_and(|h| h.encode_query_semicolons),
            tcp: tcp.remove(&ep_name).unwrap_or_default(),
            udp: udp.remove(&ep_name),
            log: crate::accesslog::for_entry_point(input.access_log, &ep_name, ep_cfg),
            metrics: metrics.map(|(m, g)| m.entry_point(g, &ep_name, ep_cfg)),
            trace: crate::trace::for_entry_point(input.tracer, &ep_name, ep_cfg),
        };
        ep.tcp.https_catch_all = https_catch_all;
        table.entry_points.push((ep_name, ep));
    }
    if let Some((m, g)) = metrics {
        m.finish(g);
    }
    issues.extend(waygate_config::support::dynamic_gaps(input.dynamic));
    table.status.fold(input.issues);
    table.status.fold(&issues);
    issues.extend(router_issues);
    table.kept = super::reuse::Kept { routers: kept };
    Compiled {
        table,
        checked: services.checked,
        servers: services.servers,
        tcp_checked,
        issues,
    }
}

/// Splits an entry point's routers into plain and TLS routes (each in match order) and,
/// when the entry point terminates TLS, builds its SNI → TLS option map.
fn split_tls(
    ep_name: &str,
    routers: EpRouters,
    ep_has_tls: bool,
    tls: Option<&TlsCompiler>,
    issues: &mut Vec<Issue>,
) -> (
    Vec<Arc<CompiledRouter>>,
    Vec<Arc<CompiledRouter>>,
    Option<crate::tls::SniOptions>,
) {
    let (mut plain, mut secure) = (Vec::new(), Vec::new());
    let mut sni = tls.map(|t| SniOptionsBuilder::new(t.default_config().clone()));
    for (router, tls_route) in routers {
        match tls_route {
            None => plain.push(router),
            Some(route) => {
                if let Some(sni) = sni.as_mut() {
                    for host in &route.hosts {
                        sni.add(host, &route.option, &route.config, &router.name);
                    }
                }
                secure.push(router);
            }
        }
    }
    // Highest priority first, then by name: the routers come in name order (compiled from
    // the merged configuration's sorted map), so a stable sort on the priority alone gives
    // that order without comparing 10,000 names.
    debug_assert!(plain.is_sorted_by(|a, b| a.name <= b.name));
    debug_assert!(secure.is_sorted_by(|a, b| a.name <= b.name));
    plain.sort_by_key(|r| std::cmp::Reverse(r.priority));
    secure.sort_by_key(|r| std::cmp::Reverse(r.priority));
    let serves_tls = ep_has_tls || !secure.is_empty();
    let sni = sni.filter(|_| serves_tls).map(|builder| {
        let (sni, conflicts) = builder.build();
        for (host, routers) in conflicts {
            issues.push(Issue::warning(
                IssueKind::InvalidValue,
                format!("entryPoints.{ep_name}"),
                format!(
                    "host `{host}` is served by routers with different TLS options ({}): \
                     the `default` option applies to it",
                    routers.join(", ")
                ),
            ));
        }
        sni
    });
    (plain, secure, sni)
}

/// The kind of a router's "disabled" issue: `Unsupported` when the root cause is a feature
/// Waygate lacks (every such message says "not implemented by Waygate", or, for TLS
/// parameters rustls refuses, "not offered by Waygate"), `InvalidValue`
/// otherwise, so that `check` can tell a valid configuration it cannot fully serve (exit 3)
/// from a wrong one (exit 1).
fn disabled_kind(e: &str) -> IssueKind {
    if e.contains("not implemented by Waygate") || e.contains("not offered by Waygate") {
        IssueKind::Unsupported
    } else {
        IssueKind::InvalidValue
    }
}
