//! The **middlewares** stage: each router's chain, built once per table (`chain` flattened at
//! compile time). Every middleware kind is matched in one place, [`build`]; kinds the data
//! plane does not implement yet disable the routers that use them, with a clear error.
//!
//! A middleware is synchronous: it passes the request on, answers it, asks the handler to
//! wait before passing it on ([`Flow::Delay`], `rateLimit`'s short waits), or hands the
//! handler a [`Slot`] to keep until the response is done ([`Flow::Hold`], `inFlightReq`),
//! or hands it a future to await for the decision ([`Flow::Wait`]: a Redis round trip, work
//! that must not run on a worker thread); the future owns what it needs, and any change to
//! the request is made before it is returned.
//! Stateful middlewares get one instance per router ([`PerRouter`]), as in Traefik.

mod add_prefix;
pub(crate) mod around;
mod basic_auth;
mod buffering;
mod circuit_breaker;
mod compress;
mod content_type;
mod digest_auth;
mod encoded_characters;
mod errors;
mod forward_auth;
mod go_path;
mod go_text;
mod grpc_web;
mod headers;
mod in_flight_req;
mod ip_allow_list;
pub(crate) mod ip_strategy;
mod jwt;
mod pass_tls_client_cert;
mod rate_limit;
mod redirect_regex;
mod redirect_scheme;
mod replace_path;
mod replace_path_regex;
mod retry;
mod shards;
mod sniff;
mod source;
mod strip_prefix;
mod strip_prefix_regex;

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use http::uri::PathAndQuery;
use waygate_config::dynamic::Middleware as Config;
use waygate_config::static_config::EntryPoint;

use crate::{Request, Response};

pub use self::add_prefix::AddPrefix;
pub use self::around::Next;
pub use self::basic_auth::BasicAuth;
pub use self::buffering::Buffering;
pub use self::circuit_breaker::CircuitBreaker;
pub use self::compress::Compress;
pub use self::content_type::ContentType;
pub use self::digest_auth::DigestAuth;
pub use self::encoded_characters::EncodedCharacters;
pub use self::errors::Errors;
pub use self::forward_auth::ForwardAuth;
pub use self::grpc_web::GrpcWeb;
pub use self::headers::Headers;
pub use self::in_flight_req::{InFlightReq, Slot};
pub use self::ip_allow_list::IpAllowList;
pub use self::jwt::Jwt;
pub(crate) use self::pass_tls_client_cert::ClientCerts;
pub use self::pass_tls_client_cert::PassTlsClientCert;
pub use self::rate_limit::RateLimit;
pub use self::redirect_regex::RedirectRegex;
pub use self::redirect_scheme::RedirectScheme;
pub use self::replace_path::ReplacePath;
pub use self::replace_path_regex::ReplacePathRegex;
pub use self::retry::Retry;
pub(crate) use self::retry::Tries;
pub use self::strip_prefix::StripPrefix;
pub use self::strip_prefix_regex::StripPrefixRegex;

/// A compiled middleware.
#[derive(Debug)]
pub enum Mw {
    Headers(Headers),
    StripPrefix(StripPrefix),
    AddPrefix(AddPrefix),
    RedirectScheme(RedirectScheme),
    IpAllowList(IpAllowList),
    RateLimit(RateLimit),
    InFlightReq(InFlightReq),
    BasicAuth(BasicAuth),
    DigestAuth(DigestAuth),
    /// Boxed: its state is large, and only its routers carry it.
    CircuitBreaker(Box<CircuitBreaker>),
    Retry(Retry),
    Buffering(Buffering),
    ReplacePath(ReplacePath),
    ReplacePathRegex(ReplacePathRegex),
    StripPrefixRegex(StripPrefixRegex),
    RedirectRegex(RedirectRegex),
    EncodedCharacters(EncodedCharacters),
    ContentType(ContentType),
    PassTlsClientCert(PassTlsClientCert),
    Jwt(Jwt),
    Compress(Compress),
    /// Boxed: its client and settings are large, and only its routers carry it.
    ForwardAuth(Box<ForwardAuth>),
    Errors(Errors),
    GrpcWeb(GrpcWeb),
}

/// What a middleware decided about a request.
pub enum Flow {
    /// Pass the request on.
    Next,
    /// Answer now (e.g. a redirect).
    Respond(Response),
    /// Pass the request on after this wait.
    Delay(Duration),
    /// Pass the request on, keeping this slot until the response is done.
    Hold(Slot),
    /// Call [`Mw::wrap`] with the rest of the chain and the service (`circuitBreaker`,
    /// `retry`, `buffering`: see [`around`]).
    Wrap,
    /// Await this for the decision (never itself a `Wait`).
    Wait(Pending),
}

