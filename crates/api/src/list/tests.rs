#![allow(clippy::unwrap_used)] // tests: a panic is the failure report
use serde_json::Map;

use super::*;
use crate::items::Keys;

fn entry(name: &str, status: &'static str, rule: &str, service: &str, mws: &[&str]) -> Entry {
    Entry {
        name: name.to_string(),
        json: Map::new(),
        keys: Keys {
            provider: name.split_once('@').map_or("", |(_, p)| p).to_string(),
            status,
            rule: Some(rule.to_string()),
            service: Some(service.to_string()),
            middlewares: Some(mws.iter().map(|m| m.to_string()).collect()),
            priority: rule.len() as i64,
            entry_points: mws.len(),
            ..Keys::default()
        },
    }
}

fn names(q: &str, family: Family, mut entries: Vec<Entry>) -> Vec<String> {
    let q = Query::parse(q);
    if let Some(c) = Criterion::from_query(&q) {
        entries.retain(|e| c.keep(e));
    }
    sort(&q, family, &mut entries);
    entries.into_iter().map(|e| e.name).collect()
}

fn routers() -> Vec<Entry> {
    vec![
        entry(
            "bar@myprovider",
            "enabled",
            "Host(`foo.bar`)",
            "foo-service@myprovider",
            &["auth", "addPrefixTest@anotherprovider"],
        ),
        entry(
            "test@myprovider",
            "warning",
            "Host(`fii.bar.other`)",
            "fii-service",
            &["addPrefixTest"],
        ),
        entry("baz@other", "disabled", "Host(`z`)", "foo-service", &[]),
    ]
}

#[test]
fn filters_as_traefik() {
    let r = |q| names(q, Family::Routers, routers());
    assert_eq!(r("status=ENABLED"), ["bar@myprovider"]);
    assert_eq!(r("search=FII"), ["test@myprovider"]);
    assert_eq!(r("search=other"), ["baz@other", "test@myprovider"]);
    // A service written with `@` matches exactly; one written without matches the part of
    // the criterion before `@`.
    assert_eq!(
        r("serviceName=foo-service@myprovider"),
        ["bar@myprovider", "baz@other"]
    );
    assert_eq!(r("serviceName=foo-service@other"), ["baz@other"]);
    assert_eq!(r("serviceName=fii-service"), ["test@myprovider"]);
    assert_eq!(r("middlewareName=auth"), ["bar@myprovider"]);
    assert_eq!(r("middlewareName=addPrefixTest"), ["test@myprovider"]);
    assert_eq!(r("middlewareName=auth@myprovider"), Vec::<String>::new());
    assert_eq!(r("unrelated=1").len(), 3);
}

#[test]
fn sorting_keys_and_direction() {
    let r = |q| names(q, Family::Routers, routers());
    assert_eq!(r(""), ["bar@myprovider", "baz@other", "test@myprovider"]);
    assert_eq!(
        r("direction=desc"),
        ["test@myprovider", "baz@other", "bar@myprovider"]
    );
    // Any direction other than `asc` is descending.
    assert_eq!(r("direction=sideways")[0], "test@myprovider");
    assert_eq!(
        r("sortBy=status"),
        ["baz@other", "bar@myprovider", "test@myprovider"]
    );
    assert_eq!(r("sortBy=priority")[0], "baz@other");
    assert_eq!(r("sortBy=entryPoints&direction=desc")[0], "bar@myprovider");
    assert_eq!(r("sortBy=provider")[0], "bar@myprovider");
    assert_eq!(r("sortBy=provider&direction=desc")[0], "baz@other");
    assert_eq!(r("sortBy=service")[0], "test@myprovider");
    assert_eq!(r("sortBy=rule")[0], "test@myprovider");
    // Unknown keys, and keys of another family, sort by name.
    assert_eq!(r("sortBy=servers")[0], "bar@myprovider");
}

#[test]
fn pagination_as_traefik() {
    let p = |q: &str, total| paginate(&Query::parse(q), total);
    assert_eq!(
        p("", 0),
        Ok(Page {
            start: 0,
            end: 0,
            next: 1
        })
    );
    assert_eq!(
        p("page=2&per_page=1", 3),
        Ok(Page {
            start: 1,
            end: 2,
            next: 3
        })
    );
    assert_eq!(
        p("page=3&per_page=7", 19),
        Ok(Page {
            start: 14,
            end: 19,
            next: 1
        })
    );
    assert_eq!(
        p("page=2&per_page=10", 5),
        Err("invalid request: page: 2, per_page: 10".into())
    );
    assert_eq!(
        p("page=2&per_page=10", 10),
        Err("invalid request: page: 2, per_page: 10".into())
    );
    assert_eq!(p("page=0", 1), Err("invalid request: page: 0".into()));
    assert_eq!(p("page=-3", 1), Err("invalid request: page: -3".into()));
    assert_eq!(p("page=abc", 1), Err("invalid request: page: 0".into()));
    assert_eq!(
        p("per_page=x&page=0", 1),
        Err("invalid request: per_page: 0".into())
    );
    assert_eq!(
        p("per_page=99999999999999999999", 1),
        Err("invalid request: per_page: 9223372036854775807".into())
    );
    assert!(p("page=9223372036854775807&per_page=9223372036854775807", 1).is_err());
}
