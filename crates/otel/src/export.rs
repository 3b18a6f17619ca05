//! Sending encoded export requests to the collector: OTLP/HTTP (`POST` of
//! `application/x-protobuf` to `/v1/traces`) or OTLP/gRPC (a unary
//! `TraceService/Export` call: the same message in gRPC's length-prefixed framing over
//! HTTP/2), gzip-compressed as Traefik's exporters send them. One pooled client each; a
//! call is bounded by [`EXPORT_TIMEOUT`]. The body is made by a [`Framer`], which the trace
//! exporter runs off the runtime's threads.

mod gzip;
mod tls;

use std::sync::Arc;
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue, USER_AGENT};
use http::{Method, Request, Uri};
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use waygate_config::static_config::{MetricsOtlp, OtlpGrpc, OtlpHttp, TracingOtlp};

use self::gzip::Gzip;

/// The OTLP exporters' default timeout.
pub(crate) const EXPORT_TIMEOUT: Duration = Duration::from_secs(10);

/// What is exported: its OTLP/HTTP default path and its gRPC method.
#[derive(Debug, Clone, Copy)]
enum Signal {
    Traces,
    Metrics,
}

/// Why an export failed (or an exporter could not be built).
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("invalid collector endpoint `{0}`")]
    Endpoint(String),
    #[error("invalid header `{0}`")]
    Header(String),
    #[error("collector TLS: {0}")]
    Tls(String),
    #[error("collector unreachable: {0}")]
    Send(String),
    #[error("collector answered {0}")]
    Status(String),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
}

/// Where and how spans are sent.
pub struct Transport {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    uri: Uri,
    headers: Vec<(HeaderName, HeaderValue)>,
    grpc: bool,
    gzip: Arc<Gzip>,
}

/// Makes a request body from an encoded message: gzip, and gRPC's length-prefixed framing.
/// Owns what it needs, so that it can run on a blocking thread.
pub(crate) struct Framer {
    gzip: Arc<Gzip>,
    grpc: bool,
}

// === impl Framer ===

impl Framer {
    /// The body carrying the message made of `parts`, one after the other.
    pub(crate) fn body(&self, parts: &[&[u8]]) -> Result<Bytes, ExportError> {
        // Gzip, as Traefik's exporters send (its collectors and ours accept both).
        let message = self.gzip.compress(parts)?;
        Ok(if self.grpc {
            // Length-prefixed message: compressed flag 1, big-endian length.
            let mut b = BytesMut::with_capacity(message.len() + 5);
            b.put_u8(1);
            b.put_u32(u32::try_from(message.len()).unwrap_or(u32::MAX));
            b.put_slice(&message);
            b.freeze()
        } else {
            Bytes::from(message)
        })
    }
}

// === impl Transport ===

impl Transport {
    /// From `tracing.otlp`: gRPC when `grpc` is set, else HTTP (its defaults when absent).
    pub fn new(otlp: Option<&TracingOtlp>) -> Result<Self, ExportError> {
        let grpc = otlp.and_then(|o| o.grpc.as_ref());
        let http = otlp.and_then(|o| o.http.as_ref());
        Self::build(grpc, http, Signal::Traces)
    }

    /// From `metrics.otlp`, likewise.
    pub fn for_metrics(otlp: &MetricsOtlp) -> Result<Self, ExportError> {
        Self::build(otlp.grpc.as_ref(), otlp.http.as_ref(), Signal::Metrics)
    }

    fn build(
        grpc: Option<&OtlpGrpc>,
        http: Option<&OtlpHttp>,
        signal: Signal,
    ) -> Result<Self, ExportError> {
        match grpc {
            Some(grpc) => Self::grpc(grpc, signal),
            None => Self::http(&http.cloned().unwrap_or_default(), signal),
        }
    }

    fn http(cfg: &OtlpHttp, signal: Signal) -> Result<Self, ExportError> {
        let bad = || ExportError::Endpoint(cfg.endpoint.clone());
        let uri: Uri = cfg.endpoint.parse().map_err(|_| bad())?;
        let scheme = uri.scheme_str().ok_or_else(bad)?;
        if scheme != "http" && scheme != "https" {
            return Err(bad());
        }
        let authority = uri.authority().ok_or_else(bad)?.clone();
        // Go's exporter posts to the endpoint's path, `/v1/traces` (`/v1/metrics`) when it
        // has none.
        let default = match signal {
            Signal::Traces => "/v1/traces",
            Signal::Metrics => "/v1/metrics",
        };
        let after_scheme = cfg.endpoint.split_once("://").map_or("", |(_, r)| r);
        let path = after_scheme
            .find('/')
            .map_or(default, |i| &after_scheme[i..]);
        let uri = Uri::builder()
            .scheme(scheme)
            .authority(authority)
            .path_and_query(path)
            .build()
            .map_err(|_| bad())?;
        let tls = tls::client_config(cfg.tls.as_ref())?;
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .build();
        Ok(Self {
            client: Client::builder(TokioExecutor::new()).build(connector),
            uri,
            headers: headers(&cfg.headers)?,
            grpc: false,
            gzip: Arc::default(),
        })
    }

