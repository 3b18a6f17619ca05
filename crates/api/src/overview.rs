//! `/api/overview`: counts per section (`total`, `warnings`, `errors` = disabled), the
//! certificates' counts (`errors` = expired), the configured features and providers.

use serde_json::{Map, Value, json};

use crate::certificates::{EXPIRED, WARNING};
use crate::items::{self, Entry};
use crate::state::ApiState;

/// Traefik's provider type names, in the order of its `Providers` struct.
const PROVIDERS: &[(&str, &str)] = &[
    ("docker", "Docker"),
    ("swarm", "Swarm"),
    ("file", "File"),
    ("kubernetesIngress", "KubernetesIngress"),
    ("kubernetesIngressNGINX", "KubernetesIngressNGINX"),
    ("kubernetesCRD", "KubernetesCRD"),
    ("kubernetesGateway", "KubernetesGateway"),
    ("knative", "Knative"),
    ("rest", "Rest"),
    ("consulCatalog", "ConsulCatalog"),
    ("nomad", "Nomad"),
    ("ecs", "Ecs"),
    ("consul", "Consul"),
    ("etcd", "Etcd"),
    ("zooKeeper", "ZooKeeper"),
    ("redis", "Redis"),
    ("http", "HTTP"),
];

/// Traefik's metrics exporters, in the order of its `Metrics` struct.
const METRICS: &[(&str, &str)] = &[
    ("prometheus", "Prometheus"),
    ("datadog", "Datadog"),
    ("statsd", "StatsD"),
    ("influxDB2", "InfluxDB2"),
    ("otlp", "OTLP"),
];

pub fn overview(state: &ApiState<'_>) -> Value {
    let mut out = json!({
        "http": {
            "routers": section(&items::http_routers(state)),
            "services": section(&items::http_services(state)),
            "middlewares": section(&items::http_middlewares(state)),
        },
        "tcp": {
            "routers": section(&items::tcp_routers(state)),
            "services": section(&items::tcp_services(state)),
            "middlewares": section(&items::tcp_middlewares(state)),
        },
        "udp": {
            "routers": section(&items::udp_routers(state)),
            "services": section(&items::udp_services(state)),
        },
        "certificates": counts(state.certificates.iter().map(|c| c.status.as_str()), EXPIRED),
        "features": features(state),
    });
    let providers = providers(state);
    if !providers.is_empty()
        && let Some(o) = out.as_object_mut()
    {
        o.insert("providers".into(), providers.into());
    }
    out
}

fn section(entries: &[Entry]) -> Value {
    counts(entries.iter().map(|e| e.keys.status), "disabled")
}

fn counts<'a>(statuses: impl Iterator<Item = &'a str>, error: &str) -> Value {
    let (mut total, mut warnings, mut errors) = (0, 0, 0);
    for s in statuses {
        total += 1;
        if s == error {
            errors += 1;
        } else if s == WARNING {
            warnings += 1;
        }
    }
    json!({"total": total, "warnings": warnings, "errors": errors})
}

/// What is configured (Traefik reports the configuration, not what runs).
fn features(state: &ApiState<'_>) -> Value {
    let st = state.static_cfg;
    let metrics = st
        .metrics
        .as_ref()
        .map(to_object)
        .and_then(|m| first_set(&m, METRICS))
        .unwrap_or_default();
    // Traefik's `tracing` defaults its `otlp` section: `tracing: {}` reports OTLP too.
    let tracing = st.tracing.as_ref().map_or("", |_| "OTLP");
    json!({"tracing": tracing, "metrics": metrics, "accessLog": st.access_log.is_some()})
}

/// Enabled providers as Traefik names them, then `plugin-<name>` for each plugin provider.
fn providers(state: &ApiState<'_>) -> Vec<String> {
    let Some(p) = &state.static_cfg.providers else {
        return Vec::new();
    };
    let map = to_object(p);
    let mut out: Vec<String> = PROVIDERS
        .iter()
        .filter(|(key, _)| map.get(*key).is_some_and(|v| !v.is_null()))
        .map(|(_, name)| name.to_string())
        .collect();
    out.extend(p.plugin.keys().map(|k| format!("plugin-{k}")));
    out
}

fn first_set(map: &Map<String, Value>, names: &[(&str, &str)]) -> Option<String> {
    names
        .iter()
        .find(|(key, _)| map.get(*key).is_some_and(|v| !v.is_null()))
        .map(|(_, name)| name.to_string())
}

fn to_object(v: &impl serde::Serialize) -> Map<String, Value> {
    items::to_map(v)
}
