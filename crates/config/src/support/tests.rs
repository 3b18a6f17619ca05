//! The walk over the whole static model: `all-static.yml` sets every field of every struct
//! the decoder knows (checked here through the decoder's own field lists), and every option
//! it sets must be either implemented (listed below) or a reported gap.

use serde_json::Value;

use super::*;
use crate::de::schema;
use crate::decode::decode;
use crate::format::parse_yaml;

const SAMPLE: &str = include_str!("all-static.yml");

/// Static options Waygate implements (patterns as in `STATIC_GAPS`; a pattern covers the
/// keys below it).
const IMPLEMENTED: &[&str] = &[
    // Waygate never contacts the outside world on its own (docs/compat.md).
    "global.checkNewVersion",
    "global.sendAnonymousUsage",
    "global.notAppendXForwardedFor",
    "serversTransport.insecureSkipVerify",
    "serversTransport.rootCAs",
    "serversTransport.maxIdleConnsPerHost",
    "serversTransport.forwardingTimeouts",
    // Reported: `default@internal` refuses it, so the services using it are disabled.
    "serversTransport.spiffe",
    "entryPoints.*.address",
    "entryPoints.*.asDefault",
    "entryPoints.*.reusePort",
    "entryPoints.*.allowACMEBypass",
    "entryPoints.*.transport",
    "entryPoints.*.forwardedHeaders",
    "entryPoints.*.http",
    "entryPoints.*.http2.maxConcurrentStreams",
    "entryPoints.*.observability",
    "entryPoints.*.proxyProtocol",
    "entryPoints.*.udp",
    "tcpServersTransport.dialTimeout",
    "tcpServersTransport.dialKeepAlive",
    "tcpServersTransport.terminationDelay",
    "providers.providersThrottleDuration",
    "providers.docker",
    "providers.file",
    "ping",
    "metrics.prometheus",
    "metrics.addInternals",
    // OpenTelemetry traces and metrics (waygate-otel).
    "tracing",
    "metrics.otlp",
    "api.insecure",
    "api.basePath",
    "api.dashboard",
    "api.disableDashboardAd",
    "api.dashboardName",
    "log.level",
    "log.format",
    "log.filePath",
    "log.noColor",
    // The access log (waygate-accesslog); `dualOutput` is what it does anyway (no OTLP).
    "accessLog.filePath",
    "accessLog.format",
    "accessLog.bufferingSize",
    "accessLog.addInternals",
    "accessLog.dualOutput",
    "accessLog.filters",
    "accessLog.fields",
    "hostResolver.resolvConfig",
    "hostResolver.resolvDepth",
    "certificatesResolvers.*.acme",
    "core.defaultRuleSyntax",
    "waygate",
    // Reported by validation (`validate/statics.rs`): middlewares using plugins are disabled.
    "experimental.plugins",
    "experimental.localPlugins",
];

fn decoded() -> (StaticConfig, Vec<schema::Visited>) {
    let node = parse_yaml(SAMPLE).expect("the sample parses");
    let mut out = None;
    let seen = schema::recording(|| {
        out = Some(decode::<StaticConfig>(&node, "", "all-static.yml"));
    });
    let d = out.expect("decoded");
    let issues: Vec<String> = d.issues.iter().map(|i| i.to_string()).collect();
    assert!(
        issues.is_empty(),
        "the sample must decode cleanly: {issues:#?}"
    );
    (d.value.expect("a value"), seen)
}

fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = v;
    for seg in path.split('.').filter(|s| !s.is_empty()) {
        let (key, index) = match seg.split_once('[') {
            Some((k, rest)) => (k, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (seg, None),
        };
        if !key.is_empty() {
            cur = cur.get(key)?;
        }
        if let Some(i) = index {
            cur = cur.get(i)?;
        }
    }
    Some(cur)
}

