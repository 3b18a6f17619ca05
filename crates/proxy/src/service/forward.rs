//! Forwarding one request to one server: absolute URI, Host, protocol version, hop-by-hop
//! headers, and protocol upgrades (WebSocket and friends) tunnelled both ways.

use std::net::IpAddr;

use http::header::{HOST, HeaderValue};
use http::{StatusCode, Uri, Version};
use hyper_util::rt::TokioIo;
use tracing::debug;

use super::lb::Target;
use crate::rescue::ProxyError;
use crate::upstream::Transport;
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
    transport: &Transport,
    ctx: &RequestCtx,
) -> Result<Response, ProxyError> {
    let pq = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let joined;
    let pq = if target.base_path.is_empty() {
        pq
    } else {
        joined = format!("{}{pq}", target.base_path.trim_end_matches('/'));
        &joined
    };
    let uri = Uri::builder()
        .scheme(target.scheme.clone())
        .authority(target.authority.clone())
        .path_and_query(pq)
        .build()
        .map_err(|_| ProxyError::BadRequest("request target cannot be forwarded"))?;
    *req.uri_mut() = uri;
    if pass_host_header {
        if !req.headers().contains_key(HOST)
            && let Some(a) = &ctx.authority
        {
            req.headers_mut().insert(HOST, a.clone());
        }
    } else {
        req.headers_mut().remove(HOST);
    }
    *req.version_mut() = if target.h2c {
        Version::HTTP_2
    } else {
        Version::HTTP_11
    };

    let client_upgrade = ctx.upgrade.then(|| hyper::upgrade::on(&mut req));
    let mut resp = transport.send(req, target.h2c).await?;

    if resp.status() == StatusCode::SWITCHING_PROTOCOLS {
        if let Some(client_upgrade) = client_upgrade {
            let upstream_upgrade = hyper::upgrade::on(&mut resp);
            tokio::spawn(async move {
                match tokio::try_join!(client_upgrade, upstream_upgrade) {
                    Ok((client, upstream)) => {
                        let mut client = TokioIo::new(client);
                        let mut upstream = TokioIo::new(upstream);
                        if let Err(e) =
                            tokio::io::copy_bidirectional(&mut client, &mut upstream).await
                        {
                            debug!(error = %e, "upgraded connection closed");
                        }
                    }
                    Err(e) => debug!(error = %e, "upgrade failed"),
                }
            });
        }
        return Ok(resp.map(|_| Body::Empty));
    }
    strip_response_hop_by_hop(resp.headers_mut());
    Ok(resp.map(Body::from))
}

fn strip_response_hop_by_hop(headers: &mut http::HeaderMap) {
    for name in [
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "upgrade",
    ] {
        headers.remove(name);
    }
}
