//! Naming the unsupported feature behind a report, so the corpus can rank what is missing by
//! how many cases need it. Map keys the user chose (entry point, router, resolver names) are
//! replaced by `*`.

/// Sections whose children are names chosen by the user.
const NAMED: &[&str] = &[
    "entryPoints",
    "certificatesResolvers",
    "routers",
    "services",
    "middlewares",
    "serversTransports",
    "options",
    "stores",
    "plugins",
    "localPlugins",
];

/// Phrases that mark a log line as the report of a missing feature.
const MARKERS: &[&str] = &[
    "not implemented",
    "not supported",
    "not offered",
    "entry point skipped",
];

/// The feature an `Unsupported` issue of `check` names.
pub(crate) fn feature_of_issue(key_path: &str, message: &str) -> String {
    feature(message).unwrap_or_else(|| pattern(key_path))
}

/// Whether `text` says a feature is missing (rather than that the configuration is wrong).
pub(crate) fn names_a_gap(text: &str) -> bool {
    // Traefik's internal services (`rest@internal`, `prometheus@internal`, …) exist when
    // their static option is set: one Waygate lacks is a missing feature.
    MARKERS.iter().any(|m| text.contains(m)) || text.contains("@internal` does not exist")
}

/// The feature a warning or error line of the gateway's log reports, if it reports one.
pub(crate) fn feature_of_line(line: &str) -> Option<String> {
    if !names_a_gap(line) {
        return None;
    }
    Some(feature(line).unwrap_or_else(|| "other".to_string()))
}

fn feature(text: &str) -> Option<String> {
    // "middleware type `basicAuth` is not implemented …".
    if let Some(at) = text.find("middleware type `") {
        let rest = &text[at + "middleware type `".len()..];
        return Some(format!("middleware {}", rest.split('`').next()?));
    }
    // "`accessLog` is not implemented by Waygate yet: …" (static options).
    if let Some(end) = text.find("` is not implemented") {
        let start = text[..end].rfind('`')? + 1;
        return Some(pattern(&text[start..end]));
    }
    // Two spellings of one gap, named as the static gaps are.
    if text.contains("the tailscale resolver is not supported") {
        return Some("certificatesResolvers.*.tailscale".to_string());
    }
    if text.contains("plugins are not supported") {
        return Some("experimental.plugins".to_string());
    }
    // "the consulCatalog provider is not supported by Waygate …".
    if let Some(at) = text.find(" provider is not supported") {
        let name = text[..at].rsplit(' ').next()?;
        return Some(format!("providers.{name}"));
    }
    // "router disabled: service `api@internal` does not exist": an internal service
    // Waygate does not provide.
    if let Some(end) = text.find("@internal` does not exist") {
        let start = text[..end].rfind('`')? + 1;
        return Some(format!("{}@internal", &text[start..end]));
    }
    if text.contains("VersionTLS10 is not offered") || text.contains("VersionTLS11 is not offered")
    {
        return Some("tls.options TLS 1.0/1.1".to_string());
    }
    if text.contains("UDP entry points") {
        return Some("UDP entry points".to_string());
    }
    // "…: sticky sessions are not implemented by Waygate yet" and the like: the clause
    // before the marker, after the last `: `.
    if let Some(at) = text.find("headers options not implemented by Waygate yet: ") {
        let rest = &text[at + "headers options not implemented by Waygate yet: ".len()..];
        return Some(format!("middleware headers: {}", rest.trim()));
    }
    let at = MARKERS.iter().filter_map(|m| text.find(m)).min()?;
    let clause = text[..at].rsplit(": ").next()?.trim();
    let clause = clause
        .strip_suffix(" is")
        .or_else(|| clause.strip_suffix(" are"))
        .unwrap_or(clause)
        .trim();
    (!clause.is_empty()).then(|| clause.to_string())
}

/// `entryPoints.web.proxyProtocol` → `entryPoints.*.proxyProtocol`, `tls.certificates[1]`
/// → `tls.certificates`.
fn pattern(key: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let mut named = false;
    for seg in key.split('.') {
        let seg = seg.split('[').next().unwrap_or(seg);
        out.push(if named { "*" } else { seg });
        named = NAMED.contains(&seg) && !named;
    }
    out.join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            feature_of_issue(
                "entryPoints.web.proxyProtocol",
                "`entryPoints.web.proxyProtocol` is not implemented by Waygate yet: …"
            ),
            "entryPoints.*.proxyProtocol"
        );
        assert_eq!(
            feature_of_line("ERROR x: http.routers.r@file: router disabled: service `s@file`: sticky sessions are not implemented by Waygate yet").as_deref(),
            Some("sticky sessions")
        );
        assert_eq!(
            feature_of_line("ERROR x: router disabled: middleware `a@file`: middleware type `basicAuth` is not implemented by Waygate yet").as_deref(),
            Some("middleware basicAuth")
        );
        assert_eq!(
            feature_of_line("ERROR x: tcp.routers.r@file: TCP routing is not implemented by Waygate yet: this item is not served").as_deref(),
            Some("TCP routing")
        );
        assert_eq!(
            feature_of_issue(
                "http.routers.api",
                "router disabled: service `api@internal` does not exist"
            ),
            "api@internal"
        );
        assert_eq!(feature_of_line("INFO configuration applied"), None);
    }
}
