//! Entry-point header behaviour that is not a middleware (reference §4.0): `X-Forwarded-*`
//! and `X-Real-Ip` trusted only from `forwardedHeaders.trustedIPs` (or `insecure`), then set
//! for the backend; hop-by-hop headers removed.

use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

use http::header::{CONNECTION, Entry, HOST, HeaderMap, HeaderName, HeaderValue, UPGRADE};
use ipnet::IpNet;
use waygate_config::static_config::ForwardedHeaders;

mod deferred;

pub(crate) use self::deferred::{ConnLines, Deferred};

static X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
static X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
static X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
static X_FORWARDED_PORT: HeaderName = HeaderName::from_static("x-forwarded-port");
static X_FORWARDED_SERVER: HeaderName = HeaderName::from_static("x-forwarded-server");
static X_REAL_IP: HeaderName = HeaderName::from_static("x-real-ip");

/// Headers an untrusted client may not set (underscore spellings are removed too).
pub(crate) fn is_managed(name: &str) -> bool {
    matches!(
        name,
        "x-forwarded-proto"
            | "x-forwarded-for"
            | "x-forwarded-host"
            | "x-forwarded-port"
            | "x-forwarded-server"
            | "x-forwarded-uri"
            | "x-forwarded-method"
            | "x-forwarded-prefix"
            | "x-forwarded-tls-client-cert"
            | "x-forwarded-tls-client-cert-info"
            | "x-forwarded-scheme"
            | "x-scheme"
            | "x-real-ip"
    )
}

/// An entry point's `forwardedHeaders` settings, compiled.
#[derive(Debug, Clone, Default)]
pub struct ForwardedPolicy {
    insecure: bool,
    trusted: Vec<IpNet>,
    keep_connection: Vec<HeaderName>,
    not_append_xff: bool,
}

/// What the policy needs to know about one request.
pub struct RequestFacts<'a> {
    pub client_ip: IpAddr,
    pub tls: bool,
    pub websocket: bool,
    /// The Host the client asked for (authority or Host header), with port if given: its
    /// value becomes `X-Forwarded-Host` as is (a shared clone, no copy).
    pub host: Option<&'a HeaderValue>,
    /// `X-Forwarded-Server`: this machine's host name.
    pub server: &'a HeaderValue,
    /// The client IP as a header value (`X-Real-Ip`, `X-Forwarded-For`), made once per
    /// connection by [`client_ip_value`].
    pub client_ip_value: &'a HeaderValue,
}

/// The client IP as it appears in `X-Real-Ip` / `X-Forwarded-For` (IPv4-mapped IPv6 as IPv4).
pub fn client_ip_value(ip: IpAddr) -> HeaderValue {
    HeaderValue::from_str(&canonical(ip).to_string())
        .unwrap_or_else(|_| HeaderValue::from_static("unknown"))
}

// === impl ForwardedPolicy ===

impl ForwardedPolicy {
    pub fn new(cfg: Option<&ForwardedHeaders>, not_append_xff: bool) -> Self {
        let Some(cfg) = cfg else {
            return Self {
                not_append_xff,
                ..Self::default()
            };
        };
        let trusted = cfg
            .trusted_ips
            .iter()
            .filter_map(|s| {
                s.parse::<IpNet>()
                    .ok()
                    .or_else(|| s.parse::<IpAddr>().ok().map(IpNet::from))
            })
            .collect();
        let keep_connection = cfg
            .connection
            .iter()
            .filter_map(|h| h.parse().ok())
            .collect();
        Self {
            insecure: cfg.insecure,
            trusted,
            keep_connection,
            not_append_xff: not_append_xff || cfg.not_append_x_forwarded_for,
        }
    }

