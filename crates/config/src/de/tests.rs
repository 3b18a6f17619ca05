//! Deserializer behaviour on small models.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::decode::decode;
use crate::format::{parse_toml, parse_yaml};
use crate::issue::IssueKind;

#[derive(Debug, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase", default)]
struct Ep {
    address: String,
    #[serde(rename = "trustedIPs")]
    trusted_ips: Vec<String>,
    as_default: bool,
    max: u32,
}

#[derive(Debug, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase", default)]
struct Docker {
    exposed_by_default: Option<bool>,
}

#[derive(Debug, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase", default)]
struct Root {
    entry_points: BTreeMap<String, Ep>,
    #[serde(deserialize_with = "crate::de::section")]
    docker: Option<Docker>,
    #[serde(deserialize_with = "crate::de::section")]
    api: Option<Docker>,
    #[serde(alias = "ipWhiteList")]
    ip_allow_list: Option<String>,
    kind: Option<Kind>,
}

#[derive(Debug, Deserialize, PartialEq)]
enum Kind {
    RequireAnyClientCert,
    NoClientCert,
}

#[test]
fn case_insensitive_fields_and_sections() {
    let n = parse_yaml(
        "ENTRYPOINTS:\n  Web:\n    Address: ':80'\n    trustedips: [a, b]\n    asdefault: 'true'\n    max: 3\ndocker:\nkind: requireanyclientcert\nipwhitelist: x\n",
    )
    .expect("yaml");
    let d = decode::<Root>(&n, "", "f.yml");
    assert!(d.issues.is_empty(), "{:?}", d.issues);
    let r = d.value.expect("value");
    let ep = &r.entry_points["Web"];
    assert_eq!(ep.address, ":80");
    assert_eq!(ep.trusted_ips, ["a", "b"]);
    assert!(ep.as_default);
    assert_eq!(ep.max, 3);
    assert_eq!(r.docker, Some(Docker::default()));
    assert_eq!(r.api, None);
    assert_eq!(r.kind, Some(Kind::RequireAnyClientCert));
    assert_eq!(r.ip_allow_list.as_deref(), Some("x"));
}

#[test]
fn sections_from_flat_text() {
    let n = parse_yaml("docker: 'true'\napi: 'false'\nentryPoints: {web: {trustedIPs: 'a, b'}}\n")
        .expect("yaml");
    let r = decode::<Root>(&n, "", "x").clean().expect("clean");
    assert_eq!(r.docker, Some(Docker::default()));
    assert_eq!(r.api, None);
    assert_eq!(r.entry_points["web"].trusted_ips, ["a", "b"]);
}

#[test]
fn every_problem_is_reported_with_position() {
    let n = parse_yaml(
        "entryPoints:\n  web:\n    adress: ':80'\n    max: lots\n  api:\n    asDefault: maybe\nkind: Nope\nbogus: 1\n",
    )
    .expect("yaml");
    let d = decode::<Root>(&n, "", "static.yml");
    let text: Vec<String> = d.issues.iter().map(ToString::to_string).collect();
    assert_eq!(d.issues.len(), 5, "{text:#?}");
    assert!(text.contains(&"static.yml:3:5: entryPoints.web.adress: unknown key `adress` (did you mean `address`?)".to_string()), "{text:#?}");
    assert!(
        text.iter().any(|t| t.starts_with(
            "static.yml:4:10: entryPoints.web.max: expected a non-negative integer, found `lots`"
        )),
        "{text:#?}"
    );
    assert!(
        text.iter().any(
            |t| t.starts_with("static.yml:6:16: entryPoints.api.asDefault: expected a boolean")
        ),
        "{text:#?}"
    );
    assert!(
        text.iter()
            .any(|t| t.contains("kind: unknown value `Nope`")),
        "{text:#?}"
    );
    assert!(
        text.iter().any(|t| t.contains("bogus: unknown key")),
        "{text:#?}"
    );
    // The good parts still decode.
    let r = d.value.expect("partial value");
    assert!(r.entry_points.contains_key("web"));
    assert_eq!(
        d.issues
            .iter()
            .filter(|i| i.kind == IssueKind::UnknownKey)
            .count(),
        2
    );
}

#[test]
fn duplicates_are_reported() {
    let n = parse_yaml("entryPoints:\n  web: {address: ':80'}\n  web: {address: ':81'}\n")
        .expect("yaml");
    let d = decode::<Root>(&n, "", "f");
    assert_eq!(d.issues.len(), 1);
    assert_eq!(d.issues[0].kind, IssueKind::Duplicate);
    assert_eq!(d.value.expect("v").entry_points["web"].address, ":80");
    let n = parse_yaml("entryPoints: {web: {address: ':80', ADDRESS: ':81'}}").expect("yaml");
    let d = decode::<Root>(&n, "", "f");
    assert_eq!(d.issues[0].kind, IssueKind::Duplicate, "{:?}", d.issues);
}

#[test]
fn numeric_maps_are_lists_and_toml_works() {
    let n = parse_toml("[entryPoints.web.trustedIPs]\n1 = \"b\"\n0 = \"a\"\n").expect("toml");
    let r = decode::<Root>(&n, "", "f.toml").clean().expect("clean");
    assert_eq!(r.entry_points["web"].trusted_ips, ["a", "b"]);
}

#[test]
fn two_spellings_of_one_section_merge() {
    // Traefik's own fixtures write `[accessLog]` and `[accesslog.otlp]` in one file.
    let n = parse_toml(
        "[entryPoints.web]\naddress = \":80\"\n[entrypoints.api]\naddress = \":81\"\n[Docker]\nexposedByDefault = false\n[docker]\n",
    )
    .expect("toml");
    let d = decode::<Root>(&n, "", "f.toml");
    assert!(d.issues.is_empty(), "{:?}", d.issues);
    let r = d.value.expect("value");
    assert_eq!(r.entry_points["web"].address, ":80");
    assert_eq!(r.entry_points["api"].address, ":81");
    assert_eq!(r.docker.and_then(|d| d.exposed_by_default), Some(false));
    // The real static model: access log and its OTLP subsection in two spellings.
    let n = parse_toml("[accessLog]\nfilePath = \"/tmp/a.log\"\n[accesslog.otlp]\n").expect("toml");
    let d = decode::<crate::static_config::StaticConfig>(&n, "", "f.toml");
    assert!(d.issues.is_empty(), "{:?}", d.issues);
    let log = d.value.and_then(|s| s.access_log).expect("accessLog");
    assert_eq!(log.file_path, "/tmp/a.log");
    assert!(log.otlp.is_some());
    // A scalar set twice in two spellings is still a duplicate.
    let n = parse_yaml("entryPoints: {web: {address: ':80', ADDRESS: ':81'}}").expect("yaml");
    assert_eq!(
        decode::<Root>(&n, "", "f").issues[0].kind,
        IssueKind::Duplicate
    );
}
