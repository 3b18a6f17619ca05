//! The PROXY protocol on an entry point (`proxyProtocol`), as Traefik configures
//! go-proxyproto: a header is optional; from a peer in `trustedIPs` (anyone with `insecure`)
//! its source address becomes the connection's client address; from any other peer the
//! header is read and dropped and the peer's address stays (go-proxyproto's `IGNORE`). A
//! malformed header closes the connection. A client that sends nothing for
//! [`HEADER_TIMEOUT`] (a server-first protocol without a proxy in front) goes on without one,
//! as with go-proxyproto's `ReadHeaderTimeout`.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use waygate_config::static_config::ProxyProtocol;

use crate::middleware::ip_strategy::IpList;
use crate::proxy_protocol::{Parsed, parse};

/// How long the first bytes may take before the connection goes on without a header
/// (go-proxyproto's default `ReadHeaderTimeout`; the entry point's `readTimeout` when shorter).
pub(crate) const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Whose PROXY headers are believed.
#[derive(Debug)]
pub(crate) enum ProxyTrust {
    Anyone,
    Only(IpList),
    /// An unusable `trustedIPs`: headers are read and their addresses ignored.
    Nobody,
}

// === impl ProxyTrust ===

impl ProxyTrust {
    /// From the entry point's `proxyProtocol` section; `Err` for an invalid `trustedIPs`.
    pub(crate) fn new(cfg: &ProxyProtocol) -> Result<Self, String> {
        if cfg.insecure {
            return Ok(Self::Anyone);
        }
        if cfg.trusted_ips.is_empty() {
            return Err("proxyProtocol.trustedIPs is empty: no PROXY header is trusted".into());
        }
        IpList::new(&cfg.trusted_ips)
            .map(Self::Only)
            .map_err(|e| format!("proxyProtocol.trustedIPs: {e}"))
    }

    pub(crate) fn trusts(&self, peer: IpAddr) -> bool {
        match self {
            Self::Anyone => true,
            Self::Only(list) => list.contains(peer.to_canonical()),
            Self::Nobody => false,
        }
    }
}

/// Reads the connection's first bytes into `buf` until they are a complete PROXY header
/// (removed from `buf`; its source returned) or cannot be one (kept in `buf`). Waits for at
/// least one byte.
pub(crate) async fn read<IO: AsyncRead + Unpin>(
    io: &mut IO,
    buf: &mut Vec<u8>,
) -> io::Result<Option<SocketAddr>> {
    loop {
        match parse(buf).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))? {
            Parsed::NotProxy => return Ok(None),
            Parsed::Header { len, source } => {
                buf.drain(..len);
                return Ok(source);
            }
            Parsed::Incomplete => {}
        }
        let mut chunk = [0u8; 512];
        let n = io.read(&mut chunk).await?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn header_removed_rest_kept() {
        let mut input = &b"PROXY TCP4 192.0.2.7 10.0.0.1 5 443\r\nGET /"[..];
        let mut buf = Vec::new();
        let source = read(&mut input, &mut buf).await.expect("reads");
        assert_eq!(source, Some("192.0.2.7:5".parse().expect("addr")));
        let mut rest = buf;
        rest.extend_from_slice(input);
        assert_eq!(rest, b"GET /");
        let mut plain = &b"GET / HTTP/1.1\r\n"[..];
        let mut buf = Vec::new();
        assert_eq!(read(&mut plain, &mut buf).await.expect("reads"), None);
        assert!(buf.starts_with(b"GET"));
        let mut bad = &b"PROXY TCP9 x\r\n"[..];
        assert!(read(&mut bad, &mut Vec::new()).await.is_err());
    }

    #[test]
    fn trust() {
        let only = ProxyTrust::new(&ProxyProtocol {
            insecure: false,
            trusted_ips: vec!["127.0.0.1/32".into()],
        })
        .expect("valid");
        assert!(only.trusts([127, 0, 0, 1].into()));
        assert!(!only.trusts([127, 0, 0, 2].into()));
        let anyone = ProxyTrust::new(&ProxyProtocol {
            insecure: true,
            trusted_ips: vec![],
        })
        .expect("valid");
        assert!(anyone.trusts([192, 0, 2, 1].into()));
    }
}
