//! `rfc2136` and the propagation check against a real Knot DNS (`support/knot.rs`): the
//! record is published by a TSIG-signed UPDATE, seen through our own query and through
//! Knot's `kdig`, removed again; wrong keys are refused with a clear error; the
//! propagation wait succeeds once the record is there and times out naming what each
//! server returned when it is not.

#[path = "support/knot.rs"]
mod knot;

use std::collections::HashMap;
use std::time::Duration;

use knot::Knot;
use waygate_acme::dns::{
    DnsProvider, PropagationCheck, TxtRecord, effective_fqdn, query_txt, wait_propagation_with,
};

fn record(label: &str, value: &str) -> TxtRecord {
    TxtRecord {
        domain: format!("{label}.waygate.test"),
        fqdn: format!("_acme-challenge.{label}.waygate.test."),
        value: value.to_string(),
        token: "token".into(),
        key_auth: "token.thumbprint".into(),
    }
}

fn provider(vars: &[(&str, &str)]) -> Result<DnsProvider, waygate_acme::dns::DnsError> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    DnsProvider::from_env("rfc2136", &move |k| map.get(k).cloned())
}

fn knot_provider(knot: &Knot) -> DnsProvider {
    let ns = knot.nameserver();
    provider(&[
        ("RFC2136_NAMESERVER", &ns),
        ("RFC2136_TSIG_KEY", knot.key_name),
        ("RFC2136_TSIG_SECRET", knot.key_secret),
        ("RFC2136_TSIG_ALGORITHM", knot.algorithm),
    ])
    .expect("rfc2136 provider")
}

#[tokio::test]
async fn present_is_visible_and_cleanup_removes_it() {
    let knot = Knot::start();
    let dns = knot_provider(&knot);
    let rec = record("x", "first-value");

    dns.present(&rec).await.expect("present");
    let ours = query_txt(&knot.nameserver(), &rec.fqdn)
        .await
        .expect("our query");
    assert_eq!(ours, vec!["first-value"]);
    assert_eq!(knot.kdig_txt(&rec.fqdn), vec!["first-value"]);

    // A second present replaces the RRset (lego removes leftovers first).
    let again = record("x", "second-value");
    dns.present(&again).await.expect("present again");
    assert_eq!(knot.kdig_txt(&rec.fqdn), vec!["second-value"]);

    dns.cleanup(&again).await.expect("cleanup");
    assert!(
        query_txt(&knot.nameserver(), &rec.fqdn)
            .await
            .expect("our query")
            .is_empty()
    );
    assert!(knot.kdig_txt(&rec.fqdn).is_empty(), "{}", knot.log());
}

#[tokio::test]
async fn every_algorithm_lego_accepts_is_understood_by_knot() {
    let knot = Knot::start();
    let ns = knot.nameserver();
    for (name, algorithm, secret) in knot::EXTRA_KEYS {
        let dns = provider(&[
            ("RFC2136_NAMESERVER", &ns),
            ("RFC2136_TSIG_KEY", name),
            ("RFC2136_TSIG_SECRET", secret),
            ("RFC2136_TSIG_ALGORITHM", algorithm),
        ])
        .expect("provider");
        let rec = record(algorithm, algorithm);
        dns.present(&rec)
            .await
            .unwrap_or_else(|e| panic!("{algorithm}: {e}"));
        assert_eq!(knot.kdig_txt(&rec.fqdn), vec![algorithm.to_string()]);
    }
    // Without RFC2136_TSIG_ALGORITHM lego (and we) use hmac-sha1.
    let (name, _, secret) = knot::EXTRA_KEYS[0];
    let dns = provider(&[
        ("RFC2136_NAMESERVER", &ns),
        ("RFC2136_TSIG_KEY", name),
        ("RFC2136_TSIG_SECRET", secret),
    ])
    .expect("provider");
    dns.present(&record("default-alg", "sha1-by-default"))
        .await
        .expect("hmac-sha1 by default");
}

