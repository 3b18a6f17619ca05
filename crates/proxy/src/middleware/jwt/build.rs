//! Building a `jwt` middleware from its configuration: the key source, the algorithm
//! allow-list (configured, within what the keys can verify), one `jsonwebtoken` validation per
//! algorithm family, the claims expression, the forwarded headers and the token sources. Every
//! error names the option, never a secret.

use std::sync::Arc;
use std::time::Duration;

use http::HeaderName;
use jsonwebtoken::{Algorithm, Validation};
use waygate_config::dynamic::middleware::{ClientTls, Jwt as Config, claim_path, parse_claims};

use super::jwks::Remote;
use super::keys::{self, ASYMMETRIC, KeySet};
use super::memory::Memory;
use super::token::Sources;
use super::{Inner, Jwt, Keys};

// === impl Jwt ===

impl Jwt {
    pub fn new(cfg: &Config) -> Result<Self, String> {
        let configured = cfg
            .algorithms
            .iter()
            .map(|a| {
                a.parse::<Algorithm>()
                    .map_err(|_| format!("algorithms: unknown algorithm `{a}`"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let source_algs: &[Algorithm] = if !cfg.signing_secret.is_empty() {
            keys::HMAC
        } else if !configured.is_empty() {
            &configured
        } else {
            ASYMMETRIC
        };
        let (keys, fixed_algs) = match cfg.key_sources()[..] {
            ["signingSecret"] => {
                let k = keys::secret(&cfg.signing_secret, cfg.signing_secret_base64_encoded)?;
                let algs = k.algs.clone();
                (Keys::Fixed(KeySet::one(k)), algs)
            }
            ["publicKey"] => {
                let k = keys::public_key(&cfg.public_key)?;
                let algs = k.algs.clone();
                (Keys::Fixed(KeySet::one(k)), algs)
            }
            ["jwksFile"] => {
                let json = if cfg.jwks_file.trim_start().starts_with('{') {
                    cfg.jwks_file.clone().into_bytes()
                } else {
                    std::fs::read(&cfg.jwks_file)
                        .map_err(|e| format!("jwksFile `{}`: {e}", cfg.jwks_file))?
                };
                let set =
                    keys::jwk_set(&json, source_algs).map_err(|e| format!("jwksFile: {e}"))?;
                (Keys::Fixed(set), source_algs.to_vec())
            }
            ["jwksUrl"] => {
                let client = cfg.client_config.clone().unwrap_or_default();
                let tls = if cfg.jwks_url.to_ascii_lowercase().starts_with("https:") {
                    Some(client_tls(client.tls.as_ref())?)
                } else {
                    None
                };
                let timeout =
                    Duration::from_secs(u64::try_from(client.timeout_seconds).unwrap_or(5).max(1));
                let retries = u32::try_from(client.max_retries).unwrap_or(0).min(10);
                let remote =
                    Remote::new(&cfg.jwks_url, tls, timeout, retries, source_algs.to_vec())?;
                (Keys::Remote(Arc::new(remote)), source_algs.to_vec())
            }
            [] => {
                return Err(
                    "one of signingSecret, publicKey, jwksFile or jwksUrl is required".into(),
                );
            }
            _ => {
                return Err(
                    "only one of signingSecret, publicKey, jwksFile or jwksUrl may be set".into(),
                );
            }
        };
        // The allow-list: what was configured, within what the keys can verify.
        let allowed: Vec<Algorithm> = if configured.is_empty() {
            fixed_algs
        } else {
            configured
                .into_iter()
                .filter(|a| fixed_algs.contains(a))
                .collect()
        };
        if allowed.is_empty() {
            return Err("algorithms: none of them can be verified with the configured key".into());
        }
        let leeway = cfg.leeway.to_std().unwrap_or_default().as_secs();
        let mut required: Vec<&str> = cfg.required_claims.iter().map(String::as_str).collect();
        if !cfg.issuers.is_empty() {
            required.push("iss");
        }
        if !cfg.audiences.is_empty() {
            required.push("aud");
        }
        let mut validations: Vec<Validation> = Vec::new();
        for alg in &allowed {
            if let Some(v) = validations
                .iter_mut()
                .find(|v| v.algorithms[0].family() == alg.family())
            {
                v.algorithms.push(*alg);
                continue;
            }
            let mut v = Validation::new(*alg);
            v.leeway = leeway;
            v.set_required_spec_claims(&required);
            v.validate_nbf = true;
            v.validate_aud = !cfg.audiences.is_empty();
            if !cfg.audiences.is_empty() {
                v.set_audience(&cfg.audiences);
            }
            if !cfg.issuers.is_empty() {
                v.set_issuer(&cfg.issuers);
            }
            validations.push(v);
        }
        let claims = (!cfg.claims.is_empty())
            .then(|| parse_claims(&cfg.claims).map_err(|e| format!("claims: {e}")))
            .transpose()?;
        let forward = cfg
            .forward_headers
            .iter()
            .map(|(name, c)| {
                HeaderName::try_from(name.as_str())
                    .map(|h| (h, claim_path(c)))
                    .map_err(|_| format!("forwardHeaders: `{name}` is not a valid header name"))
            })
            .collect::<Result<_, _>>()?;
        let token_header = if cfg.token_header.is_empty() {
            "Authorization"
        } else {
            &cfg.token_header
        };
        let token_header = HeaderName::try_from(token_header)
            .map_err(|_| format!("tokenHeader `{token_header}` is not a valid header name"))?;
        let nonempty = |s: &str| (!s.is_empty()).then(|| s.to_string());
        Ok(Self {
            inner: Arc::new(Inner {
                keys,
                allowed,
                validations,
                leeway,
                require_iat: cfg.required_claims.iter().any(|c| c == "iat"),
                claims,
                forward,
                username: (!cfg.username_claim.is_empty()).then(|| claim_path(&cfg.username_claim)),
                strip: (!cfg.forward_authorization).then(|| token_header.clone()),
                sources: Sources {
                    header: token_header,
                    query: nonempty(&cfg.token_key),
                    cookie: nonempty(&cfg.token_cookie),
                },
                memory: Memory::new(),
            }),
        })
    }
}

/// The TLS client configuration for `jwksUrl` (`clientConfig.tls`; the system roots
/// without a `ca`), HTTP/1.1 only.
fn client_tls(tls: Option<&ClientTls>) -> Result<Arc<rustls::ClientConfig>, String> {
    let settings = crate::upstream::TlsSettings {
        insecure_skip_verify: tls.is_some_and(|t| t.insecure_skip_verify),
        root_cas: tls
            .filter(|t| !t.ca.is_empty())
            .map(|t| vec![t.ca.clone()])
            .unwrap_or_default(),
        certificates: tls
            .filter(|t| !t.cert.is_empty())
            .map(|t| vec![(t.cert.clone(), t.key.clone())])
            .unwrap_or_default(),
        ..Default::default()
    };
    let cfg = settings
        .client_config(crate::upstream::system_roots)
        .map_err(|e| format!("clientConfig.tls: {e}"))?;
    let mut cfg = (*cfg).clone();
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(cfg))
}
