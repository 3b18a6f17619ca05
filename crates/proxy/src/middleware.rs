//! The **middlewares** stage: each router's chain, built once per table (`chain` flattened at
//! compile time). Every middleware kind is matched in one place, [`build`]; kinds the data
//! plane does not implement yet disable the routers that use them, with a clear error.

mod add_prefix;
mod go_text;
mod headers;
mod ip_allow_list;
mod ip_strategy;
mod redirect_scheme;
mod strip_prefix;

use std::net::IpAddr;

use http::uri::PathAndQuery;
use waygate_config::dynamic::Middleware as Config;

use crate::{Request, Response};

pub use self::add_prefix::AddPrefix;
pub use self::headers::Headers;
pub use self::ip_allow_list::IpAllowList;
pub use self::redirect_scheme::RedirectScheme;
pub use self::strip_prefix::StripPrefix;

/// A compiled middleware.
#[derive(Debug)]
pub enum Mw {
    Headers(Headers),
    StripPrefix(StripPrefix),
    AddPrefix(AddPrefix),
    RedirectScheme(RedirectScheme),
    IpAllowList(IpAllowList),
}

/// What a middleware decided about a request.
pub enum Flow {
    /// Pass the request on.
    Next,
    /// Answer now (e.g. a redirect).
    Respond(Response),
}

/// What middlewares may need to know about the connection.
#[derive(Debug, Clone, Copy)]
pub struct MwCtx {
    pub tls: bool,
    /// The connection's remote address (IPv4-mapped IPv6 as IPv4).
    pub remote: IpAddr,
}

/// How one configured middleware compiles.
pub enum Built<'a> {
    One(Mw),
    /// A `chain`: the names of its members, to be resolved and flattened by the caller.
    Chain(&'a [String]),
}

/// Compiles one configured middleware. The exhaustive `match` over kinds lives here.
pub fn build(cfg: &Config) -> Result<Built<'_>, String> {
    let kind = cfg
        .kind()
        .ok_or_else(|| "the middleware has no type, or several".to_string())?;
    let unsupported = || {
        Err(format!(
            "middleware type `{kind}` is not implemented by Waygate yet"
        ))
    };
    match kind {
        "headers" => cfg.headers.as_ref().map_or_else(unsupported, |h| {
            Headers::new(h).map(|m| Built::One(Mw::Headers(m)))
        }),
        "stripPrefix" => cfg.strip_prefix.as_ref().map_or_else(unsupported, |s| {
            Ok(Built::One(Mw::StripPrefix(StripPrefix::new(s))))
        }),
        "addPrefix" => cfg.add_prefix.as_ref().map_or_else(unsupported, |a| {
            Ok(Built::One(Mw::AddPrefix(AddPrefix::new(a))))
        }),
        "redirectScheme" => cfg.redirect_scheme.as_ref().map_or_else(unsupported, |r| {
            Ok(Built::One(Mw::RedirectScheme(RedirectScheme::new(r))))
        }),
        "ipAllowList" => cfg.ip_allow_list.as_ref().map_or_else(unsupported, |c| {
            IpAllowList::new(c).map(|m| Built::One(Mw::IpAllowList(m)))
        }),
        "ipWhiteList" => cfg.ip_white_list.as_ref().map_or_else(unsupported, |c| {
            IpAllowList::white_list(c).map(|m| Built::One(Mw::IpAllowList(m)))
        }),
        "chain" => cfg
            .chain
            .as_ref()
            .map_or_else(unsupported, |c| Ok(Built::Chain(&c.middlewares))),
        _ => unsupported(),
    }
}

// === impl Mw ===

impl Mw {
    pub fn request(&self, req: &mut Request, ctx: MwCtx) -> Flow {
        match self {
            Mw::Headers(m) => m.request(req),
            Mw::StripPrefix(m) => m.request(req),
            Mw::AddPrefix(m) => m.request(req),
            Mw::RedirectScheme(m) => m.request(req, ctx),
            Mw::IpAllowList(m) => m.request(req, ctx),
        }
    }

    pub fn response(&self, resp: &mut Response, ctx: MwCtx) {
        if let Mw::Headers(m) = self {
            m.response(resp, ctx);
        }
    }
}

/// Replaces the request path, keeping the query.
pub(crate) fn set_path(req: &mut Request, path: &str) {
    let query = req.uri().query().map(str::to_string);
    set_path_and_query(req.uri_mut(), path, query.as_deref());
}

/// Replaces the path and query of `uri` (scheme and authority kept); unchanged when the
/// result would not be a valid request target.
pub(crate) fn set_path_and_query(uri: &mut http::Uri, path: &str, query: Option<&str>) {
    let pq = match query {
        Some(q) => format!("{path}?{q}"),
        None => path.to_string(),
    };
    let Ok(pq) = pq.parse::<PathAndQuery>() else {
        return;
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(pq);
    if let Ok(new) = http::Uri::from_parts(parts) {
        *uri = new;
    }
}

#[cfg(test)]
pub(crate) fn test_ctx(tls: bool) -> MwCtx {
    MwCtx {
        tls,
        remote: IpAddr::from([192, 0, 2, 1]),
    }
}

#[cfg(test)]
pub(crate) fn test_request(uri: &str) -> Request {
    let mut req = Request::new(crate::Body::Empty);
    *req.uri_mut() = uri.parse().expect("test uri");
    req
}
