//! The `jwt` middleware end to end: keys generated here with aws-lc-rs, tokens signed here,
//! a JWK set served by a small HTTP server of the test (its content swapped to rotate keys),
//! requests made with `curl`; what the client sees and what the backend receives.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

use crate::support::{Gw, LOCAL_EP, backend, eventually};

fn b64(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

fn now() -> i64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    i64::try_from(secs).expect("seconds")
}

/// A signing key of one kind.
enum Signer {
    Rsa(signature::RsaKeyPair),
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
    Hmac(Vec<u8>),
}

impl Signer {
    fn rsa() -> Self {
        Signer::Rsa(signature::RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).expect("rsa"))
    }

    fn alg(&self) -> &'static str {
        match self {
            Signer::Rsa(_) => "RS256",
            Signer::Ec(_) => "ES256",
            Signer::Ed(_) => "EdDSA",
            Signer::Hmac(_) => "HS256",
        }
    }

    /// `header.payload.signature` with `alg` and `kid` in the header.
    fn sign(&self, kid: &str, claims: &Value) -> String {
        let header = json!({"alg": self.alg(), "typ": "JWT", "kid": kid});
        let msg = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let sig = match self {
            Signer::Rsa(k) => {
                let mut sig = vec![0; k.public_modulus_len()];
                k.sign(
                    &signature::RSA_PKCS1_SHA256,
                    &SystemRandom::new(),
                    msg.as_bytes(),
                    &mut sig,
                )
                .expect("rsa sign");
                sig
            }
            Signer::Ec(k) => k
                .sign(&SystemRandom::new(), msg.as_bytes())
                .expect("ec sign")
                .as_ref()
                .to_vec(),
            Signer::Ed(k) => k.sign(msg.as_bytes()).as_ref().to_vec(),
            Signer::Hmac(secret) => {
                let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret);
                aws_lc_rs::hmac::sign(&key, msg.as_bytes())
                    .as_ref()
                    .to_vec()
            }
        };
        format!("{msg}.{}", b64(&sig))
    }

    /// The public key as a JWK.
    fn jwk(&self, kid: &str) -> Value {
        match self {
            Signer::Rsa(k) => json!({
                "kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
                "n": b64(k.public_key().modulus().big_endian_without_leading_zero()),
                "e": b64(k.public_key().exponent().big_endian_without_leading_zero()),
            }),
            Signer::Ec(k) => {
                let point = k.public_key().as_ref();
                json!({"kty": "EC", "kid": kid, "crv": "P-256",
                       "x": b64(&point[1..33]), "y": b64(&point[33..65])})
            }
            Signer::Ed(k) => json!({"kty": "OKP", "kid": kid, "crv": "Ed25519",
                                    "x": b64(k.public_key().as_ref())}),
            Signer::Hmac(_) => unreachable!("no public key"),
        }
    }

    /// The RSA public key as PEM (SubjectPublicKeyInfo).
    fn public_pem(&self) -> String {
        let Signer::Rsa(k) = self else {
            unreachable!("rsa only")
        };
        let der = k.public_key().as_der().expect("der");
        let body = STANDARD.encode(der.as_ref());
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).expect("ascii"))
            .collect();
        format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            lines.join("\n")
        )
    }
}

/// A JWK set server: answers every request with the current document, counting fetches.
struct Jwks {
    addr: SocketAddr,
    doc: Arc<Mutex<String>>,
    fetches: Arc<AtomicUsize>,
}