#[test]
fn the_sample_sets_every_field_of_the_model() {
    let (st, seen) = decoded();
    let json = serde_json::to_value(&st).expect("present");
    // A field counts as covered when the sample sets it in any struct of the same type.
    let mut set: std::collections::HashSet<(*const [&str], &str)> = Default::default();
    for (path, fields) in &seen {
        if let Some(obj) = at(&json, path) {
            for f in *fields {
                if obj.get(*f).is_some_and(|v| is_set(v) || v.is_object()) {
                    set.insert((*fields as *const [&str], f));
                }
            }
        }
    }
    let mut missing = Vec::new();
    let segs = |p: &str| p.split('.').map(String::from).collect::<Vec<_>>();
    for (path, fields) in &seen {
        // A whole section reported as a gap needs no walk below it.
        let under_gap = STATIC_GAPS.iter().any(|g| {
            let p = segs(path);
            g.presence && (1..=p.len()).any(|n| matches(g.path, &p[..n]))
        });
        let Some(obj) = at(&json, path).filter(|_| !under_gap) else {
            continue;
        };
        for f in *fields {
            if !set.contains(&(*fields as *const [&str], f))
                && obj.get(*f).is_none_or(|v| !is_set(v) && !v.is_object())
            {
                missing.push(if path.is_empty() {
                    f.to_string()
                } else {
                    format!("{path}.{f}")
                });
            }
        }
    }
    missing.sort();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "all-static.yml must set these fields (to a non-zero value) so the walk covers them:\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_static_option_is_implemented_or_reported() {
    let (st, _) = decoded();
    let json = serde_json::to_value(&st).expect("present");
    let mut unclassified = Vec::new();
    walk(&json, &mut Vec::new(), &mut |path, v| {
        let leaf = !matches!(v, Value::Object(o) if !o.is_empty());
        if !leaf {
            return;
        }
        let covered = |pattern: &str| (1..=path.len()).any(|n| matches(pattern, &path[..n]));
        if !IMPLEMENTED.iter().any(|p| covered(p)) && !STATIC_GAPS.iter().any(|g| covered(g.path)) {
            unclassified.push(path.join("."));
        }
    });
    assert!(
        unclassified.is_empty(),
        "options neither implemented nor reported (add each to IMPLEMENTED with a test, or \
         to STATIC_GAPS):\n{}",
        unclassified.join("\n")
    );
}

#[test]
fn every_gap_in_the_sample_is_reported_by_name() {
    let (st, _) = decoded();
    let issues = static_gaps(&st);
    for g in STATIC_GAPS {
        assert!(
            issues.iter().any(|i| matches(
                g.path,
                &i.key_path.split('.').map(String::from).collect::<Vec<_>>()
            )),
            "gap `{}` set in the sample but not reported; reported: {:?}",
            g.path,
            issues.iter().map(|i| &i.key_path).collect::<Vec<_>>()
        );
    }
}

#[test]
fn patterns_match_one_segment_per_star() {
    let p = |s: &str| s.split('.').map(String::from).collect::<Vec<_>>();
    assert!(matches("entryPoints.*.udp", &p("entryPoints.web.udp")));
    assert!(!matches("entryPoints.*.udp", &p("entryPoints.web")));
    assert!(!matches(
        "entryPoints.*.udp",
        &p("entryPoints.web.udp.timeout")
    ));
}

#[test]
fn gap_defaults_are_the_models_defaults() {
    let node = parse_yaml(
        "entryPoints: {web: {address: ':80', http2: {}}}\ncertificatesResolvers: {le: {acme: {storage: a.json}}}",
    )
    .expect("present");
    let st = decode::<StaticConfig>(&node, "", "t.yml")
        .value
        .expect("present");
    let json = serde_json::to_value(&st).expect("present");
    for g in STATIC_GAPS.iter().filter(|g| g.default.is_some()) {
        let concrete = g
            .path
            .replace("entryPoints.*", "entryPoints.web")
            .replace("certificatesResolvers.*", "certificatesResolvers.le");
        let v = at(&json, &concrete).unwrap_or_else(|| panic!("{concrete} in {json}"));
        assert!(
            is_default(g, v),
            "{}: default {:?}, model has {v}",
            g.path,
            g.default
        );
    }
    assert!(static_gaps(&st).is_empty(), "{:?}", static_gaps(&st));
}

mod dynamic {
    //! The same walk over the dynamic model: `all-dynamic.yml` sets every field of every
    //! struct the decoder knows (except inside whole sections that disable their item), and
    //! every option is implemented, disabled with an error, or a reported gap.

