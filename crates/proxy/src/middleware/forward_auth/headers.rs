//! The pure parts of `forwardAuth`: which headers the auth server gets (hop-by-hop removed,
//! `authRequestHeaders`, `X-Forwarded-*` in Traefik's three modes), which of its answer's
//! headers go onto the request (`authResponseHeaders`, `authResponseHeadersRegex`) or back to
//! the client, and the `Set-Cookie` merge of `addAuthCookiesToResponse`.

use http::Method;
use http::header::{
    CONNECTION, CONTENT_LENGTH, HOST, HeaderMap, HeaderName, HeaderValue, SET_COOKIE, TE,
    TRANSFER_ENCODING, UPGRADE,
};
use regex::Regex;
use waygate_accesslog::canonical_header;

use crate::forwarded::remove_managed;

/// Traefik's `forwardedheaders.XHeadersSet`: with `trustForwardHeader: true` they are added to
/// `authRequestHeaders`.
pub(super) const X_HEADERS: [&str; 13] = [
    "x-forwarded-proto",
    "x-forwarded-scheme",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-port",
    "x-forwarded-server",
    "x-forwarded-uri",
    "x-forwarded-method",
    "x-forwarded-prefix",
    "x-forwarded-tls-client-cert",
    "x-forwarded-tls-client-cert-info",
    "x-scheme",
    "x-real-ip",
];

static X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
static X_FORWARDED_METHOD: HeaderName = HeaderName::from_static("x-forwarded-method");
static X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
static X_FORWARDED_PORT: HeaderName = HeaderName::from_static("x-forwarded-port");
static X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
static X_FORWARDED_URI: HeaderName = HeaderName::from_static("x-forwarded-uri");
static KEEP_ALIVE: HeaderName = HeaderName::from_static("keep-alive");
/// oxy's spelling (not `Trailer`), kept as Traefik removes it.
static TRAILERS: HeaderName = HeaderName::from_static("trailers");

/// `trustForwardHeader`: unset (Traefik's legacy handling), `false` or `true`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Trust {
    /// Unset: `X-Forwarded-{For,Proto,Method,Host,Uri}` replaced, the other `X-Forwarded-*`
    /// passed as they are.
    Legacy,
    /// `false`: every `X-Forwarded-*` removed, then set from the connection.
    Strip,
    /// `true`: kept as the entry point left them; the missing ones set, the client appended
    /// to `X-Forwarded-For`.
    Keep,
}

/// How the auth request's headers are made.
#[derive(Debug)]
pub(super) struct AuthRequestHeaders {
    pub(super) trust: Trust,
    /// `authRequestHeaders` (with [`X_HEADERS`] under [`Trust::Keep`]); `None`: all.
    pub(super) allowed: Option<Vec<HeaderName>>,
}

/// What the auth request says about the original request.
#[derive(Debug)]
pub(super) struct Original<'a> {
    pub(super) method: &'a Method,
    /// Go's `URL.RequestURI()`.
    pub(super) uri: &'a str,
    /// The client's IP, as Go's `RemoteAddr` host.
    pub(super) client_ip: &'a HeaderValue,
    pub(super) tls: bool,
}

// === impl AuthRequestHeaders ===

