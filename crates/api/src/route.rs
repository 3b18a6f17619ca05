//! Dispatch: Traefik's gorilla/mux routes under `api.basePath`, matched on the encoded path
//! (`{name}` is one non-empty segment, percent-decoded afterwards, so `foo%2Fbar@file` names
//! `foo/bar@file`). Every route is `GET`; another method on a known path is `405`, an unknown
//! path `404 page not found`.

use http::{HeaderMap, Method, StatusCode, Uri};

use crate::items::{self, Entry};
use crate::list::{self, Family};
use crate::query::{Query, unescape};
use crate::reply::{self, Response};
use crate::state::ApiState;

/// What a path names.
#[derive(Debug, PartialEq, Eq)]
enum Target<'p> {
    Rawdata,
    Overview,
    SupportDump,
    EntryPoints,
    EntryPoint(&'p str),
    List(Kind),
    One(Kind, &'p str),
    Certificates,
    Certificate(&'p str),
    Version,
    DebugVars,
    Pprof,
    /// `/api/explain`: which router takes a request, and why (a Waygate extension).
    Explain,
    /// `/api/waygate/routers/stats`: Waygate's per-router counters.
    RouterStats,
    /// `/api/waygate/status`: every item's status, as `waygate check --format json` has it.
    Status,
    DashboardRoot,
    Dashboard(&'p str),
}

/// The listable item kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    HttpRouters,
    HttpServices,
    HttpMiddlewares,
    TcpRouters,
    TcpServices,
    TcpMiddlewares,
    UdpRouters,
    UdpServices,
}

/// Answers one request to `api@internal`. `headers` are read for the dashboard redirect
/// (`X-Forwarded-Prefix`).
pub fn handle(state: &ApiState<'_>, method: &Method, uri: &Uri, headers: &HeaderMap) -> Response {
    let Some(target) = resolve(state, uri.path()) else {
        return reply::not_found();
    };
    if method != Method::GET {
        return reply::method_not_allowed();
    }
    let q = Query::parse(uri.query().unwrap_or(""));
    match target {
        Target::Rawdata => reply::json(&crate::rawdata(state)),
        Target::Overview => reply::json(&crate::overview(state)),
        Target::SupportDump => reply::error(
            StatusCode::NOT_IMPLEMENTED,
            "the support dump is not implemented by Waygate yet",
        ),
        Target::EntryPoints => crate::entrypoints::list(state, &q),
        Target::EntryPoint(id) => crate::entrypoints::one(state, id),
        Target::List(kind) => list::respond(&q, family(kind), entries(state, kind)),
        Target::One(kind, id) => one(state, kind, id),
        Target::Certificates => crate::certificates::list(state, &q),
        Target::Certificate(id) => crate::certificates::one(state, id),
        Target::Version => crate::version::respond(state),
        Target::DebugVars => crate::debug::vars(state),
        Target::Pprof => crate::debug::pprof(),
        Target::Explain => crate::explain::respond(state, &q),
        Target::RouterStats => crate::stats::respond(state),
        Target::Status => {
            // The serving table leaves `using` and `usedBy` out (no request reads them):
            // filled here, as `waygate check --format json` has them.
            let mut status = state.status.clone();
            status.record_usage(state.dynamic, state.static_cfg);
            reply::json(&serde_json::json!({
                "items": status.summary(),
                "status": status,
            }))
        }
        Target::DashboardRoot => crate::dashboard::redirect(state.base_path(), headers),
        Target::Dashboard(rest) => crate::dashboard::page(state.base_path(), rest),
    }
}

fn resolve<'p>(state: &ApiState<'_>, path: &'p str) -> Option<Target<'p>> {
    let base = state.base_path();
    let prefix = base.trim_end_matches('/');
    let dashboard = format!("{prefix}/dashboard/");
    if state.dashboard() {
        if path == base {
            return Some(Target::DashboardRoot);
        }
        if let Some(rest) = path.strip_prefix(dashboard.as_str()) {
            return Some(Target::Dashboard(rest));
        }
    }
    let rel = path.strip_prefix(prefix)?;
    if state.debug() {
        if rel == "/debug/vars" {
            return Some(Target::DebugVars);
        }
        if rel.starts_with("/debug/pprof/") {
            return Some(Target::Pprof);
        }
    }
    let segments: Vec<&str> = rel.strip_prefix("/api/")?.split('/').collect();
    let id = |s: &'p str| (!s.is_empty()).then_some(s);
    Some(match segments[..] {
        ["rawdata"] => Target::Rawdata,
        ["overview"] => Target::Overview,
        ["support-dump"] => Target::SupportDump,
        ["version"] => Target::Version,
        ["explain"] => Target::Explain,
        ["entrypoints"] => Target::EntryPoints,
        ["entrypoints", name] => Target::EntryPoint(id(name)?),
        ["certificates"] => Target::Certificates,
        ["certificates", name] => Target::Certificate(id(name)?),
        ["waygate", "routers", "stats"] => Target::RouterStats,
        ["waygate", "status"] => Target::Status,
        [proto, what] => Target::List(kind(proto, what)?),
        [proto, what, name] => Target::One(kind(proto, what)?, id(name)?),
        _ => return None,
    })
}

fn kind(proto: &str, what: &str) -> Option<Kind> {
    use Kind::*;
    Some(match (proto, what) {
        ("http", "routers") => HttpRouters,
        ("http", "services") => HttpServices,
        ("http", "middlewares") => HttpMiddlewares,
        ("tcp", "routers") => TcpRouters,
        ("tcp", "services") => TcpServices,
        ("tcp", "middlewares") => TcpMiddlewares,
        ("udp", "routers") => UdpRouters,
        ("udp", "services") => UdpServices,
        _ => return None,
    })
}

fn family(kind: Kind) -> Family {
    use Kind::*;
    match kind {
        HttpRouters | TcpRouters | UdpRouters => Family::Routers,
        HttpServices | TcpServices | UdpServices => Family::Services,
        HttpMiddlewares | TcpMiddlewares => Family::Middlewares,
    }
}

fn entries(state: &ApiState<'_>, kind: Kind) -> Vec<Entry> {
    use Kind::*;
    match kind {
        HttpRouters => items::http_routers(state),
        HttpServices => items::http_services(state),
        HttpMiddlewares => items::http_middlewares(state),
        TcpRouters => items::tcp_routers(state),
        TcpServices => items::tcp_services(state),
        TcpMiddlewares => items::tcp_middlewares(state),
        UdpRouters => items::udp_routers(state),
        UdpServices => items::udp_services(state),
    }
}

/// `/api/<proto>/<kind>/{name}`: the item, `404 <what> not found: <name>`, or `400` when the
/// name does not decode.
fn one(state: &ApiState<'_>, kind: Kind, raw: &str) -> Response {
    use Kind::*;
    let (param, what) = match kind {
        HttpRouters | TcpRouters | UdpRouters => ("routerID", "router"),
        HttpServices | TcpServices | UdpServices => ("serviceID", "service"),
        HttpMiddlewares | TcpMiddlewares => ("middlewareID", "middleware"),
    };
    let Some(name) = unescape(raw, false) else {
        return reply::error(StatusCode::BAD_REQUEST, &bad_escape(param, raw));
    };
    let found = match kind {
        HttpRouters => items::http_router(state, &name),
        HttpServices => items::http_service(state, &name),
        HttpMiddlewares => items::http_middleware(state, &name),
        TcpRouters => items::tcp_router(state, &name),
        TcpServices => items::tcp_service(state, &name),
        TcpMiddlewares => items::tcp_middleware(state, &name),
        UdpRouters => items::udp_router(state, &name),
        UdpServices => items::udp_service(state, &name),
    };
    match found {
        Some(e) => reply::json(&e.json),
        None => reply::error(StatusCode::NOT_FOUND, &format!("{what} not found: {name}")),
    }
}

/// Traefik's message for a name that `url.PathUnescape` rejects.
pub(crate) fn bad_escape(param: &str, raw: &str) -> String {
    let bad = raw
        .match_indices('%')
        .map(|(i, _)| raw.get(i..i + 3).unwrap_or(&raw[i..]))
        .find(|e| unescape(e, false).is_none())
        .unwrap_or(raw);
    format!("unable to decode {param} {raw:?}: invalid URL escape {bad:?}")
}

#[cfg(test)]
mod tests;