    /// Whether `X-Forwarded-*` from this client are kept.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.insecure || self.trusted.iter().any(|net| net.contains(&ip))
    }

    /// Applies §4.0 to the request headers, as the backend receives them when no middleware
    /// intervenes: [`rewrite`](Self::rewrite), then [`append_client`](Self::append_client).
    pub fn apply(&self, headers: &mut HeaderMap, facts: &RequestFacts<'_>) {
        let _ = self.rewrite(headers, facts);
        self.append_client(headers, facts.client_ip_value);
    }

    /// The entry point's part of §4.0, before the middlewares (Traefik's `forwardedHeaders`
    /// handler): untrusted `X-Forwarded-*` removed, the missing ones set. The client's own
    /// address is not in `X-Forwarded-For` yet (`ipStrategy.depth` counts without it); several
    /// lines of it are read as one list (`ipStrategy`) and joined when forwarding.
    ///
    /// Returns whether the client is trusted: otherwise no `X-Forwarded-For` is left (the
    /// access log need not look for one).
    #[inline]
    pub fn rewrite(&self, headers: &mut HeaderMap, facts: &RequestFacts<'_>) -> bool {
        let trusted = self.trusts(facts.client_ip);
        if !trusted {
            remove_managed(headers);
        }
        // X-Real-Ip, X-Forwarded-Proto/-Host/-Port/-Server here, X-Forwarded-For later: the
        // map grows at most once.
        headers.reserve(6);
        // `entry`: one hash and probe per name where `contains_key` + `insert` took two.
        if let Entry::Vacant(v) = headers.entry(&X_REAL_IP) {
            v.insert(facts.client_ip_value.clone());
        }
        if let Entry::Vacant(v) = headers.entry(&X_FORWARDED_PROTO) {
            let proto = match (facts.websocket, facts.tls) {
                (true, true) => "wss",
                (true, false) => "ws",
                (false, true) => "https",
                (false, false) => "http",
            };
            v.insert(HeaderValue::from_static(proto));
        }
        if let Some(value) = facts.host
            && let Ok(host) = value.to_str()
        {
            if let Entry::Vacant(v) = headers.entry(&X_FORWARDED_HOST) {
                v.insert(value.clone());
            }
            if let Entry::Vacant(v) = headers.entry(&X_FORWARDED_PORT) {
                let port = match port_of(host) {
                    Some(port) => HeaderValue::from_str(port).ok(),
                    None => Some(HeaderValue::from_static(if facts.tls {
                        "443"
                    } else {
                        "80"
                    })),
                };
                if let Some(port) = port {
                    v.insert(port);
                }
            }
        }
        headers.insert(&X_FORWARDED_SERVER, facts.server.clone());
        trusted
    }

    /// [`rewrite`](Self::rewrite) and [`append_client`](Self::append_client) for a request
    /// nothing reads these headers from before it is forwarded (no middleware, no captured
    /// headers, no upgrade): an untrusted client's are removed and the gateway's own are
    /// returned, to be written with the head ([`Deferred`]). A trusted client's request is
    /// rewritten as usual (`None`): its own fields are kept where set.
    /// `conn`: the connection's fields, made by its first deferred request (they depend only
    /// on the connection and this static policy).
    pub(crate) fn defer(
        &self,
        headers: &mut HeaderMap,
        facts: &RequestFacts<'_>,
        conn: &OnceLock<Arc<ConnLines>>,
    ) -> Option<Deferred> {
        if self.trusts(facts.client_ip) {
            return None;
        }
        remove_managed(headers);
        let conn = conn.get_or_init(|| {
            Arc::new(ConnLines::new(
                facts.client_ip_value,
                facts.server,
                facts.tls,
                !self.not_append_xff,
            ))
        });
        Some(Deferred {
            conn: conn.clone(),
            host: facts.host.cloned(),
            pending_host: None,
        })
    }

    /// Appends the client's address to `X-Forwarded-For` (unless `notAppendXForwardedFor`),
    /// as Traefik's proxy does when it forwards the request: after the middlewares. Several
    /// lines become one.
    #[inline]
    pub fn append_client(&self, headers: &mut HeaderMap, client_ip_value: &HeaderValue) {
        let mut existing = headers.get_all(&X_FORWARDED_FOR).iter();
        let Some(first) = existing.next() else {
            // The common case: no proxy before us.
            if !self.not_append_xff {
                headers.insert(&X_FORWARDED_FOR, client_ip_value.clone());
            }
            return;
        };
        let mut joined = first.to_str().unwrap_or_default().to_string();
        for v in existing {
            joined.push_str(", ");
            joined.push_str(v.to_str().unwrap_or_default());
        }
        if !self.not_append_xff {
            joined.push_str(", ");
            joined.push_str(client_ip_value.to_str().unwrap_or_default());
        }
        insert(headers, &X_FORWARDED_FOR, &joined);
    }

    /// Removes hop-by-hop headers (and those the client listed in `Connection`, unless kept by
    /// `forwardedHeaders.connection` or managed by the gateway). For an upgrade, `Upgrade` and
    /// `Connection: upgrade` are kept. One pass over the headers; removals only for what is
    /// there. `connection`: false when the head is known to have no `Connection` field
    /// (the fast path noted none), which saves its lookup.
    pub fn strip_hop_by_hop(&self, headers: &mut HeaderMap, upgrade: bool, connection: bool) {
        if connection {
            for name in crate::tokens::connection_listed(headers) {
                if !is_managed(name.as_str())
                    && !self.keep_connection.contains(&name)
                    && name != UPGRADE
                {
                    headers.remove(&name);
                }
            }
        }
        let upgrade_value = if upgrade {
            headers.get(UPGRADE).cloned()
        } else {
            None
        };
        let hop: Vec<HeaderName> = headers
            .keys()
            .filter(|k| crate::hop::is_hop_by_hop(k.as_str()))
            .cloned()
            .collect();
        // `TE: trailers` goes on, as Go's reverse proxy keeps it (gRPC servers require it).
        let te_trailers = hop.contains(&http::header::TE)
            && headers.get_all(http::header::TE).iter().any(|v| {
                v.to_str()
                    .unwrap_or_default()
                    .split(',')
                    .any(|t| t.trim().eq_ignore_ascii_case("trailers"))
            });
        for name in hop {
            headers.remove(name);
        }
        if te_trailers {
            headers.insert(http::header::TE, HeaderValue::from_static("trailers"));
        }
        if let Some(v) = upgrade_value {
            headers.insert(UPGRADE, v);
            headers.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
        }
    }
}

