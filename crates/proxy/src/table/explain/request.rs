//! The explained request: built from a method, a URL and header lines as a client sends them
//! (origin-form target, `Host` from the URL unless given), then put through the entry point's
//! **http** stage checks (`handler::check_head`: header hygiene, one authority, path cleaning,
//! query semicolons), exactly as a served request is, before the rules see it.

use std::net::IpAddr;

use http::header::{HOST, HeaderName, HeaderValue};
use http::request::Parts;
use http::{HeaderMap, Method, Uri, Version};
use serde::Serialize;
use waygate_rules::{normalize_host, routing_path};

use super::ExplainRequest;
use crate::table::EntryPointTable;

/// The request before any entry point's checks.
#[derive(Debug)]
pub(super) struct Prepared {
    parts: Parts,
    /// `https://`: the TLS routers, and a handshake first.
    pub(super) tls: bool,
    /// The server name the client sends (none for an IP address).
    pub(super) sni: Option<String>,
}

/// What the routers of one entry point see.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Seen {
    /// Normalized: port stripped, lowercased. Empty when the request has none.
    pub host: String,
    /// The path as sent.
    pub raw_path: String,
    /// After `sanitizePath` and escape normalization, when that changed it (the path the
    /// backend receives too).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cleaned_path: Option<String>,
    /// What `Path`/`PathPrefix`/`PathRegexp` match (unreserved escapes decoded), when it
    /// differs from the cleaned path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing_path: Option<String>,
    pub query: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_ip: Option<IpAddr>,
}

/// The request after one entry point's checks: what its routers match.
pub(super) struct Routed {
    method: Method,
    path: String,
    headers: HeaderMap,
    client_ip: Option<IpAddr>,
    pub(super) seen: Seen,
}

pub(super) fn prepare(req: &ExplainRequest) -> Result<Prepared, String> {
    let method = Method::from_bytes(req.method.as_bytes())
        .map_err(|_| format!("invalid method `{}`", req.method))?;
    let uri: Uri = req
        .url
        .parse()
        .map_err(|e| format!("invalid URL `{}`: {e}", req.url))?;
    let tls = match uri.scheme_str() {
        Some("https") => true,
        Some("http") => false,
        _ => return Err(format!("`{}` is not an http:// or https:// URL", req.url)),
    };
    let authority = uri
        .authority()
        .ok_or_else(|| format!("`{}` has no host", req.url))?;
    let target = uri.path_and_query().map_or("/", |pq| pq.as_str());
    let mut builder = http::Request::builder()
        .method(method)
        .uri(target)
        .version(Version::HTTP_11);
    let mut has_host = false;
    for (name, value) in &req.headers {
        let name = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| format!("invalid header name `{name}`"))?;
        let value = HeaderValue::from_str(value.trim())
            .map_err(|_| format!("invalid value for header `{name}`"))?;
        has_host |= name == HOST;
        builder = builder.header(name, value);
    }
    if !has_host {
        builder = builder.header(HOST, authority.as_str());
    }
    let (parts, ()) = builder.body(()).map_err(|e| e.to_string())?.into_parts();
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let sni =
        (tls && host.parse::<IpAddr>().is_err()).then(|| crate::tls::normalize_server_name(host));
    Ok(Prepared { parts, tls, sni })
}

/// Runs the entry point's **http** stage checks; `Err` says why the request is refused.
pub(super) fn at_entry_point(
    prepared: &Prepared,
    ep: &EntryPointTable,
    client_ip: Option<IpAddr>,
) -> Result<Routed, String> {
    let mut parts = clone_parts(&prepared.parts);
    let raw_path = parts.uri.path().to_string();
    let (authority, _, _) = crate::handler::check_head(&mut parts, ep, None, false)
        .map_err(|e| format!("refused before routing: {} ({})", e, e.status()))?;
    let host = normalize_host(authority.as_ref().map_or("", |a| a.to_str().unwrap_or("")));
    let cleaned = parts.uri.path().to_string();
    let routing = routing_path(&cleaned)
        .map_err(|_| "refused before routing: invalid percent-encoding in the path (400)")?
        .into_owned();
    let seen = Seen {
        host: host.into_owned(),
        cleaned_path: (cleaned != raw_path).then(|| cleaned.clone()),
        routing_path: (routing != cleaned).then(|| routing.clone()),
        raw_path,
        query: parts.uri.query().unwrap_or("").to_string(),
        client_ip,
    };
    Ok(Routed {
        method: parts.method,
        path: routing,
        headers: parts.headers,
        client_ip,
        seen,
    })
}

fn clone_parts(parts: &Parts) -> Parts {
    let mut builder = http::Request::builder()
        .method(parts.method.clone())
        .uri(parts.uri.clone())
        .version(parts.version);
    if let Some(headers) = builder.headers_mut() {
        *headers = parts.headers.clone();
    }
    // Method, URI and headers were valid once already.
    match builder.body(()) {
        Ok(req) => req.into_parts().0,
        Err(_) => http::Request::new(()).into_parts().0,
    }
}

// === impl Routed ===

impl Routed {
    pub(super) fn view(&self) -> waygate_rules::Request<'_> {
        waygate_rules::Request {
            method: self.method.as_str(),
            host: &self.seen.host,
            path: &self.path,
            query: &self.seen.query,
            headers: &self.headers,
            client_ip: self.client_ip,
        }
    }
}