impl AuthRequestHeaders {
    pub(super) fn new(trust: Trust, names: &[String]) -> Result<Self, String> {
        let mut allowed = names
            .iter()
            .map(|n| {
                HeaderName::try_from(n.as_str())
                    .map_err(|_| format!("authRequestHeaders: `{n}` is not a header name"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if allowed.is_empty() {
            return Ok(Self {
                trust,
                allowed: None,
            });
        }
        if trust == Trust::Keep {
            allowed.extend(X_HEADERS.iter().map(|h| HeaderName::from_static(h)));
        }
        Ok(Self {
            trust,
            allowed: Some(allowed),
        })
    }

    /// The auth request's headers from the request's (`Host` is the caller's).
    pub(super) fn build(&self, src: &HeaderMap, orig: &Original<'_>) -> HeaderMap {
        let mut out = src.clone();
        // The client's `Host` and framing do not describe the auth request.
        for name in [&HOST, &CONTENT_LENGTH] {
            out.remove(name);
        }
        remove_hop_by_hop(&mut out);
        if self.trust == Trust::Strip {
            remove_managed(&mut out);
        }
        if let Some(names) = &self.allowed {
            let mut kept = HeaderMap::with_capacity(names.len() + 6);
            for name in names {
                if !kept.contains_key(name) {
                    for v in out.get_all(name) {
                        kept.append(name.clone(), v.clone());
                    }
                }
            }
            out = kept;
        }
        let host = src
            .get(HOST)
            .cloned()
            .unwrap_or(HeaderValue::from_static(""));
        let proto = HeaderValue::from_static(if orig.tls { "https" } else { "http" });
        let method =
            HeaderValue::from_str(orig.method.as_str()).unwrap_or(HeaderValue::from_static("GET"));
        let uri = HeaderValue::from_str(orig.uri).unwrap_or(HeaderValue::from_static("/"));
        if self.trust == Trust::Legacy {
            out.insert(&X_FORWARDED_FOR, orig.client_ip.clone());
            out.insert(&X_FORWARDED_PROTO, proto);
            out.insert(&X_FORWARDED_METHOD, method);
            out.insert(&X_FORWARDED_HOST, host);
            out.insert(&X_FORWARDED_URI, uri);
            return out;
        }
        let xff = joined(&out, &X_FORWARDED_FOR).map_or_else(
            || orig.client_ip.clone(),
            |prior| {
                let client = orig.client_ip.to_str().unwrap_or_default();
                HeaderValue::from_str(&format!("{prior}, {client}"))
                    .unwrap_or_else(|_| orig.client_ip.clone())
            },
        );
        out.insert(&X_FORWARDED_FOR, xff);
        set_missing(&mut out, &X_FORWARDED_METHOD, method);
        set_missing(&mut out, &X_FORWARDED_PROTO, proto);
        if !out.contains_key(&X_FORWARDED_PORT) {
            let port = forwarded_port(&host, out.get(&X_FORWARDED_PROTO), orig.tls);
            out.insert(&X_FORWARDED_PORT, port);
        }
        set_missing(&mut out, &X_FORWARDED_HOST, host);
        set_missing(&mut out, &X_FORWARDED_URI, uri);
        out
    }
}

fn set_missing(headers: &mut HeaderMap, name: &HeaderName, value: HeaderValue) {
    if !headers.contains_key(name) {
        headers.insert(name, value);
    }
}

/// Every line of `name` joined with `, `, if there is any.
fn joined(headers: &HeaderMap, name: &HeaderName) -> Option<String> {
    let mut values = headers.get_all(name).iter();
    let mut out = values.next()?.to_str().unwrap_or_default().to_string();
    for v in values {
        out.push_str(", ");
        out.push_str(v.to_str().unwrap_or_default());
    }
    Some(out)
}

/// Traefik's `forwardedPort`: the `Host`'s port, else 443 for `https`/`wss` or TLS, else 80.
fn forwarded_port(host: &HeaderValue, proto: Option<&HeaderValue>, tls: bool) -> HeaderValue {
    let host = host.to_str().unwrap_or_default();
    // `host:port` or `[v6]:port`; a bare IPv6 address has no port.
    let port = host
        .rsplit_once(':')
        .filter(|(h, p)| !p.is_empty() && (!h.contains(':') || h.ends_with(']')))
        .map(|(_, p)| p);
    if let Some(p) = port
        && let Ok(v) = HeaderValue::from_str(p)
    {
        return v;
    }
    let secure = proto.is_some_and(|p| p == "https" || p == "wss") || tls;
    HeaderValue::from_static(if secure { "443" } else { "80" })
}

/// Removes the headers `Connection` lists, then Traefik's hop-by-hop list (`Proxy-*` stay:
/// they are meant for the auth server).
pub(super) fn remove_hop_by_hop(headers: &mut HeaderMap) {
    let listed: Vec<HeaderName> = headers
        .get_all(CONNECTION)
        .iter()
        .flat_map(|v| {
            v.to_str()
                .unwrap_or_default()
                .split(',')
                .filter_map(|t| HeaderName::try_from(t.trim()).ok())
                .collect::<Vec<_>>()
        })
        .collect();
    for name in listed {
        headers.remove(name);
    }
    for name in [
        &CONNECTION,
        &KEEP_ALIVE,
        &TE,
        &TRAILERS,
        &TRANSFER_ENCODING,
        &UPGRADE,
    ] {
        headers.remove(name);
    }
}

/// The auth server's answer for the client, without its hop-by-hop headers (a denial).
pub(super) fn denial_headers(mut headers: HeaderMap) -> HeaderMap {
    for name in [
        &CONNECTION,
        &KEEP_ALIVE,
        &TE,
        &TRAILERS,
        &TRANSFER_ENCODING,
        &UPGRADE,
    ] {
        headers.remove(name);
    }
    headers
}

/// `authResponseHeaders` then `authResponseHeadersRegex`: the request's own values removed,
/// the auth server's (all lines) set. The regex is matched against Go's canonical names.
pub(super) fn copy_granted(
    req: &mut HeaderMap,
    auth: &HeaderMap,
    names: &[HeaderName],
    regex: Option<&Regex>,
) {
    for name in names {
        req.remove(name);
        for v in auth.get_all(name) {
            req.append(name.clone(), v.clone());
        }
    }
    let Some(re) = regex else { return };
    let matches = |n: &HeaderName| re.is_match(&canonical_header(n.as_str()));
    let doomed: Vec<HeaderName> = req.keys().filter(|n| matches(n)).cloned().collect();
    for name in doomed {
        req.remove(name);
    }
    for name in auth.keys().filter(|n| matches(n)) {
        for v in auth.get_all(name) {
            req.append(name.clone(), v.clone());
        }
    }
}

/// A `Set-Cookie` line's cookie name, if Go's `readSetCookies` would keep the line.
pub(super) fn cookie_name(line: &HeaderValue) -> Option<&str> {
    let line = line.to_str().ok()?.trim();
    let first = line.split(';').next()?;
    let (name, value) = first.split_once('=')?;
    let name = name.trim();
    let value = value.trim();
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    let token = |c: u8| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c);
    let cookie_byte = |c: u8| (0x20..0x7f).contains(&c) && !b"\";\\".contains(&c);
    (!name.is_empty() && name.bytes().all(token) && value.bytes().all(cookie_byte)).then_some(name)
}

/// `addAuthCookiesToResponse`: the response keeps its cookies except those named in `names`,
/// which come from the auth server's answer instead. Only called when the auth server set
/// a cookie; lines Go cannot parse are dropped, as Traefik rewrites them all.
pub(super) fn merge_cookies(resp: &mut HeaderMap, auth: &HeaderMap, names: &[String]) {
    let listed = |line: &HeaderValue| cookie_name(line).map(|n| names.iter().any(|l| l == n));
    let kept: Vec<HeaderValue> = resp
        .get_all(SET_COOKIE)
        .iter()
        .filter(|l| listed(l) == Some(false))
        .cloned()
        .collect();
    resp.remove(SET_COOKIE);
    for line in kept {
        resp.append(SET_COOKIE, line);
    }
    for line in auth.get_all(SET_COOKIE) {
        if listed(line) == Some(true) {
            resp.append(SET_COOKIE, line.clone());
        }
    }
}

/// Whether the auth server set any cookie Go can read (Traefik then rewrites the response's).
pub(super) fn sets_cookies(auth: &HeaderMap) -> bool {
    auth.get_all(SET_COOKIE)
        .iter()
        .any(|l| cookie_name(l).is_some())
}
