//! One TLS handshake: read the ClientHello, pick the TLS option's `ServerConfig` by SNI
//! (from the table current at that moment), complete the handshake, and record what was
//! negotiated for the later stages (forwarded headers, mTLS middlewares, logs).

use std::io;
use std::sync::Arc;

use rustls::server::Acceptor;
use rustls::{CipherSuite, ProtocolVersion, ServerConfig};
use rustls_pki_types::CertificateDer;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::LazyConfigAcceptor;
use tokio_rustls::server::TlsStream;

use super::normalize_server_name;
use crate::acme::{AcmeChallenges, offers_acme_tls};

/// The first byte of a TLS record carrying a handshake message (a ClientHello).
pub(crate) const TLS_HANDSHAKE: u8 = 0x16;

/// What a TLS handshake established.
#[derive(Debug, Default)]
pub(crate) struct TlsInfo {
    /// The server name the client asked for (lowercase, no trailing dot).
    pub(crate) sni: Option<String>,
    pub(crate) version: Option<ProtocolVersion>,
    pub(crate) cipher_suite: Option<CipherSuite>,
    pub(crate) alpn: Option<Vec<u8>>,
    /// The client's certificate chain (DER, leaf first); empty without one.
    pub(crate) client_certificates: Vec<CertificateDer<'static>>,
}

/// Completes a server handshake on `io`. `select` maps the SNI (`None` without one) to the
/// `ServerConfig` to use, or `None` when the entry point no longer serves TLS. A ClientHello
/// offering `acme-tls/1` for a name with a pending TLS-ALPN-01 challenge in `acme` is
/// answered with the challenge certificate, then the connection ends (an error is returned).
pub(crate) async fn handshake<IO>(
    io: IO,
    acme: &AcmeChallenges,
    select: impl FnOnce(Option<&str>) -> Option<Arc<ServerConfig>>,
) -> io::Result<(TlsStream<IO>, TlsInfo)>
where
    IO: AsyncRead + AsyncWrite + Unpin,
{
    let start = LazyConfigAcceptor::new(Acceptor::default(), io).await?;
    let hello = start.client_hello();
    let sni = hello.server_name().map(normalize_server_name);
    if offers_acme_tls(&hello)
        && let Some(config) = sni.as_deref().and_then(|n| acme.tls_alpn_config(n))
    {
        let mut stream = start.into_stream(config).await?;
        tokio::io::AsyncWriteExt::shutdown(&mut stream).await?;
        return Err(io::Error::other("ACME TLS-ALPN-01 challenge answered"));
    }
    let config = select(sni.as_deref())
        .ok_or_else(|| io::Error::other("the entry point does not serve TLS"))?;
    let stream = start.into_stream(config).await?;
    let (_, conn) = stream.get_ref();
    let info = TlsInfo {
        sni,
        version: conn.protocol_version(),
        cipher_suite: conn.negotiated_cipher_suite().map(|s| s.suite()),
        alpn: conn.alpn_protocol().map(<[u8]>::to_vec),
        client_certificates: conn
            .peer_certificates()
            .map(|chain| chain.iter().map(|c| c.clone().into_owned()).collect())
            .unwrap_or_default(),
    };
    Ok((stream, info))
}
