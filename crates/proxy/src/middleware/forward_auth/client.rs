//! The client to the authentication server, built once per compiled middleware: the
//! `address` parsed, one upstream [`Pool`] (keep-alive connections, TLS with rustls from
//! `tls`, HTTP/2 when an `https://` server picks it by ALPN, as Go's transport), and the
//! whole exchange bounded by Traefik's 30 s client timeout. Redirects are never followed.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::{Bytes, BytesMut};
use http::header::{AUTHORIZATION, HOST, HeaderValue};
use http::uri::PathAndQuery;
use http::{Method, Uri, Version};
use http_body_util::BodyExt;
use rustls::RootCertStore;
use waygate_config::dynamic::middleware::ClientTls;

use crate::upstream::{Connector, Pool, TlsSettings, TransportSettings};
use crate::{Body, Request};

/// Go's `http.Client.Timeout` as Traefik sets it: the whole exchange, body included.
const TIMEOUT: Duration = Duration::from_secs(30);
/// Idle connections kept to the auth server.
const MAX_IDLE: usize = 64;

/// A compiled `address` (+ `tls`).
#[derive(Debug)]
pub(super) struct AuthClient {
    pool: Arc<Pool>,
    /// The request target: the address's path and query.
    target: PathAndQuery,
    /// The address's authority without user info, as Go's `URL.Host`.
    host: HeaderValue,
    /// From the address's user info: Go's client sends it when the request has no
    /// `Authorization` of its own.
    basic: Option<HeaderValue>,
    /// For resolving a relative `Location`.
    pub(super) base: url::Url,
    /// The address without user info, for logs.
    pub(super) shown: String,
}

/// Why the exchange with the auth server failed.
#[derive(Debug)]
pub(super) enum Failure {
    /// Not reached, no answer, an unreadable answer or the timeout: Traefik's 500.
    Call(String),
    /// The answer's body was larger than `maxResponseBodySize`: Traefik's 401.
    TooLarge,
}

// === impl AuthClient ===

