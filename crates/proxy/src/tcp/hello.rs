//! Reading a TLS ClientHello without consuming it: the bytes are kept in the caller's buffer
//! (replayed later to the handshake or to a passthrough server) and parsed by rustls'
//! `Acceptor`, which yields the SNI and the ALPN protocols the TCP rules look at.

use std::io;

use rustls::server::Acceptor;
use tokio::io::{AsyncRead, AsyncReadExt};

/// The most bytes read while looking for a complete ClientHello (records of 16 KiB, and
/// post-quantum key shares make hellos of a few KiB).
const MAX_HELLO: usize = 64 * 1024;

/// What a ClientHello asks for.
#[derive(Debug, Default)]
pub(crate) struct Hello {
    /// Lowercase, without a trailing dot.
    pub(crate) sni: Option<String>,
    pub(crate) alpn: Vec<String>,
}

/// Reads from `io` into `buf` (which may already hold the first bytes) until `buf` holds a
/// complete ClientHello.
pub(crate) async fn read<IO: AsyncRead + Unpin>(
    io: &mut IO,
    buf: &mut Vec<u8>,
) -> io::Result<Hello> {
    let mut acceptor = Acceptor::default();
    let mut fed = 0;
    loop {
        while fed < buf.len() {
            let mut rest = &buf[fed..];
            let n = acceptor.read_tls(&mut rest)?;
            if n == 0 {
                break;
            }
            fed += n;
        }
        match acceptor.accept() {
            Ok(Some(accepted)) => {
                let hello = accepted.client_hello();
                return Ok(Hello {
                    sni: hello.server_name().map(crate::tls::normalize_server_name),
                    alpn: hello
                        .alpn()
                        .map(|protos| {
                            protos
                                .map(|p| String::from_utf8_lossy(p).into_owned())
                                .collect()
                        })
                        .unwrap_or_default(),
                });
            }
            Ok(None) => {}
            Err((e, _)) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
        }
        if buf.len() >= MAX_HELLO {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "ClientHello larger than 64 KiB",
            ));
        }
        let mut chunk = [0u8; 4096];
        let n = io.read(&mut chunk).await?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rustls::ClientConnection;
    use rustls::pki_types::ServerName;

    use super::read;

    fn client_hello(name: &str, alpn: &[&str]) -> Vec<u8> {
        let mut cfg = rustls::ClientConfig::builder_with_provider(Arc::new(crate::tls::provider()))
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        cfg.alpn_protocols = alpn.iter().map(|a| a.as_bytes().to_vec()).collect();
        let mut conn = ClientConnection::new(
            Arc::new(cfg),
            ServerName::try_from(name.to_string()).expect("name"),
        )
        .expect("client");
        let mut out = Vec::new();
        while conn.wants_write() {
            conn.write_tls(&mut out).expect("write");
        }
        out
    }

    #[tokio::test]
    async fn sni_and_alpn_from_a_hello_read_in_pieces() {
        let bytes = client_hello("DB.Example.com", &["postgresql", "h2"]);
        // First byte already read by the dispatcher, the rest arrives from the stream.
        let mut buf = bytes[..1].to_vec();
        let mut rest = &bytes[1..];
        let hello = read(&mut rest, &mut buf).await.expect("hello");
        assert_eq!(hello.sni.as_deref(), Some("db.example.com"));
        assert_eq!(hello.alpn, ["postgresql", "h2"]);
        assert_eq!(buf, bytes, "every byte kept for the replay");
    }

    #[tokio::test]
    async fn garbage_and_truncation_are_errors() {
        let mut buf = vec![0x16, 3, 1, 0, 4, 9, 9, 9, 9];
        assert!(read(&mut &b""[..], &mut buf).await.is_err());
        let bytes = client_hello("a.example", &[]);
        let mut buf = Vec::new();
        assert!(read(&mut &bytes[..20], &mut buf).await.is_err());
    }
}