    use super::*;
    use crate::dynamic::DynamicConfig;
    use crate::load::decode_dynamic;

    const SAMPLE: &str = include_str!("all-dynamic.yml");

    /// Dynamic options the data plane implements (a pattern covers the keys below it).
    const IMPLEMENTED: &[&str] = &[
        "http.routers.*.entryPoints",
        "http.routers.*.middlewares",
        "http.routers.*.service",
        "http.routers.*.rule",
        "http.routers.*.ruleSyntax",
        "http.routers.*.priority",
        "http.routers.*.tls",
        "http.routers.*.observability.accessLogs",
        "http.routers.*.observability.metrics",
        "http.routers.*.observability.tracing",
        "http.routers.*.observability.traceVerbosity",
        "http.services.*.loadBalancer.servers",
        "http.services.*.loadBalancer.healthCheck",
        "http.services.*.loadBalancer.passHostHeader",
        "http.services.*.loadBalancer.serversTransport",
        "http.services.*.loadBalancer.strategy",
        "http.services.*.loadBalancer.sticky",
        "http.services.*.loadBalancer.passiveHealthCheck",
        // Health is propagated to a parent with `healthCheck: {}` (Traefik's rule).
        "http.services.*.weighted",
        "http.services.*.highestRandomWeight",
        "http.services.*.mirroring",
        "http.services.*.failover",
        "http.middlewares.*.headers",
        "http.middlewares.*.stripPrefix.prefixes",
        "http.middlewares.*.addPrefix",
        "http.middlewares.*.redirectScheme",
        "http.middlewares.*.chain",
        "http.middlewares.*.ipAllowList",
        "http.middlewares.*.ipWhiteList",
        "http.middlewares.*.inFlightReq",
        "http.middlewares.*.circuitBreaker",
        "http.middlewares.*.retry",
        "http.middlewares.*.buffering",
        "http.middlewares.*.replacePath",
        "http.middlewares.*.replacePathRegex",
        "http.middlewares.*.stripPrefixRegex",
        "http.middlewares.*.redirectRegex",
        "http.middlewares.*.encodedCharacters",
        "http.middlewares.*.contentType",
        "http.middlewares.*.compress",
        "http.middlewares.*.passTLSClientCert",
        "http.middlewares.*.errors",
        "http.middlewares.*.grpcWeb",
        "http.middlewares.*.rateLimit.average",
        "http.middlewares.*.rateLimit.period",
        "http.middlewares.*.rateLimit.burst",
        "http.middlewares.*.rateLimit.sourceCriterion",
        "http.middlewares.*.rateLimit.redis",
        "http.middlewares.*.basicAuth",
        "http.middlewares.*.digestAuth",
        "http.middlewares.*.forwardAuth",
        "http.middlewares.*.jwt",
        "http.serversTransports",
        "tls.options",
        "tls.stores",
        "tls.certificates",
        "tcp.routers.*.entryPoints",
        "tcp.routers.*.middlewares",
        "tcp.routers.*.service",
        "tcp.routers.*.rule",
        "tcp.routers.*.ruleSyntax",
        "tcp.routers.*.priority",
        "tcp.routers.*.tls.passthrough",
        "tcp.routers.*.tls.options",
        // Ordered by the resolver (waygate-acme `domains`), served from the TLS store.
        "tcp.routers.*.tls.certResolver",
        "tcp.routers.*.tls.domains",
        "tcp.services.*.loadBalancer.servers",
        "tcp.services.*.loadBalancer.serversTransport",
        "tcp.services.*.loadBalancer.proxyProtocol",
        "tcp.services.*.loadBalancer.terminationDelay",
        "tcp.services.*.weighted.services",
        "tcp.services.*.loadBalancer.healthCheck",
        "tcp.services.*.weighted.healthCheck",
        "tcp.middlewares",
        "tcp.serversTransports.*.dialTimeout",
        "tcp.serversTransports.*.dialKeepAlive",
        "tcp.serversTransports.*.terminationDelay",
        "tcp.serversTransports.*.proxyProtocol",
        "tcp.serversTransports.*.tls.serverName",
        "tcp.serversTransports.*.tls.insecureSkipVerify",
        "tcp.serversTransports.*.tls.rootCAs",
        "tcp.serversTransports.*.tls.certificates",
        "udp",
        // Reported by validation (deprecated: Traefik v3 ignores it too).
        "http.middlewares.*.stripPrefix.forceSlash",
    ];

