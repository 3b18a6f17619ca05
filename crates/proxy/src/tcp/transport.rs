//! TCP servers transports (`tcp.serversTransports.<name>`, static `tcpServersTransport` for
//! the default): how a server is dialled (`dialTimeout`, `dialKeepAlive`), what is sent first
//! (`proxyProtocol`: a PROXY header naming the client, before any TLS), TLS to servers marked
//! `tls`, and how long the other direction may go on once one side has closed
//! (`terminationDelay`).

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::ClientConfig;
use rustls_pki_types::ServerName;
use socket2::{SockRef, TcpKeepalive};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::upstream::TlsSettings;

/// A compiled TCP transport.
#[derive(Debug, Clone, Default)]
pub(crate) struct TcpTransport {
    pub(crate) dial_timeout: Option<Duration>,
    pub(crate) keep_alive: Option<Duration>,
    /// `None`: the other direction is never cut (a negative `terminationDelay`).
    pub(crate) termination_delay: Option<Duration>,
    /// PROXY protocol version sent to servers (1 or 2).
    pub(crate) proxy_protocol: Option<u8>,
    pub(crate) tls: Option<TlsClient>,
}

/// TLS to servers: the client configuration and the `serverName` (empty: the address host).
#[derive(Debug, Clone)]
pub(crate) struct TlsClient {
    pub(crate) config: Arc<ClientConfig>,
    pub(crate) server_name: String,
}

/// A dialled server.
pub(crate) enum Dialled {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

// === impl TcpTransport ===

impl TcpTransport {
    /// From the transport's values (Go durations; 0 dial timeout = none, negative keep-alive
    /// = off, negative termination delay = never).
    pub(crate) fn new(
        dial_timeout: Duration,
        keep_alive: Option<Duration>,
        termination_delay: Option<Duration>,
        proxy_protocol: Option<u8>,
        tls: Option<TlsClient>,
    ) -> Self {
        Self {
            dial_timeout: Some(dial_timeout).filter(|d| !d.is_zero()),
            keep_alive: keep_alive.filter(|d| !d.is_zero()),
            termination_delay,
            proxy_protocol,
            tls,
        }
    }

    /// Dials `address`, sends the PROXY header announcing `client` → `local` when
    /// configured, then runs the TLS handshake when `tls`.
    pub(crate) async fn dial(
        &self,
        address: &str,
        tls: bool,
        client: SocketAddr,
        local: SocketAddr,
    ) -> io::Result<Dialled> {
        let connect = TcpStream::connect(address);
        let mut stream = match self.dial_timeout {
            Some(limit) => tokio::time::timeout(limit, connect)
                .await
                .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "dial timeout"))??,
            None => connect.await?,
        };
        let _ = stream.set_nodelay(true);
        if let Some(period) = self.keep_alive {
            let ka = TcpKeepalive::new().with_time(period).with_interval(period);
            let _ = SockRef::from(&stream).set_tcp_keepalive(&ka);
        }
        if let Some(version) = self.proxy_protocol {
            let header = crate::proxy_protocol::encode(version, client, local);
            stream.write_all(&header).await?;
        }
        if !tls {
            return Ok(Dialled::Plain(stream));
        }
        let client_tls = match &self.tls {
            Some(t) => t.clone(),
            None => default_tls()?,
        };
        let name = if client_tls.server_name.is_empty() {
            host_of(address)
        } else {
            client_tls.server_name.as_str()
        };
        let name = ServerName::try_from(name.to_string())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let stream = TlsConnector::from(client_tls.config)
            .connect(name, stream)
            .await?;
        Ok(Dialled::Tls(Box::new(stream)))
    }
}

/// The TLS client for `tls` servers whose transport has no `tls` section: the system roots.
fn default_tls() -> io::Result<TlsClient> {
    static DEFAULT: std::sync::OnceLock<Result<Arc<ClientConfig>, String>> =
        std::sync::OnceLock::new();
    let config = DEFAULT
        .get_or_init(|| client_config(&TlsSettings::default()))
        .clone()
        .map_err(io::Error::other)?;
    Ok(TlsClient {
        config,
        server_name: String::new(),
    })
}

/// A TLS client configuration without ALPN (TCP carries any protocol).
pub(crate) fn client_config(settings: &TlsSettings) -> Result<Arc<ClientConfig>, String> {
    let config = settings.client_config(crate::upstream::system_roots)?;
    let mut config = (*config).clone();
    config.alpn_protocols.clear();
    Ok(Arc::new(config))
}

/// The host of `host:port` (brackets of an IPv6 literal removed).
fn host_of(address: &str) -> &str {
    let host = address.rsplit_once(':').map_or(address, |(h, _)| h);
    host.trim_start_matches('[').trim_end_matches(']')
}

#[cfg(test)]
mod tests {
    #[test]
    fn hosts() {
        assert_eq!(super::host_of("db.example.com:5432"), "db.example.com");
        assert_eq!(super::host_of("[::1]:443"), "::1");
    }
}
