//! Domain collection from routers, entry points and TCP routers.

use waygate_config::decode;
use waygate_config::dynamic::DynamicConfig;
use waygate_config::format::Format;
use waygate_config::static_config::StaticConfig;

use super::*;

fn st(yaml: &str) -> StaticConfig {
    let node = Format::Yaml.parse(yaml).expect("YAML");
    decode::<StaticConfig>(&node, "", "static.yml")
        .clean()
        .expect("static config decodes")
}

fn dynamic(yaml: &str) -> DynamicConfig {
    let node = Format::Yaml.parse(yaml).expect("YAML");
    let load = waygate_config::load::decode_dynamic(&node, "test.yml", "test");
    assert!(load.issues.is_empty(), "{:#?}", load.issues);
    load.config
}

fn d(main: &str, sans: &[&str]) -> Domain {
    Domain {
        main: main.into(),
        sans: sans.iter().map(|s| s.to_string()).collect(),
    }
}

const STATIC: &str = "entryPoints:\n  web:\n    address: ':80'\n  websecure:\n    address: ':443'\n    http:\n      tls:\n        certResolver: ep\ncertificatesResolvers:\n  le:\n    acme: {}\n  ep:\n    acme: {}\n";

#[test]
fn hosts_of_the_rule_or_explicit_domains() {
    let dy = dynamic(
        "http:\n  routers:\n    a:\n      rule: \"Host(`A.example.com`) || Host(`b.example.com`)\"\n      entryPoints: [web]\n      service: s\n      tls:\n        certResolver: le\n    b:\n      rule: \"Host(`x.test`)\"\n      entryPoints: [web]\n      service: s\n      tls:\n        certResolver: le\n        domains:\n          - main: \"*.example.org\"\n            sans: [example.org]\n    other:\n      rule: \"Host(`other.test`)\"\n      entryPoints: [web]\n      service: s\n      tls:\n        certResolver: nope\n    plain:\n      rule: \"Host(`plain.test`)\"\n      entryPoints: [web]\n      service: s\n",
    );
    let (domains, problems) = wanted("le", &st(STATIC), &dy);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        domains,
        [
            d("*.example.org", &["example.org"]),
            d("a.example.com", &["b.example.com"])
        ]
    );
}

#[test]
fn entry_point_tls_applies_to_routers_without_their_own() {
    let dy = dynamic(
        "http:\n  routers:\n    a:\n      rule: \"Host(`ep.test`)\"\n      entryPoints: [websecure]\n      service: s\n    b:\n      rule: \"Host(`own.test`)\"\n      entryPoints: [websecure]\n      service: s\n      tls: {}\n",
    );
    let (domains, _) = wanted("ep", &st(STATIC), &dy);
    assert_eq!(domains, [d("ep.test", &[])]);
}

#[test]
fn tcp_routers_use_host_sni() {
    let dy = dynamic(
        "tcp:\n  routers:\n    t:\n      rule: \"HostSNI(`db.test`)\"\n      entryPoints: [websecure]\n      service: s\n      tls:\n        certResolver: le\n",
    );
    let (domains, _) = wanted("le", &st(STATIC), &dy);
    assert_eq!(domains, [d("db.test", &[])]);
}

#[test]
fn bad_names_are_reported() {
    let dy = dynamic(
        "http:\n  routers:\n    a:\n      rule: \"PathPrefix(`/`)\"\n      entryPoints: [web]\n      service: s\n      tls:\n        certResolver: le\n    b:\n      rule: \"Host(`ok.test`)\"\n      entryPoints: [web]\n      service: s\n      tls:\n        certResolver: le\n        domains:\n          - main: \"*.*.test\"\n            sans: [ok.test]\n",
    );
    let (domains, problems) = wanted("le", &st(STATIC), &dy);
    assert_eq!(domains, [d("ok.test", &[])]);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems
            .iter()
            .any(|p| p.contains("router a") && p.contains("no domain"))
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("*.*.test") && p.contains("wildcard"))
    );
}

#[test]
fn the_default_generated_certificate_is_wanted_from_its_resolver() {
    let dy = dynamic(
        "tls:\n  stores:\n    default:\n      defaultGeneratedCert:\n        resolver: le\n        domain:\n          main: default.test\n          sans: [alt.test]\n",
    );
    let (domains, problems) = wanted("le", &st(STATIC), &dy);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(domains, [d("default.test", &["alt.test"])]);
    assert!(
        wanted("ep", &st(STATIC), &dy).0.is_empty(),
        "another resolver's"
    );
}
