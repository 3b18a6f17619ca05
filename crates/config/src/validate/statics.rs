//! Checks on the static configuration.

use crate::issue::IssueKind;
use crate::static_config::{
    AccessLog, Acme, CertificateResolver, EntryPoint, Providers, StaticConfig,
};
use crate::suggest::did_you_mean;

use super::{Scope, Validate, values};

const LOG_LEVELS: &[&str] = &["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "PANIC"];
const KEY_TYPES: &[&str] = &["EC256", "EC384", "RSA2048", "RSA4096", "RSA8192"];
const PROVIDER_NAMES: &[&str] = &[
    "kubernetesgateway",
    "kubernetescrd",
    "kubernetes",
    "kubernetesingressnginx",
    "swarm",
    "docker",
    "file",
    "redis",
    "knative",
    "consul",
    "consulcatalog",
    "nomad",
    "etcd",
    "ecs",
    "http",
    "zookeeper",
    "rest",
];

impl Validate for StaticConfig {
    fn validate(&self, scope: &mut Scope<'_>) {
        for issue in crate::support::static_gaps(self) {
            scope.push(issue);
        }
        let eps: Vec<&str> = self.entry_points.keys().map(String::as_str).collect();
        for (name, ep) in &self.entry_points {
            let mut s = scope.at(&format!("entryPoints.{name}"));
            validate_entry_point(ep, &eps, &self.certificates_resolvers, &mut s);
        }
        if let Some(p) = &self.providers {
            validate_providers(p, &mut scope.at("providers"));
        }
        if let Some(api) = &self.api {
            let ok = api.base_path.starts_with('/')
                && api
                    .base_path
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/_.:~-".contains(c));
            scope.check(ok, "api.basePath", || {
                format!("`{}` must match ^/[a-zA-Z0-9/_.:~-]*$", api.base_path)
            });
        }
        if let Some(ping) = &self.ping {
            internal_ep(&ping.entry_point, &eps, &mut scope.at("ping"));
            values::status_code(
                ping.terminating_status_code,
                "terminatingStatusCode",
                &mut scope.at("ping"),
            );
        }
        if let Some(log) = &self.log {
            one_of(&log.level, LOG_LEVELS, "log.level", scope);
            one_of(&log.format, &["common", "json"], "log.format", scope);
        }
        if let Some(al) = &self.access_log {
            validate_access_log(al, &mut scope.at("accessLog"));
        }
        if let Some(prom) = self.metrics.as_ref().and_then(|m| m.prometheus.as_ref()) {
            let mut s = scope.at("metrics.prometheus");
            internal_ep(&prom.entry_point, &eps, &mut s);
            let sorted = prom.buckets.windows(2).all(|w| w[0] < w[1]);
            s.check(
                sorted && prom.buckets.iter().all(|b| b.is_finite()),
                "buckets",
                || "buckets must be finite and strictly increasing".to_string(),
            );
        }
        if let Some(t) = &self.tracing {
            scope.check(
                (0.0..=1.0).contains(&t.sample_rate),
                "tracing.sampleRate",
                || {
                    format!(
                        "sampleRate must be between 0 and 1, found {}",
                        t.sample_rate
                    )
                },
            );
        }
        for (name, r) in &self.certificates_resolvers {
            validate_resolver(
                r,
                &eps,
                &mut scope.at(&format!("certificatesResolvers.{name}")),
            );
        }
        if let Some(core) = &self.core {
            one_of(
                &core.default_rule_syntax,
                &["v2", "v3"],
                "core.defaultRuleSyntax",
                scope,
            );
        }
        if let Some(exp) = &self.experimental
            && (!exp.plugins.is_empty() || !exp.local_plugins.is_empty())
        {
            scope.warning(
                "experimental",
                IssueKind::Unsupported,
                "plugins are not supported by Waygate yet; middlewares using them will be disabled",
            );
        }
    }
}

fn validate_entry_point(
    ep: &EntryPoint,
    eps: &[&str],
    resolvers: &std::collections::BTreeMap<String, CertificateResolver>,
    s: &mut Scope<'_>,
) {
    if ep.address.is_empty() {
        s.error(
            "address",
            IssueKind::Missing,
            "address is required (e.g. `:80`)",
        );
    } else if let Err(msg) = values::entry_point_address(&ep.address) {
        s.error("address", IssueKind::InvalidValue, msg);
    }
    if let Some(to) = ep
        .http
        .as_ref()
        .and_then(|h| h.redirections.as_ref())
        .and_then(|r| r.entry_point.as_ref())
    {
        let mut r = s.at("http.redirections.entryPoint");
        if to.to.is_empty() {
            r.error(
                "to",
                IssueKind::Missing,
                "`to` is required: an entry point name or `:port`",
            );
        } else if let Some(port) = to.to.strip_prefix(':') {
            r.check(port.parse::<u16>().is_ok(), "to", || {
                format!("`{}` is not a valid `:port`", to.to)
            });
        } else if !eps.contains(&to.to.as_str()) {
            let hint = did_you_mean(&to.to, eps.iter().copied());
            r.error_suggest(
                "to",
                IssueKind::MissingReference,
                format!("entry point `{}` does not exist", to.to),
                hint,
            );
        }
        r.check(!to.scheme.is_empty(), "scheme", || {
            "scheme must not be empty".to_string()
        });
    }
    if let Some(tls) = ep.http.as_ref().and_then(|h| h.tls.as_ref())
        && !tls.cert_resolver.is_empty()
        && !resolvers.contains_key(&tls.cert_resolver)
    {
        let hint = did_you_mean(&tls.cert_resolver, resolvers.keys().map(String::as_str));
        s.error_suggest(
            "http.tls.certResolver",
            IssueKind::MissingReference,
            format!(
                "certificate resolver `{}` does not exist",
                tls.cert_resolver
            ),
            hint,
        );
    }
    if let Some(udp) = &ep.udp {
        s.check(udp.timeout.as_nanos() > 0, "udp.timeout", || {
            "timeout must be greater than 0".to_string()
        });
    }
    if let Some(o) = &ep.observability {
        one_of(
            &o.trace_verbosity,
            &["minimal", "detailed"],
            "observability.traceVerbosity",
            s,
        );
    }
    let t = &ep.transport;
    for (key, d) in [
        (
            "transport.respondingTimeouts.readTimeout",
            t.responding_timeouts.read_timeout,
        ),
        (
            "transport.respondingTimeouts.writeTimeout",
            t.responding_timeouts.write_timeout,
        ),
        (
            "transport.respondingTimeouts.idleTimeout",
            t.responding_timeouts.idle_timeout,
        ),
        (
            "transport.lifeCycle.graceTimeOut",
            t.life_cycle.grace_time_out,
        ),
        (
            "transport.lifeCycle.requestAcceptGraceTimeout",
            t.life_cycle.request_accept_grace_timeout,
        ),
    ] {
        s.check(!d.is_negative(), key, || "must not be negative".to_string());
    }
    for (i, ip) in ep
        .forwarded_headers
        .iter()
        .flat_map(|f| f.trusted_ips.iter())
        .enumerate()
    {
        values::ip_or_cidr(ip, &format!("forwardedHeaders.trustedIPs[{i}]"), s);
    }
    for (i, ip) in ep
        .proxy_protocol
        .iter()
        .flat_map(|f| f.trusted_ips.iter())
        .enumerate()
    {
        values::ip_or_cidr(ip, &format!("proxyProtocol.trustedIPs[{i}]"), s);
    }
}

fn internal_ep(name: &str, eps: &[&str], s: &mut Scope<'_>) {
    if name != "traefik" && !eps.contains(&name) {
        let hint = did_you_mean(name, eps.iter().copied());
        s.error_suggest(
            "entryPoint",
            IssueKind::MissingReference,
            format!("entry point `{name}` does not exist"),
            hint,
        );
    }
}

fn validate_providers(p: &Providers, s: &mut Scope<'_>) {
    if let Some(f) = &p.file {
        match (f.filename.is_empty(), f.directory.is_empty()) {
            (true, true) => s.error("file", IssueKind::Missing, "set `filename` or `directory`"),
            (false, false) => s.error(
                "file",
                IssueKind::Conflict,
                "`filename` and `directory` are mutually exclusive",
            ),
            (false, true) if crate::format::Format::from_path(&f.filename).is_none() => {
                s.error(
                    "file.filename",
                    IssueKind::InvalidValue,
                    "the file must end in .yml, .yaml or .toml",
                );
            }
            _ => {}
        }
    }
    if let Some(d) = &p.docker {
        docker_endpoint(&d.endpoint, s);
    }
    for (i, name) in p.precedence.iter().enumerate() {
        if !PROVIDER_NAMES.contains(&name.to_ascii_lowercase().as_str()) {
            let hint = did_you_mean(name, PROVIDER_NAMES.iter().copied());
            s.error_suggest(
                &format!("precedence[{i}]"),
                IssueKind::InvalidValue,
                format!("unknown provider `{name}`"),
                hint,
            );
        }
    }
}

/// Traefik's Docker client takes `unix://`, `tcp://`, `http://`, `https://`, `ssh://` (through
/// the docker CLI's connection helper) and `npipe://` (Windows) endpoints; Waygate's reaches
/// the first three.
fn docker_endpoint(endpoint: &str, s: &mut Scope<'_>) {
    let scheme = endpoint.split_once("://").map(|(scheme, _)| scheme);
    match scheme {
        Some("unix" | "tcp" | "http") => {}
        Some(scheme @ ("https" | "ssh" | "npipe")) => s.warning(
            "docker.endpoint",
            IssueKind::Unsupported,
            format!(
                "`{scheme}://` Docker endpoints are not implemented by Waygate yet: the provider \
                 cannot reach `{endpoint}` (unix://, tcp:// and http:// are)"
            ),
        ),
        _ => s.error(
            "docker.endpoint",
            IssueKind::InvalidValue,
            format!("`{endpoint}`: expected unix://…, tcp://…, http://…, https://… or ssh://…"),
        ),
    }
}

fn validate_access_log(al: &AccessLog, s: &mut Scope<'_>) {
    one_of(&al.format, &["common", "genericCLF", "json"], "format", s);
    if let Some(f) = &al.filters {
        for (i, code) in f.status_codes.iter().enumerate() {
            values::status_range(code, &format!("filters.statusCodes[{i}]"), s);
        }
    }
    if let Some(fields) = &al.fields {
        one_of(
            &fields.default_mode,
            &["keep", "drop", "redact"],
            "fields.defaultMode",
            s,
        );
        if let Some(h) = &fields.headers {
            one_of(
                &h.default_mode,
                &["keep", "drop", "redact"],
                "fields.headers.defaultMode",
                s,
            );
        }
    }
}

fn validate_resolver(r: &CertificateResolver, eps: &[&str], s: &mut Scope<'_>) {
    match (&r.acme, &r.tailscale) {
        (None, None) => s.error(
            "",
            IssueKind::Missing,
            "a certificate resolver needs `acme` (or `tailscale`)",
        ),
        (Some(_), Some(_)) => s.error(
            "",
            IssueKind::Conflict,
            "`acme` and `tailscale` are mutually exclusive",
        ),
        (None, Some(_)) => s.warning(
            "tailscale",
            IssueKind::Unsupported,
            "the tailscale resolver is not supported by Waygate",
        ),
        (Some(acme), None) => validate_acme(acme, eps, &mut s.at("acme")),
    }
}

fn validate_acme(a: &Acme, eps: &[&str], s: &mut Scope<'_>) {
    s.check(!a.storage.is_empty(), "storage", || {
        "storage must name a file (e.g. acme.json)".to_string()
    });
    values::absolute_url(&a.ca_server, &["https", "http"], "caServer", s);
    // Traefik: an empty keyType is RSA4096; an unknown one falls back on RSA4096 too (with
    // a log line). The same here, said as a warning.
    if !a.key_type.is_empty() && !KEY_TYPES.contains(&a.key_type.as_str()) {
        let hint = did_you_mean(&a.key_type, KEY_TYPES.iter().copied());
        s.warning_suggest(
            "keyType",
            IssueKind::InvalidValue,
            format!(
                "unknown key type `{}`: RSA4096 is used, as Traefik does (expected one of {})",
                a.key_type,
                KEY_TYPES.join(", ")
            ),
            hint,
        );
    }
    if !a.email.is_empty() && !a.email.contains('@') {
        s.error(
            "email",
            IssueKind::InvalidValue,
            format!("`{}` is not an email address", a.email),
        );
    }
    if a.http_challenge.is_none() && a.tls_challenge.is_none() && a.dns_challenge.is_none() {
        s.error(
            "",
            IssueKind::Missing,
            "set one of httpChallenge, tlsChallenge or dnsChallenge",
        );
    }
    if let Some(h) = &a.http_challenge {
        if h.entry_point.is_empty() {
            s.error(
                "httpChallenge.entryPoint",
                IssueKind::Missing,
                "entryPoint is required",
            );
        } else if !eps.contains(&h.entry_point.as_str()) {
            let hint = did_you_mean(&h.entry_point, eps.iter().copied());
            s.error_suggest(
                "httpChallenge.entryPoint",
                IssueKind::MissingReference,
                format!("entry point `{}` does not exist", h.entry_point),
                hint,
            );
        }
    }
    if let Some(d) = &a.dns_challenge {
        s.check(!d.provider.is_empty(), "dnsChallenge.provider", || {
            "provider is required (e.g. cloudflare, rfc2136)".to_string()
        });
        for (i, r) in d.resolvers.iter().enumerate() {
            s.check(
                r.rsplit_once(':')
                    .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok()),
                &format!("dnsChallenge.resolvers[{i}]"),
                || format!("`{r}` must be host:port"),
            );
        }
        if d.delay_before_check.is_some() || d.disable_propagation_check.is_some() {
            s.warning("dnsChallenge", IssueKind::Unsupported, "delayBeforeCheck/disablePropagationCheck are deprecated: use propagation.delayBeforeChecks/disableChecks");
        }
    }
    if let Some(eab) = &a.eab {
        s.check(
            !eab.kid.is_empty() && !eab.hmac_encoded.is_empty(),
            "eab",
            || "eab needs both kid and hmacEncoded".to_string(),
        );
    }
}