/// A decision that needs I/O or blocking work.
pub type Pending = Pin<Box<dyn Future<Output = Flow> + Send>>;

/// What middlewares may need to know about the connection.
#[derive(Debug, Clone, Copy)]
pub struct MwCtx {
    pub tls: bool,
    /// The connection's remote address (IPv4-mapped IPv6 as IPv4).
    pub remote: IpAddr,
}

/// The slots a request holds: for most routers none, one null pointer to carry and drop.
#[derive(Debug, Default)]
pub struct Held(Option<Box<[Slot]>>);

/// Instances of stateful middlewares for one router, as Traefik builds its handlers: one per
/// position in the router's chain, shared by its entry points, except an entry point with a
/// model (see [`has_model`]), where Traefik serves a copy of the router with handlers of
/// its own.
#[derive(Default)]
pub struct PerRouter(Vec<(Option<String>, usize, Arc<Mw>)>);

/// How one configured middleware compiles.
pub enum Built<'a> {
    One(Mw),
    /// A `chain`: the names of its members, to be resolved and flattened by the caller.
    Chain(&'a [String]),
}

/// Compiles one configured middleware, named `name` (qualified); `service` gives the compiled
/// service of a name (`errors.service`). The exhaustive `match` over kinds lives here.
pub fn build<'a>(
    name: &str,
    cfg: &'a Config,
    service: &mut dyn FnMut(&str) -> Result<Arc<crate::service::Service>, String>,
) -> Result<Built<'a>, String> {
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
        "rateLimit" => cfg.rate_limit.as_ref().map_or_else(unsupported, |c| {
            RateLimit::new(name, c).map(|m| Built::One(Mw::RateLimit(m)))
        }),
        "basicAuth" => cfg.basic_auth.as_ref().map_or_else(unsupported, |c| {
            BasicAuth::new(c).map(|m| Built::One(Mw::BasicAuth(m)))
        }),
        "digestAuth" => cfg.digest_auth.as_ref().map_or_else(unsupported, |c| {
            DigestAuth::new(c).map(|m| Built::One(Mw::DigestAuth(m)))
        }),
        "inFlightReq" => cfg.in_flight_req.as_ref().map_or_else(unsupported, |c| {
            InFlightReq::new(c).map(|m| Built::One(Mw::InFlightReq(m)))
        }),
        "circuitBreaker" => cfg.circuit_breaker.as_ref().map_or_else(unsupported, |c| {
            CircuitBreaker::new(c).map(|m| Built::One(Mw::CircuitBreaker(Box::new(m))))
        }),
        "retry" => cfg.retry.as_ref().map_or_else(unsupported, |c| {
            Retry::new(c).map(|m| Built::One(Mw::Retry(m)))
        }),
        "buffering" => cfg.buffering.as_ref().map_or_else(unsupported, |c| {
            Buffering::new(c).map(|m| Built::One(Mw::Buffering(m)))
        }),
        "replacePath" => cfg.replace_path.as_ref().map_or_else(unsupported, |c| {
            Ok(Built::One(Mw::ReplacePath(ReplacePath::new(c))))
        }),
        "replacePathRegex" => cfg
            .replace_path_regex
            .as_ref()
            .map_or_else(unsupported, |c| {
                ReplacePathRegex::new(c).map(|m| Built::One(Mw::ReplacePathRegex(m)))
            }),
        "stripPrefixRegex" => cfg
            .strip_prefix_regex
            .as_ref()
            .map_or_else(unsupported, |c| {
                StripPrefixRegex::new(c).map(|m| Built::One(Mw::StripPrefixRegex(m)))
            }),
        "redirectRegex" => cfg.redirect_regex.as_ref().map_or_else(unsupported, |c| {
            RedirectRegex::new(c).map(|m| Built::One(Mw::RedirectRegex(m)))
        }),
        "encodedCharacters" => cfg
            .encoded_characters
            .as_ref()
            .map_or_else(unsupported, |c| {
                Ok(Built::One(Mw::EncodedCharacters(EncodedCharacters::new(c))))
            }),
        "passTLSClientCert" => cfg
            .pass_tls_client_cert
            .as_ref()
            .map_or_else(unsupported, |c| {
                Ok(Built::One(Mw::PassTlsClientCert(PassTlsClientCert::new(c))))
            }),
        "contentType" => cfg.content_type.as_ref().map_or_else(unsupported, |c| {
            Ok(Built::One(Mw::ContentType(ContentType::new(c))))
        }),
        "compress" => cfg.compress.as_ref().map_or_else(unsupported, |c| {
            Compress::new(c).map(|m| Built::One(Mw::Compress(m)))
        }),
        "errors" => cfg.errors.as_ref().map_or_else(unsupported, |c| {
            let s = service(&c.service).map_err(|e| format!("errors.service: {e}"))?;
            Errors::new(c, s).map(|m| Built::One(Mw::Errors(m)))
        }),
        "forwardAuth" => cfg.forward_auth.as_ref().map_or_else(unsupported, |c| {
            ForwardAuth::new(name, c).map(|m| Built::One(Mw::ForwardAuth(Box::new(m))))
        }),
        "grpcWeb" => cfg.grpc_web.as_ref().map_or_else(unsupported, |c| {
            Ok(Built::One(Mw::GrpcWeb(GrpcWeb::new(c))))
        }),
        "jwt" => cfg
            .jwt
            .as_ref()
            .map_or_else(unsupported, |c| Jwt::new(c).map(|m| Built::One(Mw::Jwt(m)))),
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
            Mw::RateLimit(m) => m.request(req, ctx),
            Mw::InFlightReq(m) => m.request(req, ctx),
            Mw::BasicAuth(m) => m.request(req),
            Mw::DigestAuth(m) => m.request(req),
            Mw::ReplacePath(m) => m.request(req),
            Mw::ReplacePathRegex(m) => m.request(req),
            Mw::StripPrefixRegex(m) => m.request(req),
            Mw::RedirectRegex(m) => m.request(req, ctx),
            Mw::EncodedCharacters(m) => m.request(req),
            Mw::PassTlsClientCert(m) => m.request(req),
            Mw::Jwt(m) => m.request(req),
            Mw::GrpcWeb(m) => m.request(req),
            Mw::ContentType(m) if !m.enabled() => Flow::Next,
            Mw::Compress(m) => m.request(req),
            Mw::CircuitBreaker(m) => m.request(),
            Mw::ForwardAuth(_) => Flow::Wrap,
            Mw::Retry(_) | Mw::Buffering(_) | Mw::ContentType(_) | Mw::Errors(_) => Flow::Wrap,
        }
    }

    /// For a middleware that answered [`Flow::Wrap`]: serves `req` around `next`. Boxed, as
    /// the walk recurses through it, each in a box the size of its own future (one box for
    /// all would be the size of the largest, copied whole for every request).
    pub fn wrap<'a>(
        &'a self,
        req: Request,
        next: &'a mut Next<'_>,
    ) -> Pin<Box<dyn Future<Output = Response> + Send + 'a>> {
        match self {
            Mw::CircuitBreaker(m) => Box::pin(m.wrap(req, next)),
            Mw::Retry(m) => m.wrap(req, next),
            Mw::Buffering(m) => Box::pin(m.wrap(req, next)),
            Mw::ForwardAuth(m) => Box::pin(m.wrap(req, next)),
            Mw::ContentType(m) => Box::pin(m.wrap(req, next)),
            Mw::Compress(m) => Box::pin(m.wrap(req, next)),
            Mw::Headers(m) => Box::pin(m.wrap(req, next)),
            Mw::Errors(m) => Box::pin(m.wrap(req, next)),
            Mw::GrpcWeb(m) => Box::pin(m.wrap(req, next)),
            _ => Box::pin(next.run(req)),
        }
    }

    /// For the last middleware of a chain: a `retry` whose tries for `req` the service
    /// step runs itself ([`Tries`]) instead of wrapping it.
    pub(crate) fn service_tries(&self, req: &Request) -> Option<Tries<'_>> {
        match self {
            Mw::Retry(r) if r.service_tries(req) => Some(Tries::new(r)),
            _ => None,
        }
    }

    pub fn response(&self, resp: &mut Response, ctx: MwCtx) {
        match self {
            Mw::Headers(m) => m.response(resp, ctx),
            Mw::CircuitBreaker(m) => m.response(resp),
            _ => {}
        }
    }

    /// Whether it reads the client certificate chain (the handler then passes it).
    pub(crate) fn wants_client_certs(&self) -> bool {
        matches!(self, Mw::PassTlsClientCert(_))
    }

    /// A fresh instance for another router, for middlewares with per-source state.
    fn for_router(&self) -> Option<Mw> {
        match self {
            Mw::RateLimit(m) => Some(Mw::RateLimit(m.for_router())),
            Mw::InFlightReq(m) => Some(Mw::InFlightReq(m.for_router())),
            Mw::DigestAuth(m) => Some(Mw::DigestAuth(m.for_router())),
            Mw::CircuitBreaker(m) => Some(Mw::CircuitBreaker(Box::new(m.for_router()))),
            _ => None,
        }
    }
}

