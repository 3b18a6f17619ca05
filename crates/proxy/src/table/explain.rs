//! Route explain (`waygate explain`, `GET /api/explain`): which router of a table takes a
//! request and why. For each entry point the request could arrive at: the request as the
//! routers see it (after the **http** stage's path hygiene), every router in match order
//! with every matcher's result (`waygate_rules::Rule::trace`), the winner as the data plane's
//! own lookup (`Routes::find`) picks it, its middleware chain, the service and the server
//! that would be picked, and for `https://` the TLS option and certificate for the SNI.
//! When nothing matches, the nearest routers and what failed.
//!
//! A cold path beside the data plane: it reads the table (and the peeked load-balancer
//! state) without changing anything, and allocates freely.

mod chain;
mod request;
mod service;
mod tls;

use std::net::IpAddr;

use serde::Serialize;
use waygate_config::static_config::StaticConfig;
use waygate_rules::{MatcherTrace, Trace};

pub use self::chain::MiddlewareStep;
pub use self::request::Seen;
pub use self::service::{Member, ServerPick, ServiceExplanation};
pub use self::tls::{CertificateSeen, TlsExplanation};

use super::{EntryPointTable, RuntimeTable};

/// What to explain: a request as a client would send it.
#[derive(Debug, Clone, Default)]
pub struct ExplainRequest {
    pub method: String,
    /// An absolute `http://` or `https://` URL. Its host is the `Host` header unless one is
    /// given in `headers`, and (for `https`) the SNI unless it is an IP address.
    pub url: String,
    /// Header lines, in order (`Host` included when given).
    pub headers: Vec<(String, String)>,
    /// Only this entry point; otherwise every one whose routers could take the request.
    pub entry_point: Option<String>,
    /// The connection's address (what `ClientIP` matches); unknown when `None`.
    pub client_ip: Option<IpAddr>,
}

/// The answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Explanation {
    pub method: String,
    pub url: String,
    /// `https` requests go to the TLS routers of an entry point, `http` to the others.
    pub tls: bool,
    pub entry_points: Vec<EntryPointExplanation>,
}

/// The request at one entry point.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryPointExplanation {
    pub entry_point: String,
    /// Set when the request never reaches the routers here (refused path, no TLS, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsExplanation>,
    /// What the routers see.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seen: Option<request::Seen>,
    /// The routers of the entry point (TLS or plain ones), in match order.
    pub candidates: Vec<Candidate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub winner: Option<Winner>,
    /// Without a winner: the routers closest to matching, closest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nearest: Vec<Nearest>,
}

/// One router and its rule's trace.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Candidate {
    pub router: String,
    pub priority: i64,
    pub matched: bool,
    /// False for routers after the winner: the data plane never evaluates them.
    pub reached: bool,
    pub trace: Trace,
}

/// The router that takes the request, and where it goes.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Winner {
    pub router: String,
    pub priority: i64,
    /// The flattened chain, in order (entry-point middlewares first).
    pub middlewares: Vec<chain::MiddlewareStep>,
    pub service: ServiceExplanation,
}

/// A router that did not match, and the fewest matchers that stood in the way.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Nearest {
    pub router: String,
    pub failed: Vec<MatcherTrace>,
}

/// How many near misses are listed when nothing matches.
const NEAREST: usize = 3;

// === impl RuntimeTable ===

impl RuntimeTable {
    /// Explains `req` against this table. `static_cfg` is the configuration the table was
    /// compiled with (for entry-point middlewares). `Err` when the request cannot be built
    /// (bad URL, method or header) or names an unknown entry point.
    pub fn explain(
        &self,
        static_cfg: &StaticConfig,
        req: &ExplainRequest,
    ) -> Result<Explanation, String> {
        let prepared = request::prepare(req)?;
        let tls = prepared.tls;
        if let Some(name) = &req.entry_point
            && !self.entry_points.iter().any(|(n, _)| n == name)
        {
            let known: Vec<&str> = self.entry_points.iter().map(|(n, _)| n.as_str()).collect();
            return Err(format!(
                "unknown entry point `{name}` (known: {})",
                known.join(", ")
            ));
        }
        let entry_points = self
            .entry_points
            .iter()
            .filter(|(name, ep)| match &req.entry_point {
                Some(wanted) => wanted == name,
                None => routes_for(ep, tls).iter().next().is_some() && (!tls || ep.tls.is_some()),
            })
            .map(|(name, ep)| self.explain_at(static_cfg, name, ep, &prepared, req))
            .collect();
        Ok(Explanation {
            method: req.method.clone(),
            url: req.url.clone(),
            tls,
            entry_points,
        })
    }

    fn explain_at(
        &self,
        static_cfg: &StaticConfig,
        name: &str,
        ep: &EntryPointTable,
        prepared: &request::Prepared,
        req: &ExplainRequest,
    ) -> EntryPointExplanation {
        let mut out = EntryPointExplanation {
            entry_point: name.to_string(),
            refused: None,
            tls: None,
            seen: None,
            candidates: Vec::new(),
            winner: None,
            nearest: Vec::new(),
        };
        if prepared.tls {
            match &ep.tls {
                None => {
                    out.refused = Some(format!(
                        "entry point `{name}` does not terminate TLS: the handshake fails"
                    ));
                    return out;
                }
                Some(sni) => {
                    let explained = tls::explain(sni, prepared.sni.as_deref(), &self.config);
                    let failed = explained.error.clone();
                    out.tls = Some(explained);
                    if let Some(e) = failed {
                        out.refused = Some(e);
                        return out;
                    }
                }
            }
        }
        let routed = match request::at_entry_point(prepared, ep, req.client_ip) {
            Ok(r) => r,
            Err(refused) => {
                out.refused = Some(refused);
                return out;
            }
        };
        let view = routed.view();
        let routes = routes_for(ep, prepared.tls);
        let winner = routes.find(&view);
        let mut reached = true;
        for router in routes.iter() {
            let trace = router.rule.trace(&view);
            let is_winner = winner.is_some_and(|w| std::sync::Arc::ptr_eq(w, router));
            out.candidates.push(Candidate {
                router: router.name.clone(),
                priority: router.priority,
                matched: trace.matched,
                reached,
                trace,
            });
            reached &= !is_winner;
        }
        out.seen = Some(routed.seen);
        match winner {
            Some(router) => {
                out.winner = Some(Winner {
                    router: router.name.clone(),
                    priority: router.priority,
                    middlewares: chain::steps(static_cfg, &self.config, name, &router.name),
                    service: service::explain(&self.config, &router.name, &router.service),
                });
            }
            None => out.nearest = nearest(&out.candidates),
        }
        out
    }
}

/// The routers a request reaches at an entry point: TLS connections see the TLS routers only.
fn routes_for(ep: &EntryPointTable, tls: bool) -> &super::Routes {
    if tls { &ep.tls_routes } else { &ep.routes }
}

/// The candidates with the fewest failing matchers (ties in match order).
fn nearest(candidates: &[Candidate]) -> Vec<Nearest> {
    let mut misses: Vec<(usize, Nearest)> = candidates
        .iter()
        .map(|c| {
            let failed: Vec<MatcherTrace> = c.trace.blockers().into_iter().cloned().collect();
            let n = Nearest {
                router: c.router.clone(),
                failed,
            };
            (n.failed.len(), n)
        })
        .collect();
    misses.sort_by_key(|(n, _)| *n);
    misses.into_iter().take(NEAREST).map(|(_, n)| n).collect()
}

#[cfg(test)]
mod tests;