impl AuthClient {
    pub(super) fn new(address: &str, tls: Option<&ClientTls>) -> Result<Self, String> {
        let uri: Uri = address
            .parse()
            .map_err(|e| format!("address: cannot be used as a request target: {e}"))?;
        let base = url::Url::parse(address).map_err(|e| format!("address: {e}"))?;
        let https = match uri.scheme_str().map(str::to_ascii_lowercase).as_deref() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err("address: the scheme must be http or https".into()),
        };
        let authority = uri
            .authority()
            .ok_or_else(|| "address: no host".to_string())?;
        let host_port = authority
            .as_str()
            .rsplit_once('@')
            .map_or(authority.as_str(), |(_, h)| h);
        let host = HeaderValue::from_str(host_port).map_err(|e| format!("address: {e}"))?;
        let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
        let addr = format!("{}:{port}", authority.host());
        let basic = (!base.username().is_empty() || base.password().is_some()).then(|| {
            let pair = format!(
                "{}:{}",
                percent_decode(base.username()),
                percent_decode(base.password().unwrap_or(""))
            );
            HeaderValue::from_str(&format!("Basic {}", STANDARD.encode(pair)))
        });
        let basic = basic
            .transpose()
            .map_err(|_| "address: user info cannot be sent".to_string())?;
        let tls_settings = tls.map(settings).unwrap_or_default();
        // Built whenever `tls` is set, so a bad certificate is reported as Traefik does,
        // even for an `http://` address that will not use it.
        let connector = if https || tls.is_some() {
            let config = tls_settings
                .client_config(|| system_roots().clone())
                .map_err(|e| format!("tls: {e}"))?;
            let connector = Connector::new(config, &tls_settings, authority.host())
                .map_err(|e| format!("tls: {e}"))?;
            https.then_some(connector)
        } else {
            None
        };
        let transport = TransportSettings {
            // Go's default dialer and TLS handshake timeouts are within the 30 s anyway.
            dial_timeout: Some(TIMEOUT),
            response_header_timeout: None,
            idle_conn_timeout: Some(Duration::from_secs(90)),
            max_idle_per_host: MAX_IDLE,
            tls: tls_settings,
        };
        let mut shown = base.clone();
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
        Ok(Self {
            pool: Arc::new(Pool::new(addr, false, connector, transport)),
            target: uri
                .path_and_query()
                .cloned()
                .unwrap_or_else(|| PathAndQuery::from_static("/")),
            host,
            basic,
            base,
            shown: shown.to_string(),
        })
    }

    /// A request to the auth server with `method`, `headers` (Host set here) and `body`.
    pub(super) fn request(
        &self,
        method: Method,
        mut headers: http::HeaderMap,
        body: Option<Bytes>,
    ) -> Request {
        headers.insert(HOST, self.host.clone());
        if let Some(basic) = &self.basic
            && !headers.contains_key(AUTHORIZATION)
        {
            headers.insert(AUTHORIZATION, basic.clone());
        }
        let mut req = Request::new(body.map_or(Body::Empty, Body::full));
        *req.method_mut() = method;
        *req.uri_mut() = Uri::from(self.target.clone());
        *req.version_mut() = Version::HTTP_11;
        *req.headers_mut() = headers;
        req
    }

    /// Sends `req` and reads the answer, its body up to `max_body` bytes.
    pub(super) async fn call(
        &self,
        req: Request,
        max_body: Option<u64>,
    ) -> Result<(http::response::Parts, Bytes), Failure> {
        let exchange = async {
            let resp = self
                .pool
                .send(req)
                .await
                .map_err(|e| Failure::Call(e.to_string()))?;
            let (parts, body) = resp.into_parts();
            // Nothing was asked to switch protocols: a 101 cannot be passed on.
            if parts.status.is_informational() {
                return Err(Failure::Call(format!("unexpected status {}", parts.status)));
            }
            match read_limited(body, max_body).await {
                Ok(bytes) => Ok((parts, bytes)),
                Err(Read::TooLarge) => Err(Failure::TooLarge),
                Err(Read::Failed(e)) => Err(Failure::Call(format!("reading the answer: {e}"))),
            }
        };
        tokio::time::timeout(TIMEOUT, exchange)
            .await
            .unwrap_or_else(|_| Err(Failure::Call("no answer within 30s".into())))
    }
}

/// Why a body could not be read whole.
#[derive(Debug)]
pub(super) enum Read {
    TooLarge,
    Failed(String),
}

/// Reads `body` whole; more than `max` bytes is [`Read::TooLarge`] (Traefik reads `max + 1`).
pub(super) async fn read_limited(mut body: Body, max: Option<u64>) -> Result<Bytes, Read> {
    let mut buf = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| Read::Failed(e.to_string()))?;
        if let Ok(data) = frame.into_data() {
            buf.extend_from_slice(&data);
            if max.is_some_and(|m| buf.len() as u64 > m) {
                return Err(Read::TooLarge);
            }
        }
    }
    Ok(buf.freeze())
}

/// `tls` as a servers transport's TLS settings (`ca`, `cert`/`key`: files or inline PEM).
fn settings(tls: &ClientTls) -> TlsSettings {
    TlsSettings {
        insecure_skip_verify: tls.insecure_skip_verify,
        root_cas: (!tls.ca.is_empty())
            .then(|| tls.ca.clone())
            .into_iter()
            .collect(),
        certificates: (!tls.cert.is_empty() && !tls.key.is_empty())
            .then(|| (tls.cert.clone(), tls.key.clone()))
            .into_iter()
            .collect(),
        ..TlsSettings::default()
    }
}

/// The system trust store, loaded once per process for all auth servers.
fn system_roots() -> &'static Arc<RootCertStore> {
    static ROOTS: OnceLock<Arc<RootCertStore>> = OnceLock::new();
    ROOTS.get_or_init(crate::upstream::system_roots)
}

/// `%XX` escapes decoded (user info in a URL), invalid ones kept as written.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
