//! `DnsProvider::from_env`: provider names and lego's environment variables, as rows —
//! unknown providers, missing or malformed variables, `_FILE` variants, aliases and the
//! timeouts each provider reports (lego's defaults unless set).

use std::collections::HashMap;
use std::time::Duration;

use waygate_acme::dns::{DnsProvider, SUPPORTED_PROVIDERS};

/// Environment variables of one row.
type Vars = &'static [(&'static str, &'static str)];
/// (propagation timeout, polling interval), in seconds.
type Timeouts = (u64, u64);

fn from_env(name: &str, vars: &[(&str, &str)]) -> Result<DnsProvider, String> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    DnsProvider::from_env(name, &move |k| map.get(k).cloned()).map_err(|e| e.to_string())
}

#[test]
fn unknown_provider_lists_the_supported_ones() {
    let err = from_env("route53", &[]).expect_err("unknown");
    assert_eq!(
        err,
        "unknown DNS challenge provider \"route53\": Waygate supports cloudflare, exec, httpreq, rfc2136"
    );
    assert_eq!(
        SUPPORTED_PROVIDERS,
        ["cloudflare", "exec", "httpreq", "rfc2136"]
    );
}

#[test]
fn missing_and_malformed_variables_are_named() {
    let rows: &[(&str, Vars, &str)] = &[
        (
            "rfc2136",
            &[],
            "rfc2136: missing environment variable RFC2136_NAMESERVER (or RFC2136_NAMESERVER_FILE)",
        ),
        (
            "exec",
            &[],
            "exec: missing environment variable EXEC_PATH (or EXEC_PATH_FILE)",
        ),
        (
            "httpreq",
            &[],
            "httpreq: missing environment variable HTTPREQ_ENDPOINT (or HTTPREQ_ENDPOINT_FILE)",
        ),
        (
            "httpreq",
            &[("HTTPREQ_ENDPOINT", "ftp://x")],
            "must be an http:// or https:// URL",
        ),
        (
            "cloudflare",
            &[],
            "cloudflare: missing credentials: set CF_DNS_API_TOKEN",
        ),
        (
            "cloudflare",
            &[("CF_API_EMAIL", "a@b.c")],
            "or CF_API_EMAIL and CF_API_KEY",
        ),
        (
            "cloudflare",
            &[("CF_DNS_API_TOKEN", "t"), ("CLOUDFLARE_TTL", "60")],
            "TTL (60) must be greater than 120",
        ),
        (
            "rfc2136",
            &[
                ("RFC2136_NAMESERVER", "ns"),
                ("RFC2136_TSIG_ALGORITHM", "hmac-md5.sig-alg.reg.int."),
            ],
            "unsupported TSIG algorithm",
        ),
        (
            "rfc2136",
            &[("RFC2136_NAMESERVER", "ns"), ("RFC2136_TTL", "2m")],
            "RFC2136_TTL=\"2m\" is not a non-negative integer",
        ),
        (
            "rfc2136",
            &[
                ("RFC2136_NAMESERVER", "ns"),
                ("RFC2136_TSIG_FILE", "/nonexistent/key"),
            ],
            "cannot read TSIG file /nonexistent/key",
        ),
        (
            "exec",
            &[("EXEC_PATH_FILE", "/nonexistent/path")],
            "cannot read /nonexistent/path (from EXEC_PATH_FILE)",
        ),
    ];
    for (name, vars, expected) in rows {
        let err = from_env(name, vars).expect_err(expected);
        assert!(err.contains(expected), "{name} {vars:?}: {err}");
    }
}

#[test]
fn timeouts_are_legos_defaults_unless_set() {
    // (provider, variables, (propagation timeout, polling interval), sequence interval) in s.
    let rows: &[(&str, Vars, Timeouts, Option<u64>)] = &[
        (
            "rfc2136",
            &[("RFC2136_NAMESERVER", "127.0.0.1")],
            (60, 2),
            Some(60),
        ),
        (
            "rfc2136",
            &[
                ("RFC2136_NAMESERVER", "127.0.0.1"),
                ("RFC2136_TIMEOUT", "90"),
            ],
            (90, 2),
            Some(60),
        ),
        (
            "rfc2136",
            &[
                ("RFC2136_NAMESERVER", "127.0.0.1"),
                ("RFC2136_PROPAGATION_TIMEOUT", "30"),
                ("RFC2136_POLLING_INTERVAL", "5"),
                ("RFC2136_SEQUENCE_INTERVAL", "0"),
            ],
            (30, 5),
            Some(0),
        ),
        (
            "exec",
            &[
                ("EXEC_PATH", "/bin/true"),
                ("EXEC_PROPAGATION_TIMEOUT", "10"),
            ],
            (10, 2),
            Some(60),
        ),
        (
            "httpreq",
            &[("HTTPREQ_ENDPOINT", "https://dns.example.com/hook")],
            (60, 2),
            None,
        ),
        (
            "cloudflare",
            &[("CLOUDFLARE_DNS_API_TOKEN", "t")],
            (120, 2),
            None,
        ),
        (
            "cloudflare",
            &[
                ("CF_API_EMAIL", "a@b.c"),
                ("CF_API_KEY", "k"),
                ("CLOUDFLARE_POLLING_INTERVAL", "10"),
            ],
            (120, 10),
            None,
        ),
    ];
    for (name, vars, (timeout, interval), sequence) in rows {
        let provider = from_env(name, vars).unwrap_or_else(|e| panic!("{name} {vars:?}: {e}"));
        assert_eq!(provider.name(), *name);
        assert_eq!(
            provider.timeouts(),
            (
                Duration::from_secs(*timeout),
                Duration::from_secs(*interval)
            ),
            "{name} {vars:?}"
        );
        assert_eq!(
            provider.sequence_interval(),
            sequence.map(Duration::from_secs),
            "{name} {vars:?}"
        );
    }
}

#[test]
fn file_variants_and_tsig_key_files_are_read() {
    let dir = std::env::temp_dir().join(format!("waygate-dns-env-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let secret_file = dir.join("secret");
    std::fs::write(&secret_file, "c2VjcmV0\n").expect("write secret");
    let key_file = dir.join("key.conf");
    std::fs::write(
        &key_file,
        "key \"k.example.\" {\n\talgorithm hmac-sha512;\n\tsecret \"c2VjcmV0\";\n};\n",
    )
    .expect("write key");
    let secret_path = secret_file.display().to_string();
    let key_path = key_file.display().to_string();

    let via_file = from_env(
        "rfc2136",
        &[
            ("RFC2136_NAMESERVER", "127.0.0.1:5353"),
            ("RFC2136_TSIG_KEY", "k."),
            ("RFC2136_TSIG_SECRET_FILE", &secret_path),
        ],
    )
    .expect("_FILE secret");
    let shown = format!("{via_file:?}");
    assert!(
        shown.contains("hmac-sha1") && shown.contains("<redacted>") && !shown.contains("c2VjcmV0"),
        "{shown}"
    );

    let keygen = from_env(
        "rfc2136",
        &[
            ("RFC2136_NAMESERVER", "ns.example.com"),
            ("RFC2136_TSIG_FILE", &key_path),
        ],
    )
    .expect("tsig-keygen file");
    let shown = format!("{keygen:?}");
    assert!(
        shown.contains("k.example.")
            && shown.contains("hmac-sha512")
            && shown.contains("ns.example.com:53"),
        "{shown}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
