//! Forwarding one request to one server: request target, Host, protocol version, hop-by-hop
//! headers, and protocol upgrades (WebSocket and friends) tunnelled both ways.

use std::net::IpAddr;

use http::header::{HOST, HeaderValue};
use http::{StatusCode, Uri, Version};
use hyper_util::rt::TokioIo;
use tracing::debug;

use super::lb::Target;
use crate::rescue::ProxyError;
use crate::{Body, Request, Response};

/// Per-request facts the service stage needs.
#[derive(Debug, Clone)]
pub struct RequestCtx {
    pub client_ip: IpAddr,
    /// The authority the client addressed (for `Host` when the client spoke HTTP/2).
    pub authority: Option<HeaderValue>,
    /// The client asked for a protocol upgrade.
    pub upgrade: bool,
}

pub(crate) async fn forward(
    mut req: Request,
    target: &Target,
    pass_host_header: bool,
    ctx: &RequestCtx,
) -> Result<Response, ProxyError> {
    set_target(&mut req, target)?;
    if pass_host_header {
        if let (false, Some(a)) = (req.headers().contains_key(HOST), &ctx.authority) {
            req.headers_mut().insert(HOST, a.clone());
        }
    } else if let Ok(v) = HeaderValue::from_str(target.authority.as_str()) {
        req.headers_mut().insert(HOST, v);
    }
    *req.version_mut() = if target.h2c {
        Version::HTTP_2
    } else {
        Version::HTTP_11
    };

    let client_upgrade = ctx.upgrade.then(|| hyper::upgrade::on(&mut req));
    let sent = target.pool.send(req);
    let mut resp = match target.response_header_timeout {
        Some(t) => tokio::time::timeout(t, sent)
            .await
            .map_err(|_| ProxyError::Timeout)??,
        None => sent.await?,
    };

    if resp.status() == StatusCode::SWITCHING_PROTOCOLS {
        if let Some(client_upgrade) = client_upgrade {
            tunnel(client_upgrade, hyper::upgrade::on(&mut resp));
        }
        return Ok(resp.map(|_| Body::Empty));
    }
    strip_response_hop_by_hop(resp.headers_mut());
    Ok(resp)
}

/// HTTP/1.1 upstreams get the origin form (`/path?query`); HTTP/2 needs scheme and authority
/// for its pseudo-headers. The common case (origin form in, no path prefix) keeps the URI.
fn set_target(req: &mut Request, target: &Target) -> Result<(), ProxyError> {
    let rebuild = target.h2c || !target.base_path.is_empty() || req.uri().authority().is_some();
    if !rebuild {
        return Ok(());
    }
    let pq = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let joined;
    let pq = if target.base_path.is_empty() {
        pq
    } else {
        joined = format!("{}{pq}", target.base_path.trim_end_matches('/'));
        &joined
    };
    let mut b = Uri::builder();
    if target.h2c {
        b = b
            .scheme(target.scheme.clone())
            .authority(target.authority.clone());
    }
    *req.uri_mut() = b
        .path_and_query(pq)
        .build()
        .map_err(|_| ProxyError::BadRequest("request target cannot be forwarded"))?;
    Ok(())
}

/// Copies bytes both ways between the client's and the backend's upgraded connections.
fn tunnel(client: hyper::upgrade::OnUpgrade, upstream: hyper::upgrade::OnUpgrade) {
    tokio::spawn(async move {
        match tokio::try_join!(client, upstream) {
            Ok((client, upstream)) => {
                let mut client = TokioIo::new(client);
                let mut upstream = TokioIo::new(upstream);
                if let Err(e) = tokio::io::copy_bidirectional(&mut client, &mut upstream).await {
                    debug!(error = %e, "upgraded connection closed");
                }
            }
            Err(e) => debug!(error = %e, "upgrade failed"),
        }
    });
}

/// Removes hop-by-hop headers from an upstream response, in one pass over its headers.
fn strip_response_hop_by_hop(headers: &mut http::HeaderMap) {
    let hop: Vec<http::HeaderName> = headers
        .keys()
        .filter(|k| {
            matches!(
                k.as_str(),
                "connection" | "keep-alive" | "proxy-connection" | "te" | "trailer" | "upgrade"
            )
        })
        .cloned()
        .collect();
    for name in hop {
        headers.remove(name);
    }
}