fn one_of(value: &str, allowed: &[&str], key: &str, s: &mut Scope<'_>) {
    if !allowed.iter().any(|a| a.eq_ignore_ascii_case(value)) {
        let hint = did_you_mean(value, allowed.iter().copied());
        s.error_suggest(
            key,
            IssueKind::InvalidValue,
            format!(
                "unknown value `{value}`; expected one of {}",
                allowed.join(", ")
            ),
            hint,
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::issue::{Issue, Severity};
    use crate::static_config::{Docker, Providers};
    use crate::validate::Scope;

    fn docker_issues(endpoint: &str) -> Vec<Issue> {
        let p = Providers {
            docker: Some(Docker {
                endpoint: endpoint.to_string(),
                ..Docker::default()
            }),
            ..Providers::default()
        };
        let mut issues = Vec::new();
        super::validate_providers(&p, &mut Scope::new(&mut issues, "providers"));
        issues
    }

    #[test]
    fn docker_endpoints_traefik_accepts() {
        for ok in [
            "unix:///var/run/docker.sock",
            "tcp://10.0.0.1:2375",
            "http://h:2375",
        ] {
            assert!(docker_issues(ok).is_empty(), "{ok}");
        }
        // Valid for Traefik, not reachable by Waygate: reported, not refused.
        for gap in [
            "ssh://traefik@192.168.2.5:2022",
            "npipe:////./pipe/docker_engine",
            "https://h:2376",
        ] {
            let issues = docker_issues(gap);
            assert_eq!(issues.len(), 1, "{gap}: {issues:?}");
            assert_eq!(issues[0].severity, Severity::Warning, "{gap}");
            assert_eq!(issues[0].key_path, "providers.docker.endpoint");
        }
        let issues = docker_issues("/var/run/docker.sock");
        assert!(issues.iter().any(Issue::is_error), "{issues:?}");
    }
}
