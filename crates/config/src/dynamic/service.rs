//! `http.services.<name>` (reference §3.2): exactly one of `loadBalancer`, `weighted`,
//! `mirroring`, `failover`, `highestRandomWeight`.

mod composite;
mod load_balancer;

use serde::{Deserialize, Serialize};

pub use self::composite::{
    Failover, FailoverErrors, HealthCheckRef, Mirror, Mirroring, Weighted, WeightedService,
};
pub use self::load_balancer::{
    Cookie, HealthCheck, LoadBalancer, PassiveHealthCheck, ResponseForwarding, Server, Sticky,
};

/// The rarely used kinds are boxed: a configuration holds a few copies of every service (the
/// provider's, the qualified one, the merged one), and inline they made each service 880
/// bytes, most of it empty options (10,000 services: ~35 MiB per copy with the map's slack).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Service {
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub load_balancer: Option<LoadBalancer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weighted: Option<Box<Weighted>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirroring: Option<Box<Mirroring>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failover: Option<Box<Failover>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub highest_random_weight: Option<Box<Weighted>>,
    /// Middlewares applied to every request reaching this service (Traefik 3.7).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub middlewares: Vec<String>,
}

// === impl Service ===

impl Service {
    /// Traefik's lower-cased type names of the types that are set.
    pub fn kinds(&self) -> Vec<&'static str> {
        let mut kinds = Vec::new();
        if self.load_balancer.is_some() {
            kinds.push("loadBalancer");
        }
        if self.weighted.is_some() {
            kinds.push("weighted");
        }
        if self.mirroring.is_some() {
            kinds.push("mirroring");
        }
        if self.failover.is_some() {
            kinds.push("failover");
        }
        if self.highest_random_weight.is_some() {
            kinds.push("highestRandomWeight");
        }
        kinds
    }

    /// How many types are set ([`Service::kinds`] without building the list: the runtime
    /// table asks it of every service on every reload).
    pub fn kind_count(&self) -> usize {
        usize::from(self.load_balancer.is_some())
            + usize::from(self.weighted.is_some())
            + usize::from(self.mirroring.is_some())
            + usize::from(self.failover.is_some())
            + usize::from(self.highest_random_weight.is_some())
    }

    /// Names of other services this one refers to, with their key paths.
    pub fn children(&self) -> Vec<(String, &str)> {
        let mut out = Vec::new();
        for (kind, w) in [
            ("weighted", &self.weighted),
            ("highestRandomWeight", &self.highest_random_weight),
        ] {
            if let Some(w) = w {
                for (i, s) in w.services.iter().enumerate() {
                    out.push((format!("{kind}.services[{i}].name"), s.name.as_str()));
                }
            }
        }
        if let Some(m) = &self.mirroring {
            out.push(("mirroring.service".to_string(), m.service.as_str()));
            for (i, s) in m.mirrors.iter().enumerate() {
                out.push((format!("mirroring.mirrors[{i}].name"), s.name.as_str()));
            }
        }
        if let Some(f) = &self.failover {
            out.push(("failover.service".to_string(), f.service.as_str()));
            out.push(("failover.fallback".to_string(), f.fallback.as_str()));
        }
        out.retain(|(_, n)| !n.is_empty());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_count_counts_the_kinds() {
        let none = Service::default();
        let lb = Service {
            load_balancer: Some(LoadBalancer::default()),
            ..Service::default()
        };
        let two = Service {
            weighted: Some(Box::default()),
            ..lb.clone()
        };
        for s in [none, lb, two] {
            assert_eq!(s.kind_count(), s.kinds().len());
        }
    }
}
