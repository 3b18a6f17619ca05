//! `/` (and unknown paths) and `/api`: describe the request in `traefik/whoami`'s formats.
//!
//! Header names are printed in Go's canonical form (`X-Forwarded-For`), sorted, one line per
//! value; `Host` is reported separately, as Go's `net/http` does.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use hyper::{Request, StatusCode, Version, header};
use serde::Serialize;

use crate::body::{self, Body};
use crate::query;
use crate::service::Conn;

/// The `/api` document.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Api<'a> {
    hostname: &'a str,
    ip: Vec<String>,
    headers: BTreeMap<String, Vec<String>>,
    url: &'a str,
    host: String,
    method: &'a str,
    remote_addr: String,
    proto: &'static str,
}

/// Plain-text echo; `?status=NNN` picks the response status.
pub(crate) fn text<B>(conn: &Conn, req: &Request<B>) -> hyper::Response<Body> {
    let status = match query::param(req.uri().query(), "status") {
        None => StatusCode::OK,
        Some(raw) => match raw.parse::<u16>().ok().filter(|c| (200..=599).contains(c)) {
            Some(code) => StatusCode::from_u16(code).unwrap_or(StatusCode::OK),
            None => {
                let msg = format!("invalid status {raw:?}: want 200..=599\n");
                return body::text(StatusCode::BAD_REQUEST, msg);
            }
        },
    };
    let mut out = String::with_capacity(256);
    // Writing to a String cannot fail.
    let _ = writeln!(out, "Hostname: {}", conn.state.name);
    let _ = writeln!(out, "IP: {}", conn.local.ip());
    let _ = writeln!(out, "RemoteAddr: {}", conn.remote);
    let _ = writeln!(
        out,
        "{} {} {}",
        req.method(),
        target(req),
        proto(req.version())
    );
    let _ = writeln!(out, "Host: {}", host(req));
    for (name, values) in headers(req) {
        for value in values {
            let _ = writeln!(out, "{name}: {value}");
        }
    }
    body::text(status, out)
}

/// JSON description.
pub(crate) fn json<B>(conn: &Conn, req: &Request<B>) -> hyper::Response<Body> {
    let api = Api {
        hostname: &conn.state.name,
        ip: vec![conn.local.ip().to_string()],
        headers: headers(req),
        url: target(req),
        host: host(req),
        method: req.method().as_str(),
        remote_addr: conn.remote.to_string(),
        proto: proto(req.version()),
    };
    body::json(StatusCode::OK, &api)
}

/// Path and query as sent (`/api?x`), also for h2 and absolute-form requests.
fn target<B>(req: &Request<B>) -> &str {
    req.uri().path_and_query().map_or("/", |pq| pq.as_str())
}

/// `Host` header, else the URI authority (`:authority` on HTTP/2).
fn host<B>(req: &Request<B>) -> String {
    match req.headers().get(header::HOST) {
        Some(value) => String::from_utf8_lossy(value.as_bytes()).into_owned(),
        None => req
            .uri()
            .authority()
            .map(|a| a.to_string())
            .unwrap_or_default(),
    }
}

/// Headers other than `Host`, canonical names, values in arrival order.
fn headers<B>(req: &Request<B>) -> BTreeMap<String, Vec<String>> {
    let mut map = BTreeMap::<String, Vec<String>>::new();
    for (name, value) in req.headers() {
        if name == header::HOST {
            continue;
        }
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        map.entry(canonical(name.as_str())).or_default().push(value);
    }
    map
}

/// Go's `CanonicalMIMEHeaderKey`: upper-case the first letter and each letter after `-`.
fn canonical(name: &str) -> String {
    let mut upper = true;
    name.chars()
        .map(|c| {
            let out = if upper {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            };
            upper = c == '-';
            out
        })
        .collect()
}

fn proto(version: Version) -> &'static str {
    match version {
        Version::HTTP_09 => "HTTP/0.9",
        Version::HTTP_10 => "HTTP/1.0",
        Version::HTTP_2 => "HTTP/2.0",
        Version::HTTP_3 => "HTTP/3.0",
        _ => "HTTP/1.1",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_names() {
        assert_eq!(canonical("x-forwarded-for"), "X-Forwarded-For");
        assert_eq!(canonical("user-agent"), "User-Agent");
        assert_eq!(canonical("dnt"), "Dnt");
        assert_eq!(canonical("x--y"), "X--Y");
    }
}