/// Removes the managed headers an untrusted client sent (underscore spellings too): one
/// pass over the names, removals only for what is there. (`forwardAuth` strips them so
/// from the auth request when `trustForwardHeader` is false.)
pub(crate) fn remove_managed(headers: &mut HeaderMap) {
    let doomed: Vec<HeaderName> = headers
        .keys()
        .filter(|k| {
            let n = k.as_str();
            is_managed(n) || (n.contains('_') && is_managed(&n.replace('_', "-")))
        })
        .cloned()
        .collect();
    for name in doomed {
        headers.remove(name);
    }
}

fn insert(headers: &mut HeaderMap, name: &HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        headers.insert(name, v);
    }
}

/// IPv4-mapped IPv6 addresses as IPv4 (a dual-stack listener reports them).
pub(crate) fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The port of a `host[:port]` authority, if any.
fn port_of(host: &str) -> Option<&str> {
    // The last `:` or `]`: a `:` after any `]` starts the port (one byte scan, no searcher).
    let at = host.bytes().rposition(|c| c == b':' || c == b']')?;
    let port = &host[at + 1..];
    (host.as_bytes()[at] == b':' && !port.is_empty()).then_some(port)
}

/// The Host the request addresses: the absolute-form/`:authority` wins over the Host header.
pub fn request_host<'a>(uri: &'a http::Uri, headers: &'a HeaderMap) -> Option<&'a str> {
    uri.authority()
        .map(|a| a.as_str())
        .or_else(|| headers.get(HOST).and_then(|h| h.to_str().ok()))
}

#[cfg(test)]
mod tests;
