//! `passTLSClientCert`: passes the client certificate chain of an mTLS connection to the
//! backend, as Traefik formats it: `X-Forwarded-Tls-Client-Cert` (`pem`: each certificate's
//! base64 DER, no PEM armour or line breaks, joined by `,`) and
//! `X-Forwarded-Tls-Client-Cert-Info` (`info`: per certificate `Subject="…";Issuer="…";
//! SerialNumber="…";NB="…";NA="…";SAN="…"`, certificates joined by `,`, the whole
//! query-escaped). Without a client certificate nothing is set (a header the client sent
//! stays, as in Traefik). The handler puts the chain in the request's extensions
//! ([`ClientCerts`]) only for routers with this middleware on mTLS connections.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use base64::Engine as _;
use http::HeaderValue;
use rustls_pki_types::CertificateDer;
use waygate_config::dynamic::middleware::{
    PassTlsClientCert as Config, TlsCertIssuerInfo, TlsCertSubjectInfo, TlsClientCertInfo,
};
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::x509::X509Name;

use super::Flow;
use crate::Request;

const CERT: &str = "x-forwarded-tls-client-cert";
const CERT_INFO: &str = "x-forwarded-tls-client-cert-info";

/// The client's certificate chain (leaf first), as the TLS handshake got it.
#[derive(Debug, Clone)]
pub(crate) struct ClientCerts(pub(crate) Arc<[CertificateDer<'static>]>);

#[derive(Debug)]
pub struct PassTlsClientCert {
    pem: bool,
    info: Option<TlsClientCertInfo>,
}

/// Which distinguished-name parts to pass (the subject's, or the issuer's without `OU`).
#[derive(Debug, Default)]
struct DnParts {
    country: bool,
    province: bool,
    locality: bool,
    organization: bool,
    organizational_unit: bool,
    serial_number: bool,
    common_name: bool,
    domain_component: bool,
}

// === impl PassTlsClientCert ===

impl PassTlsClientCert {
    pub fn new(cfg: &Config) -> Self {
        Self {
            pem: cfg.pem,
            info: cfg.info.clone(),
        }
    }

    pub(crate) fn request(&self, req: &mut Request) -> Flow {
        let Some(ClientCerts(certs)) = req.extensions_mut().remove::<ClientCerts>() else {
            return Flow::Next;
        };
        if certs.is_empty() {
            return Flow::Next;
        }
        if self.pem
            && let Ok(v) = HeaderValue::from_str(&pem_value(&certs))
        {
            req.headers_mut().insert(CERT, v);
        }
        if let Some(info) = &self.info
            && let Ok(v) = HeaderValue::from_str(&query_escape(&info_value(info, &certs)))
        {
            req.headers_mut().insert(CERT_INFO, v);
        }
        Flow::Next
    }
}

/// Each certificate's DER in base64, joined by `,`.
fn pem_value(certs: &[CertificateDer<'_>]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD;
    certs
        .iter()
        .map(|c| b64.encode(c.as_ref()))
        .collect::<Vec<_>>()
        .join(",")
}

/// Traefik's `getCertInfo` (before query escaping).
fn info_value(info: &TlsClientCertInfo, certs: &[CertificateDer<'_>]) -> String {
    let subject = info.subject.as_ref().map(DnParts::subject);
    let issuer = info.issuer.as_ref().map(DnParts::issuer);
    let per_cert = certs.iter().map(|der| {
        let Ok((_, cert)) = X509Certificate::from_der(der.as_ref()) else {
            return String::new();
        };
        let mut values = Vec::new();
        if let Some(p) = &subject {
            let s = p.render(cert.subject());
            if !s.is_empty() {
                values.push(format!("Subject=\"{}\"", s.trim_end_matches(',')));
            }
        }
        if let Some(p) = &issuer {
            let s = p.render(cert.issuer());
            if !s.is_empty() {
                values.push(format!("Issuer=\"{}\"", s.trim_end_matches(',')));
            }
        }
        if info.serial_number {
            values.push(format!("SerialNumber=\"{}\"", cert.tbs_certificate.serial));
        }
        let validity = cert.validity();
        if info.not_before {
            values.push(format!("NB=\"{}\"", validity.not_before.timestamp() as u64));
        }
        if info.not_after {
            values.push(format!("NA=\"{}\"", validity.not_after.timestamp() as u64));
        }
        if info.sans {
            let sans = sans(&cert);
            if !sans.is_empty() {
                values.push(format!("SAN=\"{}\"", sans.join(",")));
            }
        }
        values.join(";")
    });
    per_cert.collect::<Vec<_>>().join(",")
}

/// Go's `getSANs`: DNS names, e-mail addresses, IP addresses, then URIs.
fn sans(cert: &X509Certificate<'_>) -> Vec<String> {
    let Ok(Some(ext)) = cert.subject_alternative_name() else {
        return Vec::new();
    };
    let names = &ext.value.general_names;
    let mut out = Vec::new();
    out.extend(names.iter().filter_map(|n| match n {
        GeneralName::DNSName(s) => Some(s.to_string()),
        _ => None,
    }));
    out.extend(names.iter().filter_map(|n| match n {
        GeneralName::RFC822Name(s) => Some(s.to_string()),
        _ => None,
    }));
    out.extend(names.iter().filter_map(|n| match n {
        GeneralName::IPAddress(b) => go_ip(b),
        _ => None,
    }));
    out.extend(names.iter().filter_map(|n| match n {
        GeneralName::URI(s) => Some(s.to_string()),
        _ => None,
    }));
    out
}

/// Go's `net.IP.String` (an IPv4-mapped IPv6 address prints as IPv4).
fn go_ip(b: &[u8]) -> Option<String> {
    match b.len() {
        4 => Some(Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string()),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(b);
            let v6 = Ipv6Addr::from(a);
            Some(
                v6.to_ipv4_mapped()
                    .map_or_else(|| v6.to_string(), |v4| v4.to_string()),
            )
        }
        _ => None,
    }
}

/// Go's `url.QueryEscape`.
fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3 / 2);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

// === impl DnParts ===

impl DnParts {
    fn subject(s: &TlsCertSubjectInfo) -> Self {
        Self {
            country: s.country,
            province: s.province,
            locality: s.locality,
            organization: s.organization,
            organizational_unit: s.organizational_unit,
            serial_number: s.serial_number,
            common_name: s.common_name,
            domain_component: s.domain_component,
        }
    }

    fn issuer(s: &TlsCertIssuerInfo) -> Self {
        Self {
            country: s.country,
            province: s.province,
            locality: s.locality,
            organization: s.organization,
            organizational_unit: false,
            serial_number: s.serial_number,
            common_name: s.common_name,
            domain_component: s.domain_component,
        }
    }

    /// Traefik's `getSubjectDNInfo` / `getIssuerDNInfo`: `DC` in the name's order, then `C`,
    /// `ST`, `L`, `O`, `OU` (every value), `SN` and `CN` (the last value, as Go's `pkix.Name`),
    /// each followed by `,`.
    fn render(&self, name: &X509Name<'_>) -> String {
        let values = |oid: &str| -> Vec<&str> {
            name.iter_attributes()
                .filter(|a| a.attr_type().to_id_string() == oid)
                .filter_map(|a| a.as_str().ok())
                .collect()
        };
        let mut out = String::new();
        let mut part = |on: bool, prefix: &str, vals: Vec<&str>| {
            if on {
                for v in vals.into_iter().filter(|v| !v.is_empty()) {
                    let _ = write!(out, "{prefix}={v},");
                }
            }
        };
        part(
            self.domain_component,
            "DC",
            values("0.9.2342.19200300.100.1.25"),
        );
        part(self.country, "C", values("2.5.4.6"));
        part(self.province, "ST", values("2.5.4.8"));
        part(self.locality, "L", values("2.5.4.7"));
        part(self.organization, "O", values("2.5.4.10"));
        part(self.organizational_unit, "OU", values("2.5.4.11"));
        let last = |oid: &str| values(oid).last().copied().into_iter().collect();
        part(self.serial_number, "SN", last("2.5.4.5"));
        part(self.common_name, "CN", last("2.5.4.3"));
        out
    }
}

#[cfg(test)]
mod tests;
