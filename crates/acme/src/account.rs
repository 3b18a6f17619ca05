//! The resolver's ACME account: restored from `acme.json` when its key is usable and it was
//! registered with this CA and email, otherwise registered anew (with External Account
//! Binding when `eab` is set). Account keys are ECDSA P-256 (what instant-acme signs with);
//! Traefik's RSA account keys cannot be reused, so a Traefik file gets a new account and
//! keeps its certificates.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use instant_acme::{Account, ExternalAccountKey, NewAccount};
use rustls_pki_types::PrivatePkcs8KeyDer;
use serde_json::json;
use tracing::info;
use waygate_config::static_config::Acme;

use crate::client::AcmeHttp;
use crate::storage::{AccountRecord, Registration};

/// The key type recorded for Waygate's account keys (lego's name for P-256).
const ACCOUNT_KEY_TYPE: &str = "P256";

/// The account for `cfg`; the second value is a new record to store, when one was created.
pub async fn account(
    cfg: &Acme,
    directory: &str,
    stored: Option<&AccountRecord>,
) -> Result<(Account, Option<AccountRecord>), String> {
    let http = || AcmeHttp::new(cfg).map(|c| Box::new(c) as Box<dyn instant_acme::HttpClient>);
    if let Some(rec) = stored.filter(|r| reusable(r, cfg, directory)) {
        let uri = rec
            .registration
            .as_ref()
            .map(|r| r.uri.clone())
            .unwrap_or_default();
        let key = PrivatePkcs8KeyDer::from(rec.private_key.clone());
        match Account::builder_with_http(http()?)
            .from_parts(uri, key, directory.to_string())
            .await
        {
            Ok(account) => return Ok((account, None)),
            Err(e) => info!(error = %e, "stored ACME account not usable; registering a new one"),
        }
    }
    let contact = (!cfg.email.is_empty()).then(|| format!("mailto:{}", cfg.email));
    let contacts: Vec<&str> = contact.iter().map(String::as_str).collect();
    let eab = match &cfg.eab {
        Some(eab) if !eab.kid.is_empty() => {
            let key = decode_hmac(&eab.hmac_encoded)
                .ok_or("eab.hmacEncoded is not valid base64 (URL-safe, as the CA issues it)")?;
            Some(ExternalAccountKey::new(eab.kid.clone(), &key))
        }
        _ => None,
    };
    let new = NewAccount {
        contact: &contacts,
        terms_of_service_agreed: true,
        only_return_existing: false,
    };
    let (account, credentials) = Account::builder_with_http(http()?)
        .create(&new, directory.to_string(), eab.as_ref())
        .await
        .map_err(|e| format!("cannot register an ACME account at {directory}: {e}"))?;
    info!(account = account.id(), "ACME account registered");
    let record = AccountRecord {
        email: cfg.email.clone(),
        registration: Some(Registration {
            body: json!({ "status": "valid", "contact": contacts }),
            uri: account.id().to_string(),
        }),
        private_key: credentials.private_key().secret_pkcs8_der().to_vec(),
        key_type: ACCOUNT_KEY_TYPE.to_string(),
    };
    Ok((account, Some(record)))
}

/// Whether a stored account can be used for `cfg`: same email, registered on the same CA
/// host, with a key Waygate can sign with.
fn reusable(rec: &AccountRecord, cfg: &Acme, directory: &str) -> bool {
    let host = |url: &str| url.parse::<http::Uri>().ok()?.host().map(str::to_string);
    let uri = rec.registration.as_ref().map_or("", |r| r.uri.as_str());
    rec.email == cfg.email
        && !uri.is_empty()
        && host(uri).is_some()
        && host(uri) == host(directory)
        && instant_acme::Key::from_pkcs8_der(PrivatePkcs8KeyDer::from(rec.private_key.clone()))
            .is_ok()
}

/// The EAB HMAC key: CAs hand it out base64url-encoded (Traefik decodes it that way); padded
/// and standard alphabets are accepted too.
fn decode_hmac(encoded: &str) -> Option<Vec<u8>> {
    let s = encoded.trim();
    URL_SAFE_NO_PAD
        .decode(s)
        .or_else(|_| URL_SAFE.decode(s))
        .or_else(|_| STANDARD.decode(s))
        .ok()
}

/// The directory URL for `caServer`: Traefik rewrites the retired ACME v1 endpoints of
/// Let's Encrypt to their v2 equivalents.
pub fn directory_url(ca_server: &str) -> String {
    ca_server
        .replace(
            "acme-v01.api.letsencrypt.org",
            "acme-v02.api.letsencrypt.org",
        )
        .replace(
            "acme-staging.api.letsencrypt.org",
            "acme-staging-v02.api.letsencrypt.org",
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_urls_are_rewritten() {
        assert_eq!(
            directory_url("https://acme-v01.api.letsencrypt.org/directory"),
            "https://acme-v02.api.letsencrypt.org/directory"
        );
        assert_eq!(
            directory_url("https://acme-staging.api.letsencrypt.org/directory"),
            "https://acme-staging-v02.api.letsencrypt.org/directory"
        );
        assert_eq!(
            directory_url("https://127.0.0.1:14000/dir"),
            "https://127.0.0.1:14000/dir"
        );
    }

    #[test]
    fn traefik_rsa_accounts_are_not_reused() {
        let cfg = Acme {
            email: "a@b.c".into(),
            ..Acme::default()
        };
        let rec = AccountRecord {
            email: "a@b.c".into(),
            registration: Some(Registration {
                body: json!({}),
                uri: "https://acme-v02.api.letsencrypt.org/acme/acct/1".into(),
            }),
            private_key: vec![0x30, 0x82, 0x01],
            key_type: "4096".into(),
        };
        assert!(!reusable(&rec, &cfg, &cfg.ca_server));
        let (_, pkcs8) = instant_acme::Key::generate_pkcs8().expect("key");
        let ok = AccountRecord {
            private_key: pkcs8.secret_pkcs8_der().to_vec(),
            ..rec.clone()
        };
        assert!(reusable(&ok, &cfg, &cfg.ca_server));
        assert!(!reusable(&ok, &cfg, "https://other.test/dir"), "another CA");
        let other_email = Acme {
            email: "x@y.z".into(),
            ..cfg.clone()
        };
        assert!(!reusable(&ok, &other_email, &cfg.ca_server));
    }

    #[test]
    fn eab_keys_decode() {
        assert_eq!(decode_hmac("AAEC-_8"), Some(vec![0, 1, 2, 0xfb, 0xff]));
        assert_eq!(decode_hmac("AAECAw=="), Some(vec![0, 1, 2, 3]));
        assert_eq!(decode_hmac("***"), None);
    }
}
