//! Decoding a dynamic configuration tree item by item.

use std::collections::{BTreeMap, BTreeSet};

use serde::de::DeserializeOwned;

use crate::decode::decode;
use crate::dynamic::tcp::TcpConfig;
use crate::dynamic::udp::UdpConfig;
use crate::dynamic::{DynamicConfig, HttpConfig, TlsConfig};
use crate::issue::{Issue, IssueKind};
use crate::node::{Entry, Node, Value};
use crate::suggest::did_you_mean;

/// A provider's decoded dynamic configuration and what went wrong.
#[derive(Debug, Default)]
pub struct DynamicLoad {
    pub config: DynamicConfig,
    pub issues: Vec<Issue>,
    /// Items that were defined but could not be decoded, as `(kind, name)`; references to them
    /// are not reported again as missing.
    pub broken: BTreeSet<(&'static str, String)>,
}

struct Walker<'a> {
    source: &'a str,
    provider: &'a str,
    load: DynamicLoad,
}

/// Decodes one source's tree (`http`, `tcp`, `udp`, `tls` at the root) for `provider`.
pub fn decode_dynamic(root: &Node, source: &str, provider: &str) -> DynamicLoad {
    let mut w = Walker {
        source,
        provider,
        load: DynamicLoad::default(),
    };
    const TOP: &[&str] = &["http", "tcp", "udp", "tls"];
    for (i, e) in w.sections(root, "", TOP) {
        match TOP[i] {
            "http" => {
                let mut http = HttpConfig::default();
                const KEYS: &[&str] = &["routers", "services", "middlewares", "serversTransports"];
                for (k, e) in w.sections(&e.value, "http", KEYS) {
                    let path = format!("http.{}", KEYS[k]);
                    match KEYS[k] {
                        "routers" => http.routers = w.items(&e.value, &path, "router"),
                        "services" => http.services = w.items(&e.value, &path, "service"),
                        "middlewares" => http.middlewares = w.items(&e.value, &path, "middleware"),
                        _ => http.servers_transports = w.items(&e.value, &path, "serversTransport"),
                    }
                }
                w.load.config.http = Some(http);
            }
            "tcp" => {
                let mut tcp = TcpConfig::default();
                const KEYS: &[&str] = &["routers", "services", "middlewares", "serversTransports"];
                for (k, e) in w.sections(&e.value, "tcp", KEYS) {
                    let path = format!("tcp.{}", KEYS[k]);
                    match KEYS[k] {
                        "routers" => tcp.routers = w.items(&e.value, &path, "tcpRouter"),
                        "services" => tcp.services = w.items(&e.value, &path, "tcpService"),
                        "middlewares" => {
                            tcp.middlewares = w.items(&e.value, &path, "tcpMiddleware")
                        }
                        _ => {
                            tcp.servers_transports = w.items(&e.value, &path, "tcpServersTransport")
                        }
                    }
                }
                w.load.config.tcp = Some(tcp);
            }
            "udp" => {
                let mut udp = UdpConfig::default();
                const KEYS: &[&str] = &["routers", "services"];
                for (k, e) in w.sections(&e.value, "udp", KEYS) {
                    let path = format!("udp.{}", KEYS[k]);
                    match KEYS[k] {
                        "routers" => udp.routers = w.items(&e.value, &path, "udpRouter"),
                        _ => udp.services = w.items(&e.value, &path, "udpService"),
                    }
                }
                w.load.config.udp = Some(udp);
            }
            _ => {
                let d = decode::<TlsConfig>(&e.value, "tls", source);
                let ok = !crate::issue::has_errors(&d.issues);
                w.push_all(d.issues, None);
                if let (Some(tls), true) = (d.value, ok) {
                    w.load.config.tls = Some(tls);
                } else {
                    w.load.broken.insert(("tls", "tls".to_string()));
                }
            }
        }
    }
    w.load
}

/// Whether `key` is a root key of the static configuration.
fn is_static_root(key: &str) -> bool {
    crate::static_config::TOP_LEVEL
        .iter()
        .any(|k| k.eq_ignore_ascii_case(key))
}

// === impl Walker ===