impl Jwks {
    async fn start(doc: Value) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let doc = Arc::new(Mutex::new(doc.to_string()));
        let fetches = Arc::new(AtomicUsize::new(0));
        let (d, f) = (doc.clone(), fetches.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (d, f) = (d.clone(), f.clone());
                tokio::spawn(async move {
                    let svc = service_fn(move |_req| {
                        f.fetch_add(1, Ordering::SeqCst);
                        let body = d.lock().expect("doc").clone();
                        async move {
                            http::Response::builder()
                                .header("content-type", "application/json")
                                .header("cache-control", "max-age=600")
                                .body(Full::new(Bytes::from(body)))
                        }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Self { addr, doc, fetches }
    }

    fn set(&self, doc: Value) {
        *self.doc.lock().expect("doc") = doc.to_string();
    }
}

/// `curl` with `Host: jwt.test` and `args`: (status, lower-cased head, body).
async fn curl(url: &str, args: &[String]) -> (u16, String, String) {
    let (url, args) = (url.to_string(), args.to_vec());
    tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new("curl")
            .args(["-s", "-D", "-", "-H", "Host: jwt.test"])
            .args(&args)
            .arg(&url)
            .output()
            .expect("curl");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        (status, head.to_ascii_lowercase(), body.to_string())
    })
    .await
    .expect("curl task")
}

fn bearer(token: &str) -> Vec<String> {
    vec!["-H".into(), format!("Authorization: Bearer {token}")]
}

fn dynamic(backend: &str, middleware: &str) -> String {
    format!(
        "http:\n  routers:\n    r:\n      rule: Host(`jwt.test`)\n      entryPoints: [web]\n      service: s\n      middlewares: [jwt]\n\
         \x20 middlewares:\n    jwt:\n      jwt:\n{middleware}\
         \x20 services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{backend}\"}}]\n"
    )
}

/// Asserts a 401 whose challenge tells `why`.
async fn refused(url: &str, token: &str, why: &str) {
    let (status, head, body) = curl(url, &bearer(token)).await;
    assert_eq!(status, 401, "{why}: {body}");
    let challenge =
        format!("www-authenticate: bearer error=\"invalid_token\", error_description=\"{why}\"");
    assert!(head.contains(&challenge), "{why}: {head}");
    assert_eq!(body, format!("{why}\n"));
    assert!(!body.contains(token) && !head.contains(&token.to_ascii_lowercase()));
}

fn claims(extra: Value) -> Value {
    let mut c = json!({"sub": "alice", "grp": "admins", "iss": "https://idp.test", "aud": "api",
                       "iat": now() - 5, "exp": now() + 300});
    if let (Some(c), Some(extra)) = (c.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            c.insert(k.clone(), v.clone());
        }
    }
    c
}

#[tokio::test(flavor = "multi_thread")]
async fn jwt_rs256_from_a_jwks_url_passes_good_tokens_and_refuses_the_rest() {
    let a = backend("a").await;
    let rsa = Signer::rsa();
    let jwks = Jwks::start(json!({"keys": [rsa.jwk("k1")]})).await;
    let mw = format!(
        "        jwksUrl: http://{}/.well-known/jwks.json\n        algorithms: [RS256]\n        leeway: 30s\n\
         \x20       issuers: [https://idp.test]\n        audiences: [api]\n        requiredClaims: [exp]\n\
         \x20       forwardHeaders:\n          X-User: sub\n          X-Group: grp\n          X-Missing: nope\n",
        jwks.addr
    );
    let gw = Gw::start(LOCAL_EP, &dynamic(&a.url(), &mw));
    let url = format!("{}/api", gw.url("web"));

    let good = rsa.sign("k1", &claims(json!({})));
    for round in ["first (fetches the set)", "again (remembered)"] {
        let (status, _, body) = curl(
            &url,
            &[bearer(&good), vec!["-H".into(), "X-User: mallory".into()]].concat(),
        )
        .await;
        assert_eq!(status, 200, "{round}: {body}");
        let seen: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(seen["headers"]["X-User"][0], "alice", "{seen}");
        assert_eq!(seen["headers"]["X-Group"][0], "admins");
        assert_eq!(
            seen["headers"]["X-Missing"][0], "",
            "a missing claim: empty header"
        );
        assert!(
            seen["headers"].get("Authorization").is_none(),
            "stripped: {seen}"
        );
    }
    // Within the 30 s leeway an expired token still passes; past it, it does not.
    let (status, _, _) = curl(
        &url,
        &bearer(&rsa.sign("k1", &claims(json!({"exp": now() - 10})))),
    )
    .await;
    assert_eq!(status, 200);

    let none = format!(
        "{}.{}.",
        b64(br#"{"alg":"none","typ":"JWT"}"#),
        b64(claims(json!({})).to_string().as_bytes())
    );
    refused(&url, &none, "alg none is not accepted").await;
    // HS256 "signed" with the RSA public key (the key confusion attack).
    let confused = Signer::Hmac(rsa.public_pem().into_bytes()).sign("k1", &claims(json!({})));
    refused(&url, &confused, "algorithm not allowed").await;
    refused(
        &url,
        &rsa.sign("k1", &claims(json!({"exp": now() - 120}))),
        "token expired",
    )
    .await;
    refused(
        &url,
        &rsa.sign("k1", &claims(json!({"nbf": now() + 120}))),
        "token not yet valid",
    )
    .await;
    refused(
        &url,
        &rsa.sign("k1", &claims(json!({"iat": now() + 120}))),
        "token issued in the future",
    )
    .await;
    refused(
        &url,
        &rsa.sign("k1", &claims(json!({"aud": "other"}))),
        "invalid audience",
    )
    .await;
    refused(
        &url,
        &rsa.sign("k1", &claims(json!({"iss": "https://evil.test"}))),
        "invalid issuer",
    )
    .await;
    let mut no_exp = claims(json!({}));
    if let Some(o) = no_exp.as_object_mut() {
        o.remove("exp");
    }
    refused(&url, &rsa.sign("k1", &no_exp), "missing required claim").await;
    // The payload swapped for another: the signature no longer matches.
    let parts: Vec<&str> = good.split('.').collect();
    let admin = b64(claims(json!({"sub": "root"})).to_string().as_bytes());
    refused(
        &url,
        &format!("{}.{admin}.{}", parts[0], parts[2]),
        "invalid signature",
    )
    .await;
    refused(&url, &rsa.sign("k9", &claims(json!({}))), "unknown kid").await;
    refused(&url, "not-a-token", "malformed token").await;

    let (status, head, body) = curl(&url, &[]).await;
    assert_eq!((status, body.as_str()), (401, "missing token\n"));
    assert!(head.contains("www-authenticate: bearer\r\n"), "{head}");
    assert!(!gw.logs().contains(&parts[2][..20]), "no token in the logs");
}

#[tokio::test(flavor = "multi_thread")]
async fn jwt_rotated_jwks_is_picked_up_without_restart_and_unknown_kids_are_rate_limited() {
    let a = backend("a").await;
    let (old, new) = (Signer::rsa(), Signer::rsa());
    let jwks = Jwks::start(json!({"keys": [old.jwk("old")]})).await;
    let mw = format!(
        "        jwksUrl: http://{}/jwks\n        algorithms: [RS256]\n",
        jwks.addr
    );
    let gw = Gw::start(LOCAL_EP, &dynamic(&a.url(), &mw));
    let url = format!("{}/", gw.url("web"));
    let old_token = old.sign("old", &claims(json!({})));
    assert_eq!(curl(&url, &bearer(&old_token)).await.0, 200);

    // Made-up kids: at most one fetch per 5 s, however many tokens name them.
    let (start, before) = (Instant::now(), jwks.fetches.load(Ordering::SeqCst));
    for i in 0..20 {
        let (status, _, _) = curl(
            &url,
            &bearer(&old.sign(&format!("made-up-{i}"), &claims(json!({})))),
        )
        .await;
        assert_eq!(status, 401);
    }
    let fetched = jwks.fetches.load(Ordering::SeqCst) - before;
    let bound = usize::try_from(start.elapsed().as_secs() / 5).expect("small") + 1;
    assert!(
        fetched <= bound,
        "{fetched} fetches in {:?}",
        start.elapsed()
    );

    // The identity provider rotates: the new kid is fetched on first sight (once the rate
    // limit allows), the old one is forgotten.
    jwks.set(json!({"keys": [new.jwk("new")]}));
    let new_token = new.sign("new", &claims(json!({})));
    eventually(Duration::from_secs(20), "the rotated key", || async {
        curl(&url, &bearer(&new_token)).await.0 == 200
    })
    .await;
    refused(&url, &old_token, "unknown kid").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn jwt_es256_and_eddsa_pass_and_hmac_tokens_come_from_header_query_or_cookie() {
    let a = backend("a").await;
    let ec = Signer::Ec(
        EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_FIXED_SIGNING).expect("ec"),
    );
    let ed = Signer::Ed(Ed25519KeyPair::generate().expect("ed"));
    let dir = Gw::dir();
    let set = json!({"keys": [ec.jwk("ec"), ed.jwk("ed")]});
    std::fs::write(dir.join("jwks.json"), set.to_string()).expect("jwks file");
    let cfg = format!(
        "http:\n  routers:\n    keys:\n      rule: Host(`jwt.test`)\n      entryPoints: [web]\n      service: s\n      middlewares: [set]\n\
         \x20   secret:\n      rule: Host(`jwt.test`) && PathPrefix(`/hs`)\n      entryPoints: [web]\n      service: s\n      middlewares: [hs]\n\
         \x20 middlewares:\n    set:\n      jwt:\n        jwksFile: {}\n        forwardHeaders: {{X-User: sub}}\n\
         \x20   hs:\n      jwt:\n        signingSecret: c2hhcmVkLXNlY3JldC1mb3ItdGVzdHM=\n        signingSecretBase64Encoded: true\n\
         \x20       tokenKey: access_token\n        tokenCookie: jwt\n        claims: Equals(`grp`, `admins`) && !Equals(`sub`, `mallory`)\n\
         \x20 services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{}\"}}]\n",
        dir.join("jwks.json").display(),
        a.url()
    );
    let gw = Gw::start_in_dir(dir, LOCAL_EP, &cfg);
    let url = gw.url("web");
    for (signer, kid) in [(&ec, "ec"), (&ed, "ed")] {
        let (status, _, body) = curl(
            &format!("{url}/api"),
            &bearer(&signer.sign(kid, &claims(json!({})))),
        )
        .await;
        assert_eq!(status, 200, "{kid}: {body}");
        let seen: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(seen["headers"]["X-User"][0], "alice");
    }
    // An ES256 token naming the Ed25519 key.
    refused(
        &format!("{url}/api"),
        &ec.sign("ed", &claims(json!({}))),
        "key does not match the algorithm",
    )
    .await;

    let hs = Signer::Hmac(b"shared-secret-for-tests".to_vec());
    let token = hs.sign("any", &claims(json!({})));
    assert_eq!(curl(&format!("{url}/hs"), &bearer(&token)).await.0, 200);
    assert_eq!(
        curl(&format!("{url}/hs?access_token={token}"), &[]).await.0,
        200
    );
    let cookie = vec!["-H".to_string(), format!("Cookie: theme=dark; jwt={token}")];
    assert_eq!(curl(&format!("{url}/hs"), &cookie).await.0, 200);
    let wrong = Signer::Hmac(b"another-secret".to_vec()).sign("any", &claims(json!({})));
    refused(&format!("{url}/hs"), &wrong, "invalid signature").await;
    // A good token whose claims do not satisfy `claims`: 403.
    let (status, head, body) = curl(
        &format!("{url}/hs"),
        &bearer(&hs.sign("any", &claims(json!({"sub": "mallory"})))),
    )
    .await;
    assert_eq!((status, body.as_str()), (403, "claims do not match\n"));
    assert!(head.contains("error=\"insufficient_scope\""), "{head}");
}

#[tokio::test(flavor = "multi_thread")]
async fn jwt_the_zero_trust_example_runs_as_written() {
    // examples/jwt-zero-trust with its identity provider and Go API replaced by the test's.
    let api = backend("go-api").await;
    let rsa = Signer::rsa();
    let jwks = Jwks::start(json!({"keys": [rsa.jwk("2026-12")]})).await;
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/jwt-zero-trust/dynamic.yml");
    let cfg = std::fs::read_to_string(example)
        .expect("the example")
        .replace(
            "https://idp.example.com/realms/go/protocol/openid-connect/certs",
            &format!("http://{}/certs", jwks.addr),
        )
        .replace("http://go-api:8080", &api.url())
        .replace("api.example.com", "jwt.test");
    let gw = Gw::start(LOCAL_EP, &cfg);
    let url = format!("{}/v1/orders", gw.url("web"));
    let token = |extra: Value| {
        let base = json!({"iss": "https://idp.example.com/realms/go", "aud": "go-api",
                          "email": "alice@example.com", "realm_access": {"roles": ["api-users"]}});
        let mut c = claims(base);
        if let (Some(c), Some(extra)) = (c.as_object_mut(), extra.as_object()) {
            c.extend(extra.clone());
        }
        rsa.sign("2026-12", &c)
    };
    // Expired 20 s ago: inside the 30 s leeway.
    let (status, _, body) = curl(&url, &bearer(&token(json!({"exp": now() - 20})))).await;
    assert_eq!(status, 200, "{body}");
    // whoami's text answer lists the request headers as `Name: value` lines.
    assert!(body.contains("X-User-Id: alice\n"), "{body}");
    assert!(body.contains("X-User-Email: alice@example.com\n"), "{body}");
    assert!(body.contains("X-User-Roles: [\"api-users\"]\n"), "{body}");
    assert!(!body.contains("Authorization"), "{body}");
    refused(&url, &token(json!({"exp": now() - 40})), "token expired").await;
    let hs = Signer::Hmac(rsa.public_pem().into_bytes()).sign("2026-12", &claims(json!({})));
    refused(&url, &hs, "algorithm not allowed").await;
    let (status, _, _) = curl(
        &url,
        &bearer(&token(json!({"realm_access": {"roles": []}}))),
    )
    .await;
    assert_eq!(status, 403, "not in api-users");
}

#[tokio::test(flavor = "multi_thread")]
async fn jwt_public_key_pem_verifies_rs256_and_refuses_hs256_signed_with_it() {
    let a = backend("a").await;
    let rsa = Signer::rsa();
    let pem = rsa.public_pem();
    let indented: String = pem.lines().map(|l| format!("          {l}\n")).collect();
    // usernameClaim names the client in the access log.
    let dir = Gw::dir();
    let log = dir.join("access.log");
    let st = format!(
        "{LOCAL_EP}accessLog:\n  filePath: {}\n  format: json\n",
        log.display()
    );
    let mw = format!("        usernameClaim: sub\n        publicKey: |\n{indented}");
    let gw = Gw::start_in_dir(dir, &st, &dynamic(&a.url(), &mw));
    let url = format!("{}/api", gw.url("web"));
    // A single public key: the token's kid does not matter.
    let (status, _, body) = curl(&url, &bearer(&rsa.sign("any", &claims(json!({}))))).await;
    assert_eq!(status, 200, "{body}");
    let confused = Signer::Hmac(pem.into_bytes()).sign("any", &claims(json!({})));
    refused(&url, &confused, "algorithm not allowed").await;
    let other = Signer::rsa().sign("any", &claims(json!({})));
    refused(&url, &other, "invalid signature").await;
    eventually(
        Duration::from_secs(10),
        "the passed request's access log line",
        || async {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            text.lines()
                .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                .any(|l| l["DownstreamStatus"] == 200 && l["ClientUsername"] == "alice")
        },
    )
    .await;
}
