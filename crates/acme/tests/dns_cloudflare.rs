//! `cloudflare` against a local STAND-IN for Cloudflare's API v4 (no real Cloudflare is
//! reachable from tests): a small HTTP server implementing the three documented endpoints
//! the provider uses (`GET /zones?name=`, `POST /zones/{id}/dns_records`,
//! `DELETE /zones/{id}/dns_records/{id}`) with the documented answer envelope. The tests
//! assert the exact requests: method, path and query, authentication headers and JSON body.
//! Pointed at through the Waygate-only `CLOUDFLARE_BASE_URL`.

#[path = "support/http_stub.rs"]
mod http_stub;

use std::collections::HashMap;

use http_stub::{Recorded, StubServer};
use serde_json::json;
use waygate_acme::dns::{DnsProvider, TxtRecord};

fn record(host: &str, value: &str) -> TxtRecord {
    TxtRecord {
        domain: host.into(),
        fqdn: format!("_acme-challenge.{host}."),
        value: value.into(),
        token: "tok".into(),
        key_auth: "tok.thumb".into(),
    }
}

/// The stand-in: one account with the zone `example.com` (id `zone-1`).
fn cloudflare_stand_in(req: &Recorded) -> (u16, String) {
    let ok = |result: serde_json::Value| {
        (
            200,
            json!({"success": true, "errors": [], "messages": [], "result": result}).to_string(),
        )
    };
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/client/v4/zones?name=example.com&per_page=50") => {
            ok(json!([{"id": "zone-1", "name": "example.com"}]))
        }
        ("GET", p) if p.starts_with("/client/v4/zones?name=") => ok(json!([])),
        ("POST", "/client/v4/zones/zone-1/dns_records") => {
            let n = req.json()["name"].as_str().map(str::len).unwrap_or(0);
            ok(json!({"id": format!("rec-{n}"), "type": "TXT"}))
        }
        ("DELETE", p) if p.starts_with("/client/v4/zones/zone-1/dns_records/rec-") => {
            ok(json!({"id": "deleted"}))
        }
        _ => (
            404,
            json!({"success": false, "errors": [{"code": 7003, "message": "No route"}]})
                .to_string(),
        ),
    }
}

fn provider(server: &StubServer, vars: &[(&str, &str)]) -> DnsProvider {
    let mut map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    map.insert(
        "CLOUDFLARE_BASE_URL".into(),
        format!("{}/client/v4", server.url()),
    );
    DnsProvider::from_env("cloudflare", &move |k| map.get(k).cloned()).expect("cloudflare provider")
}

#[tokio::test]
async fn token_auth_walks_up_to_the_zone_creates_and_deletes() {
    let server = StubServer::start(cloudflare_stand_in).await;
    let dns = provider(
        &server,
        &[
            ("CF_DNS_API_TOKEN", "dns-token"),
            ("CF_ZONE_API_TOKEN", "zone-token"),
        ],
    );
    let rec = record("www.example.com", "txt-value");
    dns.present(&rec).await.expect("present");
    dns.cleanup(&rec).await.expect("cleanup");

    let requests = server.requests();
    let seen: Vec<(&str, &str, Option<&str>)> = requests
        .iter()
        .map(|r| {
            (
                r.method.as_str(),
                r.path.as_str(),
                r.header("authorization"),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "GET",
                "/client/v4/zones?name=_acme-challenge.www.example.com&per_page=50",
                Some("Bearer zone-token")
            ),
            (
                "GET",
                "/client/v4/zones?name=www.example.com&per_page=50",
                Some("Bearer zone-token")
            ),
            (
                "GET",
                "/client/v4/zones?name=example.com&per_page=50",
                Some("Bearer zone-token")
            ),
            (
                "POST",
                "/client/v4/zones/zone-1/dns_records",
                Some("Bearer dns-token")
            ),
            (
                "DELETE",
                "/client/v4/zones/zone-1/dns_records/rec-31",
                Some("Bearer dns-token")
            ),
        ]
    );
    assert_eq!(
        requests[3].json(),
        json!({"type": "TXT", "name": "_acme-challenge.www.example.com", "content": "txt-value", "ttl": 120})
    );
    assert_eq!(requests[3].header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn global_key_auth_uses_email_and_key_headers_and_caches_zones() {
    let server = StubServer::start(cloudflare_stand_in).await;
    let dns = provider(
        &server,
        &[
            ("CLOUDFLARE_EMAIL", "ops@example.com"),
            ("CLOUDFLARE_API_KEY", "global-key"),
            ("CLOUDFLARE_TTL", "300"),
        ],
    );
    dns.present(&record("example.com", "apex"))
        .await
        .expect("present apex");
    dns.present(&record("example.com", "wildcard"))
        .await
        .expect("present second value");
    let requests = server.requests();
    // The zone lookup for example.com happened once; the second present used the cache.
    let lookups = requests
        .iter()
        .filter(|r| r.path.contains("name=example.com&"))
        .count();
    assert_eq!(
        lookups,
        1,
        "{:?}",
        requests.iter().map(|r| &r.path).collect::<Vec<_>>()
    );
    for req in &requests {
        assert_eq!(req.header("x-auth-email"), Some("ops@example.com"));
        assert_eq!(req.header("x-auth-key"), Some("global-key"));
        assert_eq!(req.header("authorization"), None);
    }
    let created: Vec<_> = requests
        .iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.json())
        .collect();
    assert_eq!(
        created[1],
        json!({"type": "TXT", "name": "_acme-challenge.example.com", "content": "wildcard", "ttl": 300})
    );
}

#[tokio::test]
async fn api_errors_and_unknown_records_are_reported() {
    let server = StubServer::start(|req: &Recorded| {
        if req.method == "POST" {
            (403, json!({"success": false, "errors": [{"code": 9109, "message": "Invalid access token"}]}).to_string())
        } else {
            cloudflare_stand_in(req)
        }
    })
    .await;
    let dns = provider(&server, &[("CLOUDFLARE_DNS_API_TOKEN", "bad-token")]);
    let err = dns
        .present(&record("www.example.com", "v"))
        .await
        .expect_err("403 must fail")
        .to_string();
    assert!(
        err.contains("403") && err.contains("9109: Invalid access token"),
        "{err}"
    );
    // The DNS token also does the zone lookups when no zone token is given.
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.header("authorization") == Some("Bearer bad-token"))
    );

    let err = dns
        .cleanup(&record("never.example.com", "v"))
        .await
        .expect_err("unknown id")
        .to_string();
    assert_eq!(
        err,
        "cloudflare: unknown record ID for '_acme-challenge.never.example.com.'"
    );

    let none = provider(&server, &[("CF_DNS_API_TOKEN", "t")]);
    let err = none
        .present(&record("example.org", "v"))
        .await
        .expect_err("no zone")
        .to_string();
    assert!(
        err.contains("no Cloudflare zone found for _acme-challenge.example.org"),
        "{err}"
    );
}
