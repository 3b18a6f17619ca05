//! DNS-01 through `rfc2136` (TSIG) against a real Knot DNS that Pebble also resolves
//! through: a wildcard certificate, which only DNS-01 can obtain.

#[path = "../../../crates/acme/tests/support/knot.rs"]
mod knot;

use std::time::Duration;

use self::knot::Knot;
use crate::pebble::{Pebble, PebbleSetup};
use crate::{Scene, acme_yaml, dynamic_cfg, verified, wait_issued};

#[tokio::test(flavor = "multi_thread")]
async fn dns01_rfc2136_against_knot_issues_a_wildcard() {
    let knot = Knot::start();
    let scene = Scene::new().await;
    let dir = scene.dir.clone();
    let pebble = Pebble::start(
        &dir,
        &PebbleSetup {
            dns: Some(knot.addr),
            ..scene.setup()
        },
    );
    // Knot's NS record points at port 53: check the record at the resolver given here only.
    let challenge = format!(
        "      dnsChallenge:\n        provider: rfc2136\n        resolvers: [\"{}\"]\n        propagation:\n          disableANSChecks: true\n",
        knot.nameserver()
    );
    let domains = "        domains:\n          - main: \"*.waygate.test\"\n            sans: [waygate.test]\n";
    let dynamic = dynamic_cfg(
        "HostRegexp(`^.+\\\\.waygate\\\\.test$`)",
        &scene.app.url(),
        domains,
    );
    let nameserver = knot.nameserver();
    let env = [
        ("RFC2136_NAMESERVER", nameserver.as_str()),
        ("RFC2136_TSIG_KEY", knot.key_name),
        ("RFC2136_TSIG_SECRET", knot.key_secret),
        ("RFC2136_TSIG_ALGORITHM", knot.algorithm),
        ("RFC2136_PROPAGATION_TIMEOUT", "30"),
        ("RFC2136_POLLING_INTERVAL", "1"),
    ];
    let resolver = acme_yaml(&pebble, &dir, &challenge);
    let gw = scene.gateway_env("", &resolver, &dynamic, &env);
    let cert = wait_issued(&gw, &pebble, "app.waygate.test", Duration::from_secs(90)).await;
    // One wildcard certificate serves every name under the zone, and the apex.
    let root = pebble.root_pem().await;
    for name in ["other.waygate.test", "waygate.test"] {
        let served = verified(gw.addrs["websecure"], name, &root).await;
        assert_eq!(served.as_ref().ok(), Some(&cert), "{name}: {served:?}");
    }
    // The challenge records were withdrawn from the zone.
    assert!(
        knot.kdig_txt("_acme-challenge.waygate.test.").is_empty(),
        "TXT records left behind"
    );
}
