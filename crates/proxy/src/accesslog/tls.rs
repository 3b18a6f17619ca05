//! The TLS fields of a line as Traefik (Go) writes them: `TLSVersion` `1.3`, `TLSCipher`
//! `TLS_AES_128_GCM_SHA256`, `TLSClientSubject` as `pkix.Name.String()` (`CN=a,O=b`).

use rustls::ProtocolVersion;
use waygate_accesslog::TlsFacts;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::tls::TlsInfo;

pub(super) fn facts(info: &TlsInfo) -> TlsFacts {
    let version = match info.version {
        Some(ProtocolVersion::TLSv1_0) => "1.0",
        Some(ProtocolVersion::TLSv1_1) => "1.1",
        Some(ProtocolVersion::TLSv1_2) => "1.2",
        Some(ProtocolVersion::TLSv1_3) => "1.3",
        _ => "unknown",
    };
    let cipher = info.cipher_suite.map_or_else(String::new, |c| {
        let name = format!("{c:?}");
        // rustls says `TLS13_AES_128_GCM_SHA256`, Go `TLS_AES_128_GCM_SHA256`.
        match name.strip_prefix("TLS13_") {
            Some(rest) => format!("TLS_{rest}"),
            None => name,
        }
    });
    let client_subject = info
        .client_certificates
        .first()
        .and_then(|der| X509Certificate::from_der(der).ok())
        .map(|(_, cert)| go_name(cert.subject()));
    TlsFacts {
        version,
        cipher,
        client_subject,
    }
}

/// Go's `pkix.Name.String()`: the RDNs in reverse order, comma-separated, short type names.
fn go_name(name: &x509_parser::x509::X509Name<'_>) -> String {
    let registry = x509_parser::objects::oid_registry();
    let mut parts = Vec::new();
    for rdn in name.iter().collect::<Vec<_>>().into_iter().rev() {
        let attrs: Vec<String> = rdn
            .iter()
            .map(|a| {
                let oid = a.attr_type();
                let key = match x509_parser::objects::oid2abbrev(oid, registry) {
                    Ok("ST") | Ok("stateOrProvinceName") => "ST".to_string(),
                    Ok(k) => k.to_string(),
                    Err(_) => oid.to_id_string(),
                };
                format!("{key}={}", escape(a.as_str().unwrap_or_default()))
            })
            .collect();
        parts.push(attrs.join("+"));
    }
    parts.join(",")
}

/// RFC 2253 escaping, as Go does.
fn escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for (i, c) in v.chars().enumerate() {
        let edge = (i == 0 && (c == ' ' || c == '#')) || (i == v.chars().count() - 1 && c == ' ');
        if edge || matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
