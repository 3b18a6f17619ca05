//! Item-level last good: an item whose new definition fails to decode keeps the definition
//! it had in the last good version of the same file.
//!
//! A file cut mid-line often still parses, with the cut item decoding to an error (a
//! truncated value, a missing required key). Dropping that item would take its routes down
//! while the writer is still writing; Traefik, which decodes a file all or nothing, keeps its
//! whole last configuration in that case. So the item keeps its last good definition, its
//! decode errors are still reported (as errors, no longer attached to the item, which would
//! disable it) and a warning attached to the item says that the old definition is in effect.
//! An item that never decoded stays absent, as before.

use waygate_config::dynamic::DynamicConfig;
use waygate_config::load::DynamicLoad;
use waygate_config::{Issue, IssueKind};

/// Puts back, from `old`, every item of `new` that failed to decode but was good in `old`.
pub(super) fn last_good_items(new: &mut DynamicLoad, old: &DynamicConfig, source: &str) {
    let mut kept = Vec::new();
    for (kind, name) in &new.broken {
        if let Some(section) = restore(&mut new.config, old, kind, name) {
            kept.push((*kind, name.clone(), section));
        }
    }
    for (kind, name, section) in kept {
        for issue in &mut new.issues {
            let names_it = issue
                .item
                .as_ref()
                .is_some_and(|i| i.kind == kind && i.name == name);
            if issue.is_error() && names_it {
                issue.item = None;
            }
        }
        let (key_path, what) = match section {
            "tls" => ("tls".to_string(), "the `tls` section".to_string()),
            _ => (format!("{section}.{name}"), format!("{kind} `{name}`")),
        };
        let warning = Issue::warning(
            IssueKind::File,
            key_path,
            format!("{what} in {source} has errors; keeping its last good definition"),
        );
        let warning = match section {
            "tls" => warning,
            _ => warning.with_item(kind, name.clone()),
        };
        new.issues.push(warning);
        new.broken.remove(&(kind, name));
    }
}

/// Copies `kind` `name` from `old` into `new`; the section's key path when it was there.
fn restore(
    new: &mut DynamicConfig,
    old: &DynamicConfig,
    kind: &str,
    name: &str,
) -> Option<&'static str> {
    macro_rules! item {
        ($section:ident, $field:ident, $path:literal) => {{
            let item = old.$section.as_ref()?.$field.get(name)?;
            let dst = new.$section.get_or_insert_with(Default::default);
            dst.$field.insert(name.to_string(), item.clone());
            Some($path)
        }};
    }
    match kind {
        "router" => item!(http, routers, "http.routers"),
        "service" => item!(http, services, "http.services"),
        "middleware" => item!(http, middlewares, "http.middlewares"),
        "serversTransport" => item!(http, servers_transports, "http.serversTransports"),
        "tcpRouter" => item!(tcp, routers, "tcp.routers"),
        "tcpService" => item!(tcp, services, "tcp.services"),
        "tcpMiddleware" => item!(tcp, middlewares, "tcp.middlewares"),
        "tcpServersTransport" => item!(tcp, servers_transports, "tcp.serversTransports"),
        "udpRouter" => item!(udp, routers, "udp.routers"),
        "udpService" => item!(udp, services, "udp.services"),
        "tls" => {
            new.tls = Some(old.tls.clone()?);
            Some("tls")
        }
        _ => None,
    }
}