    fn grpc(cfg: &OtlpGrpc, signal: Signal) -> Result<Self, ExportError> {
        let bad = || ExportError::Endpoint(cfg.endpoint.clone());
        // `host:port`, as Traefik requires (a scheme is tolerated and ignored).
        let host_port = cfg
            .endpoint
            .split_once("://")
            .map_or(cfg.endpoint.as_str(), |(_, rest)| rest)
            .trim_end_matches('/');
        let scheme = if cfg.insecure { "http" } else { "https" };
        let uri = Uri::builder()
            .scheme(scheme)
            .authority(host_port)
            .path_and_query(match signal {
                Signal::Traces => "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
                Signal::Metrics => {
                    "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"
                }
            })
            .build()
            .map_err(|_| bad())?;
        if uri.port().is_none() {
            return Err(bad());
        }
        let tls = tls::client_config(cfg.tls.as_ref())?;
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http2()
            .build();
        let client = Client::builder(TokioExecutor::new())
            .http2_only(true)
            .build(connector);
        Ok(Self {
            client,
            uri,
            headers: headers(&cfg.headers)?,
            grpc: true,
            gzip: Arc::default(),
        })
    }

    /// Where spans go, for logs.
    pub fn describe(&self) -> String {
        format!("{} ({})", self.uri, if self.grpc { "gRPC" } else { "HTTP" })
    }

    /// The body maker for this collector (gzip; gRPC framing for gRPC).
    pub(crate) fn framer(&self) -> Framer {
        Framer {
            gzip: self.gzip.clone(),
            grpc: self.grpc,
        }
    }

    /// Sends one encoded export request (`ExportTraceServiceRequest`, …).
    pub async fn send(&self, message: &[u8]) -> Result<(), ExportError> {
        let body = self.framer().body(&[message])?;
        self.send_body(body).await
    }

    /// Sends a body made by [`Transport::framer`].
    pub(crate) async fn send_body(&self, body: Bytes) -> Result<(), ExportError> {
        match tokio::time::timeout(EXPORT_TIMEOUT, self.call(body)).await {
            Ok(r) => r,
            Err(_) => Err(ExportError::Timeout(EXPORT_TIMEOUT)),
        }
    }

    async fn call(&self, body: Bytes) -> Result<(), ExportError> {
        let content_type = if self.grpc {
            "application/grpc"
        } else {
            "application/x-protobuf"
        };
        let mut req = Request::builder()
            .method(Method::POST)
            .uri(self.uri.clone())
            .header(CONTENT_TYPE, content_type)
            .header(USER_AGENT, concat!("waygate/", env!("CARGO_PKG_VERSION")));
        if self.grpc {
            req = req.header("te", "trailers").header("grpc-encoding", "gzip");
        } else {
            req = req.header(http::header::CONTENT_ENCODING, "gzip");
        }
        let mut req = req
            .body(Full::new(body))
            .map_err(|e| ExportError::Send(e.to_string()))?;
        for (k, v) in &self.headers {
            req.headers_mut().insert(k.clone(), v.clone());
        }
        let resp = self
            .client
            .request(req)
            .await
            .map_err(|e| ExportError::Send(error_chain(&e)))?;
        let status = resp.status();
        let head = resp.headers().clone();
        let collected = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| ExportError::Send(e.to_string()))?;
        if !status.is_success() {
            return Err(ExportError::Status(status.to_string()));
        }
        if self.grpc {
            // `grpc-status` in the trailers, or in the head of a trailers-only answer.
            let trailers = collected.trailers().cloned().unwrap_or_default();
            let code = trailers
                .get("grpc-status")
                .or_else(|| head.get("grpc-status"))
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if code != "0" {
                let msg = trailers
                    .get("grpc-message")
                    .or_else(|| head.get("grpc-message"))
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                return Err(ExportError::Status(format!("grpc-status {code} {msg}")));
            }
        }
        Ok(())
    }
}

fn headers(
    map: &std::collections::BTreeMap<String, String>,
) -> Result<Vec<(HeaderName, HeaderValue)>, ExportError> {
    map.iter()
        .map(|(k, v)| {
            let name =
                HeaderName::try_from(k.as_str()).map_err(|_| ExportError::Header(k.clone()))?;
            let value =
                HeaderValue::try_from(v.as_str()).map_err(|_| ExportError::Header(k.clone()))?;
            Ok((name, value))
        })
        .collect()
}

/// The error and its sources, in one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}
