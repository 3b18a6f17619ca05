use serde_json::json;
use waygate_config::dynamic::DynamicConfig;

use super::*;
use crate::table::dry_table;

fn static_cfg() -> StaticConfig {
    serde_json::from_value(json!({
        "entryPoints": {
            "web": {"address": ":80"},
            "websecure": {"address": ":443", "http": {"middlewares": ["hsts@file"]}}
        }
    }))
    .expect("static")
}

fn table(dynamic: serde_json::Value) -> (StaticConfig, RuntimeTable) {
    let st = static_cfg();
    let dynamic: DynamicConfig = serde_json::from_value(dynamic).expect("dynamic");
    let (table, issues) = dry_table(&st, &dynamic, &[]);
    assert!(!issues.iter().any(|i| i.is_error()), "{issues:#?}");
    (st, table)
}

fn lb(urls: &[&str]) -> serde_json::Value {
    let servers: Vec<_> = urls.iter().map(|u| json!({"url": u})).collect();
    json!({"loadBalancer": {"servers": servers}})
}

fn ask(url: &str, headers: &[(&str, &str)]) -> ExplainRequest {
    ExplainRequest {
        method: "GET".into(),
        url: url.into(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..ExplainRequest::default()
    }
}

fn routing() -> (StaticConfig, RuntimeTable) {
    table(json!({"http": {
        "routers": {
            "b@file": {"rule": "PathPrefix(`/api`)", "priority": 10, "service": "s@file",
                       "entryPoints": ["web"]},
            "a@file": {"rule": "Host(`app.example.com`)", "priority": 10, "service": "s@file",
                       "entryPoints": ["web"]},
            "canary@file": {"rule": "Host(`app.example.com`) && Header(`X-Env`, `canary`)",
                            "service": "s@file", "entryPoints": ["web"],
                            "middlewares": ["both@file"]}
        },
        "middlewares": {
            "both@file": {"chain": {"middlewares": ["strip", "hsts"]}},
            "strip@file": {"stripPrefix": {"prefixes": ["/api"]}},
            "hsts@file": {"headers": {"stsSeconds": 60}}
        },
        "services": {"s@file": lb(&["http://10.0.0.1:80", "http://10.0.0.2:80"])}
    }}))
}

#[test]
fn priority_tie_goes_to_the_first_name() {
    let (st, t) = routing();
    let e = t
        .explain(&st, &ask("http://app.example.com/api/v1?x=1", &[]))
        .expect("explain");
    assert!(!e.tls);
    let web = &e.entry_points[0];
    assert_eq!(web.entry_point, "web");
    let order: Vec<(&str, bool, bool)> = web
        .candidates
        .iter()
        .map(|c| (c.router.as_str(), c.matched, c.reached))
        .collect();
    // canary's default priority (its rule's length) is above 10; a@file and b@file tie.
    assert_eq!(
        order,
        [
            ("canary@file", false, true),
            ("a@file", true, true),
            ("b@file", true, false)
        ]
    );
    let winner = web.winner.as_ref().expect("winner");
    assert_eq!(winner.router, "a@file");
    assert_eq!(winner.service.name, "s@file");
    let pick = winner.service.pick.as_ref().expect("pick");
    assert_eq!(
        (pick.name.as_str(), pick.how.as_str()),
        ("http://10.0.0.1:80", "next in weighted round robin")
    );
    // Peeking does not advance the round robin.
    let again = t
        .explain(&st, &ask("http://app.example.com/", &[]))
        .expect("explain");
    let pick = &again.entry_points[0]
        .winner
        .as_ref()
        .expect("w")
        .service
        .pick;
    assert_eq!(pick.as_ref().expect("pick").name, "http://10.0.0.1:80");
}

#[test]
fn chain_is_flattened_with_its_origin() {
    let (st, t) = routing();
    let req = ask("http://app.example.com/api", &[("X-Env", "canary")]);
    let e = t.explain(&st, &req).expect("explain");
    let winner = e.entry_points[0].winner.as_ref().expect("winner");
    assert_eq!(winner.router, "canary@file");
    let steps: Vec<(&str, &str, &[String])> = winner
        .middlewares
        .iter()
        .map(|m| (m.name.as_str(), m.kind.as_str(), m.via.as_slice()))
        .collect();
    let via = ["both@file".to_string()];
    assert_eq!(
        steps,
        [
            ("strip@file", "stripPrefix", &via[..]),
            ("hsts@file", "headers", &via[..])
        ]
    );
}

#[test]
fn no_match_lists_the_nearest() {
    let (st, t) = routing();
    let e = t
        .explain(&st, &ask("http://other.example.com/web", &[]))
        .expect("explain");
    let web = &e.entry_points[0];
    assert!(web.winner.is_none());
    let nearest: Vec<(&str, Vec<&str>)> = web
        .nearest
        .iter()
        .map(|n| {
            let failed = n.failed.iter().map(|m| m.reason.as_str()).collect();
            (n.router.as_str(), failed)
        })
        .collect();
    assert_eq!(
        nearest,
        [
            (
                "a@file",
                vec!["host is `other.example.com`, wanted `app.example.com`"]
            ),
            ("b@file", vec!["path `/web` does not start with `/api`"]),
            (
                "canary@file",
                vec![
                    "host is `other.example.com`, wanted `app.example.com`",
                    "no `X-Env` header"
                ]
            ),
        ]
    );
}

#[test]
fn routers_see_the_cleaned_path() {
    let (st, t) = routing();
    let e = t
        .explain(&st, &ask("http://x.test/static/../api/%61", &[]))
        .expect("explain");
    let web = &e.entry_points[0];
    let seen = web.seen.as_ref().expect("seen");
    assert_eq!(seen.raw_path, "/static/../api/%61");
    assert_eq!(seen.cleaned_path.as_deref(), Some("/api/a"));
    assert_eq!(web.winner.as_ref().expect("winner").router, "b@file");
    let bad = t
        .explain(&st, &ask("http://x.test/a%zz", &[]))
        .expect("explain");
    let refused = bad.entry_points[0].refused.as_deref().unwrap_or("");
    assert!(refused.contains("400"), "{refused}");
}

#[test]
fn https_names_option_and_certificate() {
    let (st, t) = table(json!({"http": {
        "routers": {
            "secure@file": {"rule": "Host(`app.example.com`)", "service": "s@file",
                            "entryPoints": ["websecure"], "tls": {"options": "modern"}},
            "plain@file": {"rule": "Host(`app.example.com`)", "service": "s@file",
                           "entryPoints": ["web"]},
            "strict@file": {"rule": "Host(`strict.example.com`)", "service": "s@file",
                            "entryPoints": ["websecure"], "tls": {"options": "strict"}}
        },
        "middlewares": {"hsts@file": {"headers": {"stsSeconds": 60}}},
        "services": {"s@file": lb(&["http://10.0.0.1:80"])}
    }, "tls": {"options": {"modern@file": {"minVersion": "VersionTLS13"},
                           "strict@file": {"sniStrict": true}}}}));
    let e = t
        .explain(&st, &ask("https://App.Example.com/", &[]))
        .expect("explain");
    assert!(e.tls);
    // Only the entry point with TLS routers.
    assert_eq!(e.entry_points.len(), 1);
    let ep = &e.entry_points[0];
    assert_eq!(ep.entry_point, "websecure");
    let tls = ep.tls.as_ref().expect("tls");
    assert_eq!(tls.sni.as_deref(), Some("app.example.com"));
    assert_eq!(tls.option, "modern@file");
    let cert = tls.certificate.as_ref().expect("certificate");
    assert!(cert.generated_default && !cert.covers_sni, "{cert:?}");
    let winner = ep.winner.as_ref().expect("winner");
    assert_eq!(winner.router, "secure@file");
    assert!(winner.middlewares[0].entry_point);
    // Another name gets the default option; an IP address sends no SNI.
    let e = t
        .explain(
            &st,
            &ask("https://127.0.0.1/", &[("Host", "app.example.com")]),
        )
        .expect("explain");
    let tls = e.entry_points[0].tls.as_ref().expect("tls");
    assert_eq!((tls.sni.as_deref(), tls.option.as_str()), (None, "default"));
    assert_eq!(
        e.entry_points[0].winner.as_ref().expect("w").router,
        "secure@file"
    );
    // Plain HTTP on an entry point without TLS is refused for https.
    let req = ExplainRequest {
        entry_point: Some("web".into()),
        ..ask("https://app.example.com/", &[])
    };
    let e = t.explain(&st, &req).expect("explain");
    assert!(e.entry_points[0].refused.is_some());
    assert!(t.explain(&st, &ask("ftp://x/", &[])).is_err());
    // sniStrict and no certificate for the name: the handshake fails, nothing is routed.
    let e = t
        .explain(&st, &ask("https://strict.example.com/", &[]))
        .expect("explain");
    let ep = &e.entry_points[0];
    let tls = ep.tls.as_ref().expect("tls");
    assert_eq!(tls.option, "strict@file");
    let refused = ep.refused.as_deref().unwrap_or("");
    assert!(refused.contains("sniStrict"), "{refused}");
    assert!(ep.candidates.is_empty() && ep.winner.is_none());
}