#[tokio::test]
async fn a_wrong_secret_or_key_is_a_clear_tsig_error() {
    let knot = Knot::start();
    let ns = knot.nameserver();
    let wrong_secret = provider(&[
        ("RFC2136_NAMESERVER", &ns),
        ("RFC2136_TSIG_KEY", knot.key_name),
        (
            "RFC2136_TSIG_SECRET",
            "d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC13cm9uZyE=",
        ),
        ("RFC2136_TSIG_ALGORITHM", knot.algorithm),
    ])
    .expect("provider");
    let err = wrong_secret
        .present(&record("y", "v"))
        .await
        .expect_err("wrong secret must fail")
        .to_string();
    assert!(
        err.contains("TSIG") && err.contains("BADSIG") && err.contains("NOTAUTH"),
        "{err}"
    );
    assert!(err.contains("_acme-challenge.y.waygate.test."), "{err}");

    let unknown_key = provider(&[
        ("RFC2136_NAMESERVER", &ns),
        ("RFC2136_TSIG_KEY", "nobody."),
        ("RFC2136_TSIG_SECRET", knot.key_secret),
        ("RFC2136_TSIG_ALGORITHM", knot.algorithm),
    ])
    .expect("provider");
    let err = unknown_key
        .present(&record("y", "v"))
        .await
        .expect_err("unknown key must fail")
        .to_string();
    assert!(err.contains("TSIG") && err.contains("BADKEY"), "{err}");

    // Unsigned updates are not allowed by the zone's ACL.
    let unsigned = provider(&[("RFC2136_NAMESERVER", &ns)]).expect("provider");
    let err = unsigned
        .present(&record("y", "v"))
        .await
        .expect_err("unsigned must fail")
        .to_string();
    assert!(err.contains("NOTAUTH") || err.contains("REFUSED"), "{err}");
    assert!(knot.kdig_txt("_acme-challenge.y.waygate.test.").is_empty());
}

fn check_against(knot: &Knot) -> PropagationCheck {
    PropagationCheck {
        resolvers: vec![knot.nameserver()],
        ..PropagationCheck::default()
    }
}

#[tokio::test]
async fn propagation_wait_sees_the_record_on_resolvers_and_authoritative_servers() {
    let knot = Knot::start();
    let dns = knot_provider(&knot);
    let rec = record("z", "propagated");
    dns.present(&rec).await.expect("present");
    let check = PropagationCheck {
        require_all_rns: true,
        ..check_against(&knot)
    };
    // The zone's NS (ns.waygate.test. A 127.0.0.1) is Knot itself, asked on Knot's port.
    wait_propagation_with(
        &rec,
        &check,
        Duration::from_secs(10),
        Duration::from_millis(200),
        knot.port(),
    )
    .await
    .expect("propagated");
}

#[tokio::test]
async fn propagation_timeout_names_fqdn_value_and_answers() {
    let knot = Knot::start();
    let rec = record("absent", "never-published");
    let started = std::time::Instant::now();
    let err = wait_propagation_with(
        &rec,
        &check_against(&knot),
        Duration::from_millis(800),
        Duration::from_millis(200),
        knot.port(),
    )
    .await
    .expect_err("the record does not exist")
    .to_string();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        err.contains("_acme-challenge.absent.waygate.test."),
        "{err}"
    );
    assert!(err.contains("never-published"), "{err}");
    assert!(
        err.contains(&format!(
            "ns.waygate.test. (127.0.0.1:{}) returned []",
            knot.port()
        )),
        "{err}"
    );
}

#[tokio::test]
async fn disabled_checks_do_not_query() {
    // No server at all: with disableChecks only the delay is waited.
    let check = PropagationCheck {
        resolvers: vec!["127.0.0.1:9".into()],
        delay_before_checks: Duration::from_millis(50),
        disable_checks: true,
        ..PropagationCheck::default()
    };
    let started = std::time::Instant::now();
    wait_propagation_with(
        &record("n", "v"),
        &check,
        Duration::from_secs(1),
        Duration::from_secs(1),
        53,
    )
    .await
    .expect("no check");
    assert!(started.elapsed() >= Duration::from_millis(50));
}

#[tokio::test]
async fn a_cname_at_the_challenge_name_is_followed() {
    let knot = Knot::start();
    let check = check_against(&knot);
    let alias = record("cname", "through-the-cname");
    let effective = effective_fqdn(&alias.fqdn, &check).await;
    assert_eq!(effective, "_acme-challenge.delegated.waygate.test.");
    let plain = "_acme-challenge.plain.waygate.test.";
    assert_eq!(effective_fqdn(plain, &check).await, plain);

    // Published at the CNAME's target, the record is seen through the alias.
    let target = TxtRecord {
        fqdn: effective,
        ..alias.clone()
    };
    knot_provider(&knot)
        .present(&target)
        .await
        .expect("present at the target");
    wait_propagation_with(
        &alias,
        &check,
        Duration::from_secs(10),
        Duration::from_millis(200),
        knot.port(),
    )
    .await
    .expect("seen through the CNAME");
}
