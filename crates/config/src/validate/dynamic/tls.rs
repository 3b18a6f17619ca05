//! TLS certificates, options and stores; files named by the configuration must exist.

use crate::dynamic::TlsConfig;
use crate::dynamic::tls::{CLIENT_AUTH_TYPES, TLS_VERSIONS};
use crate::issue::{Issue, IssueKind};
use crate::suggest::did_you_mean;
use crate::types::is_inline_content;
use crate::validate::{Context, Scope};

pub(super) fn validate(t: &TlsConfig, ctx: &Context<'_>, issues: &mut Vec<Issue>) {
    for (i, c) in t.certificates.iter().enumerate() {
        let mut s = Scope::item(
            issues,
            format!("tls.certificates[{i}]"),
            "tlsCertificate",
            &c.cert_file,
        );
        cert_pair(&c.cert_file, &c.key_file, "", ctx, &mut s);
    }
    for (name, o) in &t.options {
        let mut s = Scope::item(issues, format!("tls.options.{name}"), "tlsOption", name);
        version(&o.min_version, "minVersion", &mut s);
        if !o.max_version.is_empty() {
            version(&o.max_version, "maxVersion", &mut s);
        }
        if let Some(ca) = &o.client_auth {
            files(&ca.ca_files, "clientAuth.caFiles", ctx, &mut s);
            if !ca.client_auth_type.is_empty()
                && !CLIENT_AUTH_TYPES.contains(&ca.client_auth_type.as_str())
            {
                let hint = did_you_mean(&ca.client_auth_type, CLIENT_AUTH_TYPES.iter().copied());
                s.error_suggest(
                    "clientAuth.clientAuthType",
                    IssueKind::InvalidValue,
                    format!(
                        "unknown value `{}`; expected one of {}",
                        ca.client_auth_type,
                        CLIENT_AUTH_TYPES.join(", ")
                    ),
                    hint,
                );
            }
        }
        if o.prefer_server_cipher_suites {
            s.warning(
                "preferServerCipherSuites",
                IssueKind::Unsupported,
                "deprecated and ignored",
            );
        }
    }
    for (name, store) in &t.stores {
        let mut s = Scope::item(issues, format!("tls.stores.{name}"), "tlsStore", name);
        if name != "default" {
            s.warning(
                "",
                IssueKind::Unsupported,
                "only the `default` TLS store is used; this store is ignored",
            );
        }
        if let Some(c) = &store.default_certificate {
            cert_pair(&c.cert_file, &c.key_file, "defaultCertificate", ctx, &mut s);
        }
        if let Some(g) = &store.default_generated_cert
            && !ctx.resolvers.contains(&g.resolver)
        {
            s.error(
                "defaultGeneratedCert.resolver",
                IssueKind::MissingReference,
                format!(
                    "certificate resolver `{}` is not defined in the static configuration",
                    g.resolver
                ),
            );
        }
    }
}

/// `minVersion`/`maxVersion`: TLS 1.0 and 1.1 are refused, not silently upgraded.
pub(super) fn version(v: &str, key: &str, s: &mut Scope<'_>) {
    if !TLS_VERSIONS.contains(&v) {
        let hint = did_you_mean(v, TLS_VERSIONS.iter().copied());
        s.error_suggest(
            key,
            IssueKind::InvalidValue,
            format!("unknown TLS version `{v}`; expected VersionTLS12 or VersionTLS13"),
            hint,
        );
    } else if v == "VersionTLS10" || v == "VersionTLS11" {
        s.error(key, IssueKind::Unsupported, format!("{v} is not offered by Waygate (TLS 1.0 and 1.1 are insecure); use VersionTLS12 or VersionTLS13"));
    }
}

/// Each entry is a file that must exist, or inline PEM.
pub(in crate::validate) fn files(list: &[String], key: &str, ctx: &Context<'_>, s: &mut Scope<'_>) {
    for (i, f) in list.iter().enumerate() {
        file(f, &format!("{key}[{i}]"), ctx, s);
    }
}

pub(in crate::validate) fn cert_pair(
    cert: &str,
    key_file: &str,
    key: &str,
    ctx: &Context<'_>,
    s: &mut Scope<'_>,
) {
    let prefix = if key.is_empty() {
        String::new()
    } else {
        format!("{key}.")
    };
    for (k, v) in [("certFile", cert), ("keyFile", key_file)] {
        if v.is_empty() {
            s.error(
                &format!("{prefix}{k}"),
                IssueKind::Missing,
                format!("{k} is required"),
            );
        } else {
            file(v, &format!("{prefix}{k}"), ctx, s);
        }
    }
}

fn file(value: &str, key: &str, ctx: &Context<'_>, s: &mut Scope<'_>) {
    if !is_inline_content(value) && !ctx.files.exists(value) {
        s.error(
            key,
            IssueKind::File,
            format!("file `{value}` does not exist (give a readable path or inline PEM)"),
        );
    }
}
