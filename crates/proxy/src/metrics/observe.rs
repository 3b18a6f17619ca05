//! One request's observation: started in the **http** stage (method, protocol, TLS, request
//! size), told the router and whether the service was reached, the status of the answer,
//! and the response bytes as they go out; it records into the pre-resolved handles when the
//! response body is done (it lives in the `ServedBody`), so durations and sizes cover the
//! whole exchange as in Traefik. Nothing here runs when `metrics.prometheus` is off.

use std::sync::Arc;

use bytes::Bytes;
use http_body::Frame;

use super::labels;
use super::registry::{EntryPointMetrics, RouterMetrics};

/// An observed request (boxed: the response body carries a pointer only).
#[derive(Debug)]
pub(crate) struct Observation {
    ep: Arc<EntryPointMetrics>,
    /// Set once a router took the request: `Some(None)` when metrics are off for it.
    router: Option<Option<Arc<RouterMetrics>>>,
    served: bool,
    method: u8,
    protocol: u8,
    code: u16,
    tls: Option<u32>,
    request_bytes: u64,
    response_bytes: u64,
    started: tokio::time::Instant,
    header_values: Option<Box<[String]>>,
}

/// What a handle records.
pub(crate) struct Recorded<'a> {
    pub(crate) key: u32,
    pub(crate) ns: u64,
    pub(crate) request_bytes: u64,
    pub(crate) response_bytes: u64,
    pub(crate) tls: Option<u32>,
    pub(crate) header_values: Option<&'a [String]>,
}

// === impl Observation ===

impl Observation {
    /// Starts observing `req` on an entry point whose table has metrics.
    pub(crate) fn start(
        ep: &Arc<EntryPointMetrics>,
        req: &http::Request<crate::body::Inbound>,
        tls: Option<&crate::tls::TlsInfo>,
        started: tokio::time::Instant,
    ) -> Box<Self> {
        let headers = req.headers();
        // From the framing the server parsed: no header lookup.
        let request_bytes = req.body().length();
        let header_values = (!ep.header_labels.is_empty()).then(|| {
            ep.header_labels
                .iter()
                .map(|(_, h)| {
                    headers
                        .get(h)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string()
                })
                .collect()
        });
        Box::new(Self {
            ep: ep.clone(),
            router: None,
            served: false,
            method: labels::method(req.method()),
            protocol: labels::protocol(headers, req.body().noted()),
            code: 0,
            tls: tls.and_then(labels::tls_key),
            request_bytes,
            response_bytes: 0,
            started,
            header_values,
        })
    }

    /// A router took the request.
    #[inline]
    pub(crate) fn routed(&mut self, metrics: Option<&Arc<RouterMetrics>>) {
        self.router = Some(metrics.cloned());
    }

    /// The request reached the router's service (no middleware answered).
    #[inline]
    pub(crate) fn reached_service(&mut self) {
        self.served = true;
    }

    /// The response head: its status, or the gRPC status for gRPC requests.
    pub(crate) fn answered<B>(&mut self, resp: &http::Response<B>) {
        self.code = resp.status().as_u16();
        if self.is_grpc() {
            // Usually a trailer; `frame` replaces this when one arrives.
            self.code = labels::grpc_status(resp.headers()).unwrap_or(2);
        }
    }

    /// A frame of the response body on its way out.
    #[inline]
    pub(crate) fn frame(&mut self, frame: &Frame<Bytes>) {
        if let Some(d) = frame.data_ref() {
            self.response_bytes += d.len() as u64;
        } else if let Some(t) = frame.trailers_ref()
            && self.is_grpc()
            && let Some(code) = labels::grpc_status(t)
        {
            self.code = code;
        }
    }

    fn is_grpc(&self) -> bool {
        self.protocol == labels::GRPC || self.protocol == labels::GRPC_WEB
    }
}

impl Drop for Observation {
    fn drop(&mut self) {
        // As Traefik: the router's setting decides for its requests (entry point series
        // included); the entry point's for requests no router took.
        let router = match &self.router {
            None if self.ep.on => None,
            None | Some(None) => return,
            Some(Some(r)) => Some(r),
        };
        let r = Recorded {
            key: labels::key(self.method, self.protocol, self.code),
            ns: u64::try_from(self.started.elapsed().as_nanos()).unwrap_or(u64::MAX),
            request_bytes: self.request_bytes,
            response_bytes: self.response_bytes,
            tls: self.tls,
            header_values: self.header_values.as_deref(),
        };
        if let Some(h) = &self.ep.series {
            h.record(&r);
        }
        if let Some(rm) = router {
            if let Some(h) = &rm.router {
                h.record(&r);
            }
            if self.served
                && let Some(h) = &rm.service
            {
                h.record(&r);
            }
        }
    }
}
