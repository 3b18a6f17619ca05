//! A pool's HTTP/2 side: the one shared connection to an `h2c://` server (or an `https://`
//! one whose ALPN chose `h2`), its handshake and the requests sent on it.

use std::sync::PoisonError;

use hyper::client::conn::http2;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tracing::debug;

use super::{Pool, upstream_error};
use crate::rescue::ProxyError;
use crate::{Body, Request};

/// HTTP/2 flow-control windows towards upstreams: 64 KiB per stream (the protocol's
/// default), 1 MiB per connection.
const H2_STREAM_WINDOW: u32 = 64 * 1024;
const H2_CONNECTION_WINDOW: u32 = 1 << 20;

impl Pool {
    /// The shared HTTP/2 connection, if it is still open.
    pub(super) fn shared_h2(&self) -> Option<http2::SendRequest<Body>> {
        self.shared
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .filter(|s| !s.is_closed())
    }

    /// A new HTTP/2 connection, which becomes the shared one.
    pub(super) async fn handshake_h2<I>(
        &self,
        io: I,
    ) -> Result<http2::SendRequest<Body>, ProxyError>
    where
        I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    {
        let (send, conn) = http2::Builder::new(TokioExecutor::new())
            .timer(TokioTimer::new())
            // What a stream may receive before it is read: bounds what a response held back by
            // a slow client pins (hyper's default is 2 MiB per stream).
            .initial_stream_window_size(H2_STREAM_WINDOW)
            .initial_connection_window_size(H2_CONNECTION_WINDOW)
            .handshake(io)
            .await
            .map_err(|e| upstream_error(&e))?;
        let addr = self.addr.clone();
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                debug!(%addr, error = %e, "upstream h2 connection closed");
            }
        });
        *self.shared.lock().unwrap_or_else(PoisonError::into_inner) = Some(send.clone());
        Ok(send)
    }

    /// Sends on an HTTP/2 connection. Requests from the HTTP/1.1 path (an `https://` server
    /// that chose `h2`) get the version and the `:scheme`/`:authority` HTTP/2 needs.
    pub(super) async fn send_on_h2(
        &self,
        mut send: http2::SendRequest<Body>,
        mut req: Request,
    ) -> Result<http::Response<Body>, ProxyError> {
        if req.version() != http::Version::HTTP_2 {
            *req.version_mut() = http::Version::HTTP_2;
            if req.uri().scheme().is_none() {
                // `:authority` is the Host the HTTP/1.1 path would have sent.
                let host = req.headers_mut().remove(http::header::HOST);
                let pq = req.uri().path_and_query().map_or("/", |p| p.as_str());
                let authority = host
                    .and_then(|h| http::uri::Authority::try_from(h.as_bytes()).ok())
                    .map_or_else(|| http::uri::Authority::try_from(self.addr.as_str()), Ok)
                    .map_err(|e| ProxyError::Upstream(format!("request target: {e}")))?;
                let uri = http::Uri::builder()
                    .scheme(http::uri::Scheme::HTTPS)
                    .authority(authority)
                    .path_and_query(pq)
                    .build()
                    .map_err(|e| ProxyError::Upstream(format!("request target: {e}")))?;
                *req.uri_mut() = uri;
            }
        }
        send.ready().await.map_err(|e| upstream_error(&e))?;
        let resp = send
            .send_request(req)
            .await
            .map_err(|e| upstream_error(&e))?;
        Ok(resp.map(Body::from))
    }
}