impl Walker<'_> {
    /// The entries of `node` whose keys are one of `known` (case-insensitive), as
    /// `(index into known, entry)`; other keys are reported.
    fn sections<'n>(
        &mut self,
        node: &'n Node,
        path: &str,
        known: &[&str],
    ) -> Vec<(usize, &'n Entry)> {
        let mut out = Vec::new();
        match &node.value {
            Value::Map(entries) => {
                for e in entries {
                    match known.iter().position(|k| k.eq_ignore_ascii_case(&e.key)) {
                        Some(i) => out.push((i, e)),
                        // One file may hold both kinds (Traefik's fixtures point
                        // `providers.file.filename` at the static file): each decoder keeps
                        // its own root keys and ignores the other kind's.
                        None if path.is_empty() && is_static_root(&e.key) => {}
                        None => {
                            let key = join(path, &e.key);
                            let message = format!("unknown key `{}`", e.key);
                            // Traefik ignores unknown root keys: a warning, not an error.
                            let issue = if path.is_empty() {
                                Issue::warning(IssueKind::UnknownKey, key, message)
                            } else {
                                Issue::error(IssueKind::UnknownKey, key, message)
                            }
                            .with_suggestion(did_you_mean(&e.key, known.iter().copied()))
                            .at(self.source, &e.key_pos);
                            self.push(issue, None);
                        }
                    }
                }
            }
            Value::Null => {}
            Value::Scalar(s) if s.is_empty() || crate::de::parse_bool(s) == Some(true) => {}
            _ => {
                let issue = Issue::error(IssueKind::InvalidValue, path, "expected a section")
                    .at(self.source, &node.pos);
                self.push(issue, None);
            }
        }
        out
    }

    /// Decodes every `name: item` of a map, each on its own.
    fn items<T: DeserializeOwned>(
        &mut self,
        node: &Node,
        path: &str,
        kind: &'static str,
    ) -> BTreeMap<String, T> {
        let mut out = BTreeMap::new();
        let entries = match &node.value {
            Value::Map(e) => e.as_slice(),
            Value::Null => &[],
            _ => {
                let issue = Issue::error(
                    IssueKind::InvalidValue,
                    path,
                    "expected a map of named items",
                )
                .at(self.source, &node.pos);
                self.push(issue, None);
                return out;
            }
        };
        // Names seen so far (a scan of the earlier entries made 10,000 routers quadratic:
        // 2.3 G instructions of a reload went to comparing names).
        let mut seen = std::collections::HashSet::with_capacity(entries.len());
        for e in entries {
            let item_path = join(path, &e.key);
            if !seen.insert(e.key.as_str()) {
                let issue = Issue::error(
                    IssueKind::Duplicate,
                    item_path,
                    format!(
                        "{kind} `{}` is defined twice; the first definition is kept",
                        e.key
                    ),
                )
                .at(self.source, &e.key_pos);
                self.push(issue, Some((kind, &e.key)));
                continue;
            }
            if e.key.contains('@') {
                let issue = Issue::error(
                    IssueKind::InvalidValue,
                    item_path,
                    format!("`@` is not allowed in a {kind} name (it separates the provider)"),
                )
                .at(self.source, &e.key_pos);
                self.push(issue, Some((kind, &e.key)));
                self.load.broken.insert((kind, e.key.clone()));
                continue;
            }
            let d = decode::<T>(&e.value, &item_path, self.source);
            let ok = !crate::issue::has_errors(&d.issues);
            self.push_all(d.issues, Some((kind, &e.key)));
            match d.value {
                Some(v) if ok => {
                    out.insert(e.key.clone(), v);
                }
                _ => {
                    self.load.broken.insert((kind, e.key.clone()));
                }
            }
        }
        out
    }

    fn push(&mut self, mut issue: Issue, item: Option<(&'static str, &str)>) {
        if issue.provider.is_none() {
            issue.provider = Some(self.provider.to_string());
        }
        if let (None, Some((kind, name))) = (&issue.item, item) {
            issue = issue.with_item(kind, name);
        }
        self.load.issues.push(issue);
    }

    fn push_all(&mut self, issues: Vec<Issue>, item: Option<(&'static str, &str)>) {
        for i in issues {
            self.push(i, item);
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Merges `next` (from a later file of the same provider, decoded from `next_tree`) into
/// `into`: a name already defined keeps its first definition and the later one is reported at
/// its position in `next_source` (reference §1.4, directory mode).
pub fn merge(into: &mut DynamicLoad, next: DynamicLoad, next_source: &str, next_tree: &Node) {
    merge_with(into, next, next_source, |issues| {
        for issue in issues {
            crate::validate::locate(issue, next_tree, next_source);
        }
    });
}

/// [`merge`], with `locate` giving the issues their positions (a provider that no longer
/// keeps the tree parses it again only when one lacks a position).
pub fn merge_with(
    into: &mut DynamicLoad,
    next: DynamicLoad,
    next_source: &str,
    locate: impl FnOnce(&mut [Issue]),
) {
    let mut issues = next.issues;
    let c = next.config;
    macro_rules! merge_maps {
        ($section:ident, $field:ident, $kind:literal, $path:literal) => {
            if let Some(src) = c.$section.as_ref() {
                let dst = into.config.$section.get_or_insert_with(Default::default);
                for (name, item) in &src.$field {
                    if dst.$field.contains_key(name) {
                        issues.push(
                            Issue::warning(IssueKind::Duplicate, format!("{}.{name}", $path), format!("{} `{name}` is already defined in an earlier file; this definition in {next_source} is skipped", $kind))
                                .with_item($kind, name.clone()),
                        );
                    } else {
                        dst.$field.insert(name.clone(), item.clone());
                    }
                }
            }
        };
    }
    merge_maps!(http, routers, "router", "http.routers");
    merge_maps!(http, services, "service", "http.services");
    merge_maps!(http, middlewares, "middleware", "http.middlewares");
    merge_maps!(
        http,
        servers_transports,
        "serversTransport",
        "http.serversTransports"
    );
    merge_maps!(tcp, routers, "tcpRouter", "tcp.routers");
    merge_maps!(tcp, services, "tcpService", "tcp.services");
    merge_maps!(tcp, middlewares, "tcpMiddleware", "tcp.middlewares");
    merge_maps!(
        tcp,
        servers_transports,
        "tcpServersTransport",
        "tcp.serversTransports"
    );
    merge_maps!(udp, routers, "udpRouter", "udp.routers");
    merge_maps!(udp, services, "udpService", "udp.services");
    merge_maps!(tls, options, "tlsOption", "tls.options");
    merge_maps!(tls, stores, "tlsStore", "tls.stores");
    if let Some(tls) = &c.tls {
        let dst = into.config.tls.get_or_insert_with(Default::default);
        dst.certificates.extend(tls.certificates.iter().cloned());
    }
    locate(&mut issues);
    into.issues.extend(issues);
    into.broken.extend(next.broken);
}