    fn decoded() -> (DynamicConfig, Vec<schema::Visited>) {
        let node = parse_yaml(SAMPLE).expect("the sample parses");
        let mut out = None;
        let seen = schema::recording(|| {
            out = Some(decode_dynamic(&node, "all-dynamic.yml", "file"));
        });
        let load = out.expect("decoded");
        let issues: Vec<String> = load.issues.iter().map(|i| i.to_string()).collect();
        assert!(
            issues.is_empty(),
            "the sample must decode cleanly: {issues:#?}"
        );
        (load.config, seen)
    }

    fn segs(p: &str) -> Vec<String> {
        p.split('.').map(String::from).collect()
    }

    fn covered(patterns: &[&str], path: &[String]) -> bool {
        patterns
            .iter()
            .any(|p| (1..=path.len()).any(|n| matches(p, &path[..n])))
    }

    #[test]
    fn the_sample_sets_every_field_of_the_model() {
        let (cfg, seen) = decoded();
        let json = serde_json::to_value(&cfg).expect("serializes");
        let mut set: std::collections::HashSet<(*const [&str], &str)> = Default::default();
        for (path, fields) in &seen {
            if let Some(obj) = at(&json, path) {
                for f in *fields {
                    if obj.get(*f).is_some_and(|v| is_set(v) || v.is_object()) {
                        set.insert((*fields as *const [&str], f));
                    }
                }
            }
        }
        let mut missing = Vec::new();
        let presence: Vec<&str> = DYNAMIC_GAPS
            .iter()
            .filter(|g| g.presence)
            .map(|g| g.path)
            .collect();
        for (path, fields) in &seen {
            if covered(DISABLED, &segs(path)) || covered(&presence, &segs(path)) {
                continue;
            }
            let Some(obj) = at(&json, path) else { continue };
            for f in *fields {
                let field = segs(&format!("{path}.{f}"));
                if covered(DISABLED, &field) || covered(&presence, &field) {
                    continue;
                }
                if !set.contains(&(*fields as *const [&str], f))
                    && obj.get(*f).is_none_or(|v| !is_set(v) && !v.is_object())
                {
                    missing.push(format!("{path}.{f}"));
                }
            }
        }
        missing.sort();
        missing.dedup();
        assert!(
            missing.is_empty(),
            "all-dynamic.yml must set these fields (non-zero) so the walk covers them:\n{}",
            missing.join("\n")
        );
    }

    #[test]
    fn every_dynamic_option_is_implemented_disabled_or_reported() {
        let (cfg, _) = decoded();
        let json = serde_json::to_value(&cfg).expect("serializes");
        let gaps: Vec<&str> = DYNAMIC_GAPS.iter().map(|g| g.path).collect();
        let mut unclassified = Vec::new();
        walk(&json, &mut Vec::new(), &mut |path, v| {
            let leaf = !matches!(v, Value::Object(o) if !o.is_empty());
            if leaf
                && !covered(IMPLEMENTED, path)
                && !covered(DISABLED, path)
                && !covered(&gaps, path)
            {
                unclassified.push(path.join("."));
            }
        });
        assert!(
            unclassified.is_empty(),
            "options neither implemented, disabled nor reported (add each to IMPLEMENTED with \
             a test, to DISABLED if the runtime table refuses it, or to DYNAMIC_GAPS):\n{}",
            unclassified.join("\n")
        );
    }

    #[test]
    fn every_gap_in_the_sample_is_reported_with_its_item() {
        let (cfg, _) = decoded();
        let issues = dynamic_gaps(&cfg);
        for g in DYNAMIC_GAPS {
            assert!(
                issues
                    .iter()
                    .any(|i| matches(g.path, &segs(&i.key_path)) && i.item.is_some()),
                "gap `{}` not reported; reported: {:?}",
                g.path,
                issues.iter().map(|i| &i.key_path).collect::<Vec<_>>()
            );
        }
    }
}
