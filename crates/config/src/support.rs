//! What this build of Waygate does not implement yet, among the options the model decodes.
//!
//! Nothing is accepted in silence: each gap is a key pattern (`*` stands for one map key, such
//! as an entry point name) and every option of a configuration that matches one gets an
//! [`IssueKind::Unsupported`] warning naming it, in `waygate check`, in the log and in the
//! API. Dynamic items the data plane cannot serve (a middleware type, a load-balancing
//! strategy) are disabled with an error by the runtime table instead: they
//! are not listed here. When a feature lands, its gap is removed (and the walk test in
//! `tests` keeps the classification complete).

mod dynamic;
mod pruned;

use serde_json::Value;

pub use self::dynamic::{DISABLED, DYNAMIC_GAPS, dynamic_gaps};

use crate::issue::{Issue, IssueKind};
use crate::static_config::StaticConfig;

/// One unimplemented option.
#[derive(Debug, Clone, Copy)]
pub struct Gap {
    /// Key pattern in the model's spelling, e.g. `entryPoints.*.proxyProtocol`.
    pub path: &'static str,
    /// What the user loses, completing "… is not implemented by Waygate yet: ".
    pub effect: &'static str,
    /// Whether merely writing the section enables it (`accessLog: {}` does); otherwise only
    /// a value other than the zero value (false, 0, "", empty list) and the default counts.
    pub presence: bool,
    /// The model's default value as JSON (it means nothing was asked), when not a zero value.
    pub default: Option<&'static str>,
}

const fn gap(path: &'static str, effect: &'static str) -> Gap {
    Gap {
        path,
        effect,
        presence: false,
        default: None,
    }
}

/// A gap whose option has a non-zero default (JSON literal of the serialized default).
const fn gap_default(path: &'static str, effect: &'static str, default: &'static str) -> Gap {
    Gap {
        path,
        effect,
        presence: false,
        default: Some(default),
    }
}

const fn section(path: &'static str, effect: &'static str) -> Gap {
    Gap {
        path,
        effect,
        presence: true,
        default: None,
    }
}

/// Static options decoded but not implemented.
pub const STATIC_GAPS: &[Gap] = &[
    section("accessLog.otlp", "access logs are not exported over OTLP"),
    section("metrics.datadog", "no metrics are sent to Datadog"),
    section("metrics.statsd", "no metrics are sent to StatsD"),
    section("metrics.influxDB2", "no metrics are sent to InfluxDB"),
    section("log.otlp", "logs are not exported over OTLP"),
    gap("log.maxSize", "the log file is not rotated"),
    gap("log.maxAge", "the log file is not rotated"),
    gap("log.maxBackups", "the log file is not rotated"),
    gap("log.compress", "rotated log files are not compressed"),
    section("entryPoints.*.http3", "HTTP/3 is not served"),
    gap_default(
        "entryPoints.*.http2.maxDecoderHeaderTableSize",
        "the HPACK decoder table keeps its default size (4096)",
        "4096",
    ),
    gap_default(
        "entryPoints.*.http2.maxEncoderHeaderTableSize",
        "the HPACK encoder table keeps its default size (4096)",
        "4096",
    ),
    gap(
        "entryPoints.*.forwardedHeaders.addXForwardedSchemeHeaders",
        "X-Forwarded-Proto is not added from the scheme",
    ),
    gap(
        "hostResolver.cnameFlattening",
        "CNAME flattening is not done",
    ),
    section("ocsp", "OCSP stapling is not done"),
    section("spiffe", "SPIFFE identities are not available"),
    section(
        "tcpServersTransport.tls",
        "TCP servers marked `tls` without a transport of their own are verified with the system roots",
    ),
    section(
        "tcpServersTransport.spiffe",
        "TCP servers' SPIFFE identities are not verified",
    ),
    section(
        "serversTransport.spiffe",
        "backend SPIFFE identities are not verified",
    ),
    gap("providers.precedence", "providers are merged in name order"),
    section(
        "certificatesResolvers.*.tailscale",
        "no certificates are obtained from Tailscale",
    ),
    gap(
        "certificatesResolvers.*.acme.preferredChain",
        "the CA's default chain is used",
    ),
    gap_default(
        "certificatesResolvers.*.acme.clientResponseHeaderTimeout",
        "the ACME client has no response header timeout of its own (clientTimeout applies)",
        "\"30s\"",
    ),
    section("experimental.fastProxy", "the standard proxy path serves"),
    gap("experimental.otlplogs", "logs are not exported over OTLP"),
    gap(
        "experimental.knative",
        "the Knative provider does not exist",
    ),
    gap(
        "experimental.kubernetesGateway",
        "the Kubernetes Gateway provider does not exist",
    ),
    gap(
        "experimental.kubernetesIngressNGINX",
        "the Kubernetes Ingress NGINX provider does not exist",
    ),
    gap("experimental.abortOnPluginFailure", "plugins do not exist"),
    gap(
        "api.debug",
        "Go's profiler does not exist: /debug/pprof/* answers 501 (/debug/vars is served)",
    ),
    section("providers.swarm", PROVIDER),
    section("providers.kubernetesCRD", PROVIDER),
    section("providers.kubernetesIngress", PROVIDER),
    section("providers.kubernetesGateway", PROVIDER),
    section("providers.kubernetesIngressNGINX", PROVIDER),
    section("providers.knative", PROVIDER),
    section("providers.etcd", PROVIDER),
    section("providers.redis", PROVIDER),
    section("providers.consul", PROVIDER),
    section("providers.zooKeeper", PROVIDER),
    section("providers.consulCatalog", PROVIDER),
    section("providers.nomad", PROVIDER),
    section("providers.ecs", PROVIDER),
    section("providers.http", PROVIDER),
    section("providers.rest", PROVIDER),
    section("providers.plugin", PROVIDER),
];

