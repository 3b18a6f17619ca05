//! Which certificate a handshake would present, found by doing one: a rustls client and the
//! option's `ServerConfig` exchange records in memory until the client sees the server's
//! certificate chain. The real resolver (store lookup, default certificate, `sniStrict`)
//! decides, so `waygate explain` cannot disagree with serving. Cold path only.

use std::sync::{Arc, Mutex, PoisonError};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, ServerConfig};
use rustls::{ServerConnection, SignatureScheme};

/// The chain (leaf first) `config` presents to a client that sends `server_name` as SNI
/// (`None`: no SNI, as for an IP address), or why the handshake fails before that.
pub(crate) fn presented_chain(
    config: &Arc<ServerConfig>,
    server_name: Option<&str>,
) -> Result<Vec<CertificateDer<'static>>, String> {
    let seen = Arc::new(Capture::default());
    let client_cfg = ClientConfig::builder_with_provider(Arc::new(super::provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(seen.clone())
        .with_no_client_auth();
    // Without SNI: an IP address as the name makes rustls send none.
    let name = match server_name {
        Some(n) => ServerName::try_from(n.to_string()).map_err(|e| e.to_string())?,
        None => ServerName::from(std::net::IpAddr::from([192, 0, 2, 1])),
    };
    let mut client =
        ClientConnection::new(Arc::new(client_cfg), name).map_err(|e| e.to_string())?;
    let mut server = ServerConnection::new(config.clone()).map_err(|e| e.to_string())?;
    // A handshake takes two or three flights; a few more rounds cover a HelloRetryRequest.
    for _ in 0..8 {
        let mut buf = Vec::new();
        while client.wants_write() {
            client.write_tls(&mut buf).map_err(|e| e.to_string())?;
        }
        feed(&mut server, &buf).map_err(|e| format!("the handshake fails: {e}"))?;
        let mut buf = Vec::new();
        while server.wants_write() {
            server.write_tls(&mut buf).map_err(|e| e.to_string())?;
        }
        let client_result = feed(&mut client, &buf);
        if let Some(chain) = seen.take() {
            return Ok(chain);
        }
        client_result.map_err(|e| format!("the handshake fails: {e}"))?;
        if !client.is_handshaking() {
            break;
        }
    }
    Err("the server presented no certificate".to_string())
}

fn feed<C: std::ops::DerefMut<Target = rustls::ConnectionCommon<D>>, D>(
    conn: &mut C,
    mut bytes: &[u8],
) -> Result<(), rustls::Error> {
    while !bytes.is_empty() {
        if conn.read_tls(&mut bytes).is_err() {
            break;
        }
        conn.process_new_packets()?;
    }
    Ok(())
}

/// Accepts any server and keeps the chain it presented.
#[derive(Debug, Default)]
struct Capture(Mutex<Option<Vec<CertificateDer<'static>>>>);

impl Capture {
    fn take(&self) -> Option<Vec<CertificateDer<'static>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

impl ServerCertVerifier for Capture {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let chain = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|c| c.clone().into_owned())
            .collect();
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(chain);
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        super::provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}
