//! Building services from configuration, recursively (weighted/mirroring/failover name other
//! services), each exactly once per table.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use http::uri::{Authority, Scheme};
use waygate_config::dynamic::{
    DynamicConfig, LoadBalancer as LbConfig, Service as Config, middleware::parse_status_ranges,
};

use super::reuse::BuiltService;
use super::routes::FnvBuild;
use crate::service::health::{Checked, HealthRegistry, Probe, check_target};
use crate::service::{
    Failover, Hrw, LeastTime, LoadBalancer, Mirroring, P2c, Passive, Service, Sticky, Strategy,
    Target, Weighted,
};
use crate::upstream::{Pools, Protocol, TransportSettings};

pub(super) struct ServiceBuilder<'a> {
    pub(super) dynamic: &'a DynamicConfig,
    /// `dynamic`'s HTTP services by name, hashed: every router looks its service up, and a
    /// search of the sorted map of 10,000 names compared ~14 of them.
    pub(super) configs: HashMap<&'a str, &'a Arc<Config>, FnvBuild>,
    /// The previous table's load balancers, taken over where unchanged.
    pub(super) reuse: &'a super::reuse::Reuse<'a>,
    pub(super) disabled: &'a HashSet<(String, String)>,
    pub(super) health: &'a HealthRegistry,
    pub(super) transport: &'a dyn Fn(&str) -> Result<TransportSettings, String>,
    pub(super) pools: &'a Pools,
    pub(super) ping: Arc<crate::service::PingState>,
    pub(super) acme: Arc<crate::acme::AcmeChallenges>,
    pub(super) api: Arc<crate::service::ApiSource>,
    /// For `prometheus@internal`.
    pub(super) metrics: Option<Arc<crate::metrics::Prometheus>>,
    pub(super) built: super::reuse::ServiceMap,
    /// The previous table's service of the router being compiled ([`ServiceBuilder::get_for`]).
    pub(super) hint: Option<super::reuse::Hint>,
    /// The services being built, innermost last (a few deep at most: a stack, not a set,
    /// spares hashing every name).
    pub(super) building: Vec<String>,
    /// The servers whose health flag can change (an active or a passive check): only they
    /// are registered for health tracking (with 10,000 servers, registering every one kept
    /// a map of 10,000 entries for nothing).
    pub(super) checked: Vec<Checked>,
    /// Every load-balancer server with its health flag (the table's `servers`).
    pub(super) servers: Vec<super::Server>,
}