const PROVIDER: &str = "this provider gives no configuration";

/// Warnings for every option of `st` that matches a [`STATIC_GAPS`] pattern.
pub fn static_gaps(st: &StaticConfig) -> Vec<Issue> {
    let Ok(value) = serde_json::to_value(st) else {
        return Vec::new();
    };
    let mut issues = Vec::new();
    walk(&value, &mut Vec::new(), &mut |path, v| {
        let key = path.join(".");
        for g in STATIC_GAPS {
            if matches(g.path, path) && (g.presence || (is_set(v) && !is_default(g, v))) {
                let mut issue = Issue::warning(
                    IssueKind::Unsupported,
                    key.clone(),
                    format!("`{key}` is not implemented by Waygate yet: {}", g.effect),
                );
                issue = match path {
                    [first, ep, ..] if first == "entryPoints" => {
                        issue.with_item("entryPoint", ep.clone())
                    }
                    [first, p, ..] if first == "providers" && g.presence => {
                        issue.with_item("provider", p.clone())
                    }
                    _ => issue.with_item("static", path[0].clone()),
                };
                issues.push(issue);
            }
        }
    });
    issues
}

/// Calls `f` for every key path of `v` (objects only: list elements are values).
fn walk(v: &Value, path: &mut Vec<String>, f: &mut impl FnMut(&[String], &Value)) {
    if let Value::Object(map) = v {
        for (k, child) in map {
            path.push(k.clone());
            f(path, child);
            walk(child, path, f);
            path.pop();
        }
    }
}

/// Whether `pattern` (dotted, `*` for one segment) names exactly `path`.
pub fn matches(pattern: &str, path: &[String]) -> bool {
    let mut segs = pattern.split('.');
    for p in path {
        match segs.next() {
            Some("*") => {}
            Some(s) if s == p => {}
            _ => return false,
        }
    }
    segs.next().is_none()
}

fn is_default(g: &Gap, v: &Value) -> bool {
    g.default
        .and_then(|d| serde_json::from_str::<Value>(d).ok())
        .is_some_and(|d| &d == v)
}

/// A value other than the zero value of its type.
fn is_set(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => o.values().any(is_set),
    }
}

#[cfg(test)]
mod tests;
