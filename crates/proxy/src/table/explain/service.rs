//! Where the winner's request would go: the service, and through composite services
//! (weighted, mirroring, failover) down to the server the next request would be sent to.
//! Round-robin state is peeked, never advanced, so explaining does not shift real traffic.

use serde::Serialize;
use waygate_config::dynamic::DynamicConfig;

use crate::service::Service;

/// One service on the way to a server.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceExplanation {
    pub name: String,
    /// `loadBalancer`, `weighted`, `mirroring`, `failover` or `internal`.
    pub kind: String,
    /// A load balancer's servers, or a composite's children, with weight and health.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Member>,
    /// What the next request would be sent to, and how it is chosen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pick: Option<ServerPick>,
    /// For a composite: the child service that would serve it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<Box<ServiceExplanation>>,
    /// What the service does when it is not a proxy to servers, or why it would fail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A server of a load balancer, or a child of a composite service.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    pub name: String,
    /// The weight (load balancer, weighted), the percentage (mirroring), 1 for a failover's
    /// main service and 0 for its fallback.
    pub weight: i64,
    pub up: bool,
}

/// The member the next request goes to.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerPick {
    pub name: String,
    /// "next in weighted round robin", "main service is up", …
    pub how: String,
}

const WRR: &str = "next in weighted round robin";

/// Explains the service of `router` (its configured name is read from `dynamic`).
pub(super) fn explain(
    dynamic: &DynamicConfig,
    router: &str,
    service: &Service,
) -> ServiceExplanation {
    let name = dynamic
        .http
        .as_ref()
        .and_then(|h| h.routers.get(router))
        .map_or_else(|| "?".to_string(), |r| r.service.clone());
    describe(dynamic, &name, service, 0)
}

fn describe(
    dynamic: &DynamicConfig,
    name: &str,
    service: &Service,
    depth: usize,
) -> ServiceExplanation {
    let cfg = dynamic.http.as_ref().and_then(|h| h.services.get(name));
    let mut out = ServiceExplanation {
        name: name.to_string(),
        kind: "internal".to_string(),
        members: Vec::new(),
        pick: None,
        next: None,
        note: None,
    };
    // Composite services are acyclic once compiled; bounded all the same.
    if depth > 16 {
        return out;
    }
    match service {
        Service::LoadBalancer(lb) => {
            out.kind = "loadBalancer".to_string();
            let t = &lb.targets;
            out.members = t
                .iter()
                .map(|s| Member {
                    name: s.url.to_string(),
                    weight: s.weight,
                    up: s.up.load(std::sync::atomic::Ordering::Relaxed),
                })
                .collect();
            let peek = lb
                .state
                .peek(t.len(), |i| t[i].weight, |i| out.members[i].up);
            match peek {
                _ if lb.strategy() != "wrr" && lb.is_up() => {
                    out.note = Some(format!(
                        "strategy {}: the server is chosen per request",
                        lb.strategy()
                    ));
                }
                Some(i) => out.pick = Some(pick(&t[i].url, WRR)),
                None => out.note = Some("no server is available: 503".to_string()),
            }
        }
        Service::Weighted(w) => {
            out.kind = "weighted".to_string();
            let names: Vec<String> = cfg
                .and_then(|c| c.weighted.as_ref())
                .map(|wc| wc.services.iter().map(|s| s.name.clone()).collect())
                .unwrap_or_default();
            let c = &w.children;
            let name_of = |i: usize| names.get(i).cloned().unwrap_or_else(|| format!("#{i}"));
            out.members = c
                .iter()
                .enumerate()
                .map(|(i, (s, weight))| Member {
                    name: name_of(i),
                    weight: *weight,
                    up: s.is_up(),
                })
                .collect();
            match w.state.peek(c.len(), |i| c[i].1, |i| w.child_up(i)) {
                Some(i) => {
                    out.pick = Some(pick(&name_of(i), WRR));
                    out.next = Some(Box::new(describe(dynamic, &name_of(i), &c[i].0, depth + 1)));
                }
                None => out.note = Some("no child service is available: 503".to_string()),
            }
        }
        Service::Hrw(h) => {
            out.kind = "highestRandomWeight".to_string();
            let names: Vec<String> = cfg
                .and_then(|c| c.highest_random_weight.as_ref())
                .map(|hc| hc.services.iter().map(|s| s.name.clone()).collect())
                .unwrap_or_default();
            out.members = h
                .children
                .iter()
                .enumerate()
                .map(|(i, (s, weight, _))| Member {
                    name: names.get(i).cloned().unwrap_or_else(|| format!("#{i}")),
                    weight: *weight,
                    up: s.is_up(),
                })
                .collect();
            out.note = Some(if h.is_up() {
                "the child service is chosen by the client IP (rendezvous hashing)".to_string()
            } else {
                "no child service is available: 503".to_string()
            });
        }
        Service::Mirroring(m) => {
            out.kind = "mirroring".to_string();
            let mc = cfg.and_then(|c| c.mirroring.as_ref());
            let main = mc.map_or_else(|| "?".to_string(), |m| m.service.clone());
            out.members = m
                .mirrors
                .iter()
                .enumerate()
                .map(|(i, (s, percent, _))| Member {
                    name: mc
                        .and_then(|c| c.mirrors.get(i))
                        .map_or_else(|| format!("#{i}"), |c| c.name.clone()),
                    weight: i64::from(*percent),
                    up: s.is_up(),
                })
                .collect();
            out.note = Some("mirrors get a copy of their percentage of requests".to_string());
            out.pick = Some(pick(&main, "main service (answers the client)"));
            out.next = Some(Box::new(describe(dynamic, &main, m.main(), depth + 1)));
        }
        Service::Failover(f) => {
            let (main, fallback) = (&f.main, &f.fallback);
            out.kind = "failover".to_string();
            let fc = cfg.and_then(|c| c.failover.as_ref());
            let (main_name, fallback_name) = fc.map_or_else(
                || ("?".to_string(), "?".to_string()),
                |f| (f.service.clone(), f.fallback.clone()),
            );
            out.members = vec![
                Member {
                    name: main_name.clone(),
                    weight: 1,
                    up: f.main_up(),
                },
                Member {
                    name: fallback_name.clone(),
                    weight: 0,
                    up: f.fallback_up(),
                },
            ];
            let (name, svc, how) = if f.main_up() {
                (main_name, main, "main service is up")
            } else {
                (fallback_name, fallback, "main service is down: fallback")
            };
            out.pick = Some(pick(&name, how));
            out.next = Some(Box::new(describe(dynamic, &name, svc, depth + 1)));
        }
        Service::Noop => {
            out.note =
                Some("noop@internal: answers 404 unless a middleware answers first".to_string());
        }
        _ => out.note = Some(format!("{name} answers the request itself")),
    }
    out
}

fn pick(name: &str, how: &str) -> ServerPick {
    ServerPick {
        name: name.to_string(),
        how: how.to_string(),
    }
}