impl ServiceBuilder<'_> {
    /// [`ServiceBuilder::get`] for a router, whose previous service `hint` may be taken over.
    pub(super) fn get_for(
        &mut self,
        name: &str,
        hint: Option<super::reuse::Hint>,
    ) -> Result<Arc<Service>, String> {
        self.hint = hint;
        let result = self.get(name);
        self.hint = None;
        result
    }

    pub(super) fn get(&mut self, name: &str) -> Result<Arc<Service>, String> {
        if let Some(done) = self.built.get(name) {
            return done.result.clone();
        }
        if self.building.iter().any(|b| b == name) {
            return Err(format!("service `{name}` refers to itself (cycle)"));
        }
        self.building.push(name.to_string());
        let mut cfg = None;
        let result = self.build(name, &mut cfg);
        // The name pushed above (innermost last) becomes the key: one copy per service.
        let key = self.building.pop().unwrap_or_else(|| name.to_string());
        let built = BuiltService {
            cfg,
            result: result.clone(),
        };
        self.built.insert(key, built);
        result
    }

    /// Child `child` of `parent`; with `health` (the parent has `healthCheck: {}`) the
    /// child must report its health, as Traefik requires.
    fn child(&mut self, parent: &str, child: &str, health: bool) -> Result<Arc<Service>, String> {
        let service = self.get(child)?;
        if health && !service.reports_health() {
            return Err(unreported(parent, child));
        }
        Ok(service)
    }

    /// Registers the servers of a load balancer taken over from the previous table (it has
    /// no active health check): their flags are the ones it holds.
    fn reused(&mut self, lb: &LoadBalancer) {
        let servers = lb
            .targets
            .iter()
            .map(|t| (lb.name.clone(), t.url.clone(), t.up.clone()));
        self.servers.extend(servers);
        if lb.passive.is_some() {
            self.checked.extend(lb.targets.iter().map(|t| Checked {
                service: lb.name.clone(),
                url: t.url.clone(),
                spec: None,
                up: t.up.clone(),
                probe: None,
            }));
        }
    }

    /// Builds service `name`; `from` is set to the definition it is built from.
    fn build(
        &mut self,
        name: &str,
        from: &mut Option<Arc<Config>>,
    ) -> Result<Arc<Service>, String> {
        if name == "noop@internal" {
            return Ok(Arc::new(Service::Noop));
        }
        if name == crate::acme::ACME_HTTP_SERVICE {
            return Ok(Arc::new(Service::AcmeHttp(self.acme.clone())));
        }
        if name == "ping@internal" {
            return Ok(Arc::new(Service::Ping(self.ping.clone())));
        }
        if name == "api@internal" {
            self.api.check_api()?;
            return Ok(Arc::new(Service::Api(self.api.clone())));
        }
        if name == "prometheus@internal" {
            return match &self.metrics {
                Some(m) => Ok(Arc::new(Service::Prometheus(m.clone()))),
                None => Err("metrics.prometheus is not enabled".to_string()),
            };
        }
        if name == "dashboard@internal" {
            self.api.check_dashboard()?;
            return Ok(Arc::new(Service::Dashboard(self.api.clone())));
        }
        if !self.disabled.is_empty()
            && self
                .disabled
                .contains(&("service".to_string(), name.to_string()))
        {
            return Err(format!(
                "service `{name}` is disabled by a configuration error"
            ));
        }
        if let Some(what) = internal_gap(name) {
            return Err(format!(
                "service `{name}` ({what}) is not implemented by Waygate yet"
            ));
        }
        let http = self.dynamic.http.as_ref();
        let (http, cfg): (_, &Arc<Config>) = http
            .and_then(|h| Some((h, *self.configs.get(name)?)))
            .ok_or_else(|| format!("service `{name}` does not exist"))?;
        *from = Some(cfg.clone());
        if cfg.kind_count() != 1 {
            return Err(format!("service `{name}` must have exactly one type"));
        }
        if !cfg.middlewares.is_empty() {
            return Err(format!(
                "service `{name}`: service middlewares are not implemented by Waygate yet"
            ));
        }
        if let Some(service) = self
            .reuse
            .load_balancer(name, cfg, http, self.hint.as_ref())
        {
            if let Service::LoadBalancer(lb) = service.as_ref() {
                self.reused(lb);
            }
            return Ok(service);
        }
        let service = if let Some(lb) = &cfg.load_balancer {
            Service::LoadBalancer(self.load_balancer(name, lb)?)
        } else if let Some(h) = &cfg.highest_random_weight {
            let health = h.health_check.is_some();
            let mut children = Vec::with_capacity(h.services.len());
            for c in &h.services {
                let child = self.child(name, &c.name, health)?;
                // Hashed by the name as written, as Traefik.
                let hashed = crate::service::member_name(&c.name, name).to_string();
                children.push((child, c.weight.unwrap_or(1), hashed));
            }
            Service::Hrw(Hrw { children, health })
        } else if let Some(w) = &cfg.weighted {
            let health = w.health_check.is_some();
            let mut children = Vec::with_capacity(w.services.len());
            for c in &w.services {
                children.push((self.child(name, &c.name, health)?, c.weight.unwrap_or(1)));
            }
            let sticky = w.sticky.as_ref().and_then(|s| s.cookie.as_ref()).map(|c| {
                let names: Vec<&str> = w
                    .services
                    .iter()
                    .map(|s| crate::service::member_name(&s.name, name))
                    .collect();
                Sticky::new(c, name, &names)
            });
            Service::Weighted(Weighted {
                children,
                state: Default::default(),
                sticky,
                health,
            })
        } else if let Some(m) = &cfg.mirroring {
            let mirrors = m
                .mirrors
                .iter()
                .map(|c| Ok((self.get(&c.name)?, c.percent.min(100), Default::default())))
                .collect::<Result<Vec<_>, String>>()?;
            let health = m.health_check.is_some();
            Service::Mirroring(Mirroring {
                main: self.get(&m.service)?,
                mirrors,
                mirror_body: m.mirror_body,
                max_body_size: m.max_body_size,
                counter: Default::default(),
                health,
            })
        } else if let Some(f) = &cfg.failover {
            let errors = match f.errors.as_ref().filter(|e| !e.status.is_empty()) {
                None => None,
                Some(e) => {
                    let mut ranges = Vec::new();
                    for s in &e.status {
                        ranges.extend(parse_status_ranges(s).map_err(|err| {
                            format!("service `{name}`: failover.errors.status: {err}")
                        })?);
                    }
                    Some((ranges, e.max_request_body_bytes))
                }
            };
            let main = self.get(&f.service)?;
            // As Traefik: without `errors`, the failover needs the main service's health.
            if errors.is_none() && !main.reports_health() {
                return Err(unreported(name, &f.service));
            }
            let health = f.health_check.is_some();
            Service::Failover(Failover {
                main,
                fallback: self.child(name, &f.fallback, health)?,
                health,
                errors,
            })
        } else {
            return Err(format!("service `{name}` has no type"));
        };
        Ok(Arc::new(service))
    }

    fn load_balancer(&mut self, name: &str, lb: &LbConfig) -> Result<LoadBalancer, String> {
        let settings = (self.transport)(&lb.servers_transport)?;
        let mut targets = Vec::with_capacity(lb.servers.len());
        let shared_name: Arc<str> = Arc::from(name);
        for server in &lb.servers {
            let uri: http::Uri = server
                .url
                .parse()
                .map_err(|_| format!("service `{name}`: invalid server URL `{}`", server.url))?;
            let (scheme, protocol) = match uri.scheme_str() {
                Some("http") => (Scheme::HTTP, Protocol::Http),
                Some("h2c") => (Scheme::HTTP, Protocol::H2c),
                Some("https") => (Scheme::HTTPS, Protocol::Https),
                _ => {
                    return Err(format!(
                        "service `{name}`: unsupported server URL `{}`",
                        server.url
                    ));
                }
            };
            let authority: Authority = uri.authority().cloned().ok_or_else(|| {
                format!("service `{name}`: server URL `{}` has no host", server.url)
            })?;
            let base_path = if server.preserve_path {
                uri.path().trim_end_matches('/').to_string()
            } else {
                String::new()
            };
            let transport_error = |e: String| {
                format!(
                    "service `{name}`: serversTransport `{}`: {e}",
                    if lb.servers_transport.is_empty() {
                        "default@internal"
                    } else {
                        &lb.servers_transport
                    }
                )
            };
            let pool = self
                .pools
                .get(&settings, authority.as_str(), authority.host(), protocol)
                .map_err(transport_error)?;
            // The check goes through the same transport; another scheme or port gets its
            // own pool.
            let probe = match &lb.health_check {
                None => None,
                Some(spec) => {
                    let (check_protocol, check_authority, uri) = check_target(&server.url, spec)
                        .ok_or_else(|| {
                            format!(
                                "service `{name}`: healthCheck: cannot check `{}` with scheme `{}`",
                                server.url, spec.scheme
                            )
                        })?;
                    let pool = if check_protocol == protocol && check_authority == authority {
                        pool.clone()
                    } else {
                        self.pools
                            .get(
                                &settings,
                                check_authority.as_str(),
                                check_authority.host(),
                                check_protocol,
                            )
                            .map_err(transport_error)?
                    };
                    Some(Probe {
                        pool,
                        uri,
                        authority: check_authority,
                    })
                }
            };
            let url: Arc<str> = Arc::from(server.url.as_str());
            let up = self
                .health
                .flag(&shared_name, &url, lb.health_check.as_deref());
            self.servers
                .push((shared_name.clone(), url.clone(), up.clone()));
            if lb.health_check.is_some() || lb.passive_health_check.is_some() {
                self.checked.push(Checked {
                    service: shared_name.clone(),
                    url: url.clone(),
                    spec: lb.health_check.as_deref().cloned(),
                    up: up.clone(),
                    probe,
                });
            }
            let h2c = protocol == Protocol::H2c;
            targets.push(Target {
                url,
                log_addr: Arc::from(authority.as_str()),
                scheme,
                authority,
                base_path,
                h2c,
                weight: server.weight.unwrap_or(1),
                up,
                pool,
                response_header_timeout: settings.response_header_timeout,
                inflight: Default::default(),
            });
        }
        let strategy = match lb.strategy.to_ascii_lowercase().as_str() {
            "wrr" | "" => Strategy::Wrr,
            "p2c" => Strategy::P2c(P2c::new()),
            "hrw" => Strategy::Hrw,
            "leasttime" => {
                Strategy::LeastTime(Box::new(LeastTime::new(targets.iter().map(|t| t.weight))))
            }
            other => {
                return Err(format!(
                    "service `{name}`: unsupported load-balancer strategy `{other}`"
                ));
            }
        };
        let mut built = LoadBalancer::new(shared_name, targets, lb.pass_host_header);
        built.strategy = strategy;
        built.checked = lb.health_check.is_some();
        built.sticky = lb.sticky.as_ref().and_then(|s| s.cookie.as_ref()).map(|c| {
            let urls: Vec<&str> = lb.servers.iter().map(|s| s.url.as_str()).collect();
            Box::new(Sticky::new(c, name, &urls))
        });
        built.passive = lb.passive_health_check.as_ref().map(|p| {
            let window = p.failure_window.to_std().unwrap_or_default();
            Box::new(Passive::new(
                window,
                p.max_failed_attempts,
                built.checked,
                lb.servers.len(),
            ))
        });
        Ok(built)
    }
}

/// Traefik's internal services that Waygate does not serve yet, with what they are.
fn internal_gap(name: &str) -> Option<&'static str> {
    match name {
        "rest@internal" => Some("Traefik's REST provider"),
        "prometheus@internal" => Some("the Prometheus metrics endpoint"),
        _ => None,
    }
}

/// Traefik's refusal of a parent with `healthCheck: {}` (or a failover) over a child that
/// does not report its health.
fn unreported(parent: &str, child: &str) -> String {
    format!(
        "service `{parent}`: child service `{child}` does not report its health (it needs a \
         healthCheck, or `healthCheck: {{}}` for a composite service)"
    )
}