// === impl Held ===

impl Held {
    pub fn push(&mut self, slot: Slot) {
        // Rare (inFlightReq routers) and short: usually one slot.
        let mut slots = self.0.take().map(Vec::from).unwrap_or_default();
        slots.push(slot);
        self.0 = Some(slots.into_boxed_slice());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }
}

// === impl PerRouter ===

impl PerRouter {
    /// The router's chain on entry point `ep` from the `shared` middlewares (flattened,
    /// the entry point's first): stateless ones as they are, stateful ones the router's own.
    pub fn chain(&mut self, ep: &str, ep_model: bool, shared: Vec<Arc<Mw>>) -> Vec<Arc<Mw>> {
        let copy = ep_model.then_some(ep);
        shared
            .into_iter()
            .enumerate()
            .map(|(pos, mw)| {
                let own = self
                    .0
                    .iter()
                    .find(|(c, p, _)| c.as_deref() == copy && *p == pos);
                if let Some((_, _, own)) = own {
                    return own.clone();
                }
                let Some(fresh) = mw.for_router() else {
                    return mw;
                };
                let fresh = Arc::new(fresh);
                self.0.push((copy.map(str::to_string), pos, fresh.clone()));
                fresh
            })
            .collect()
    }
}

/// Whether Traefik applies an entry point model to the routers of `ep` (its internal
/// provider's `entryPointModels`): `http.middlewares`, `http.tls`, `http.encodedCharacters`,
/// `observability`, or a `core.defaultRuleSyntax`. A router on several entry points then has
/// a copy per such entry point.
pub fn has_model(ep: Option<&EntryPoint>, default_rule_syntax: bool) -> bool {
    default_rule_syntax
        || ep.is_some_and(|e| {
            e.observability.is_some()
                || e.http.as_ref().is_some_and(|h| {
                    !h.middlewares.is_empty() || h.tls.is_some() || h.encoded_characters.is_some()
                })
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use waygate_config::dynamic::middleware::{
        AddPrefix as AddPrefixConfig, RateLimit as RlConfig,
    };

    fn one(cfg: Config) -> Arc<Mw> {
        let mut no_service = |n: &str| Err(format!("no service {n}"));
        match build("m@test", &cfg, &mut no_service).expect("builds") {
            Built::One(mw) => Arc::new(mw),
            Built::Chain(_) => panic!("not a chain"),
        }
    }

    #[test]
    fn stateful_middlewares_are_the_routers_own_per_position_and_model() {
        let rl = one(Config {
            rate_limit: Some(Box::new(RlConfig {
                average: 1,
                ..RlConfig::default()
            })),
            ..Config::default()
        });
        let add = one(Config {
            add_prefix: Some(Box::new(AddPrefixConfig {
                prefix: "/a".into(),
            })),
            ..Config::default()
        });
        let mut own = PerRouter::default();
        let web = own.chain("web", false, vec![rl.clone(), add.clone(), rl.clone()]);
        assert!(Arc::ptr_eq(&web[1], &add), "stateless: shared");
        assert!(!Arc::ptr_eq(&web[0], &rl), "stateful: the router's own");
        assert!(!Arc::ptr_eq(&web[0], &web[2]), "one instance per position");
        // Entry points without a model share the router's handlers ...
        let other = own.chain("other", false, vec![rl.clone(), add.clone(), rl.clone()]);
        assert!(Arc::ptr_eq(&web[0], &other[0]) && Arc::ptr_eq(&web[2], &other[2]));
        // ... one with a model has a copy of the router, with handlers of its own.
        let secure = own.chain("websecure", true, vec![rl.clone()]);
        assert!(!Arc::ptr_eq(&web[0], &secure[0]));
        // Another router has its own too.
        let next = PerRouter::default().chain("web", false, vec![rl.clone()]);
        assert!(!Arc::ptr_eq(&web[0], &next[0]));
    }

    #[test]
    fn entry_point_models_as_traefik_makes_them() {
        use waygate_config::static_config::EntryPointHttp;
        let ep = |http: EntryPointHttp| EntryPoint {
            http: Some(http),
            ..EntryPoint::default()
        };
        assert!(!has_model(None, false));
        assert!(has_model(None, true), "core.defaultRuleSyntax");
        assert!(!has_model(Some(&EntryPoint::default()), false));
        let plain = ep(EntryPointHttp {
            encode_query_semicolons: true,
            ..EntryPointHttp::default()
        });
        assert!(!has_model(Some(&plain), false));
        let with_mws = ep(EntryPointHttp {
            middlewares: vec!["m".into()],
            ..EntryPointHttp::default()
        });
        assert!(has_model(Some(&with_mws), false));
        let with_tls = ep(EntryPointHttp {
            tls: Some(Default::default()),
            ..EntryPointHttp::default()
        });
        assert!(has_model(Some(&with_tls), false));
    }
}
