//! Traefik's `pkg/ip` strategy and checker cases as rows.

use super::*;

fn cfg(depth: i64, excluded: &[&str], subnet: Option<i64>) -> Config {
    Config {
        depth,
        excluded_ips: excluded.iter().map(|s| s.to_string()).collect(),
        ipv6_subnet: subnet,
    }
}

fn xff(v: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("x-forwarded-for", v.parse().expect("header"));
    h
}

fn show(ip: ClientIp<'_>) -> String {
    match ip {
        ClientIp::Ip(ip) => ip.to_string(),
        ClientIp::Text(t) => String::from_utf8_lossy(t).into_owned(),
    }
}

const REMOTE: &str = "192.0.2.1";

#[test]
fn depth_counts_from_the_right() {
    let v6 = "::abcd:ffff:c0a8:1";
    let rows: &[(i64, &str, Option<i64>, &str)] = &[
        (3, "10.0.0.4,10.0.0.3,10.0.0.2,10.0.0.1", None, "10.0.0.3"),
        (2, "", None, ""),
        (2, "10.0.0.2,10.0.0.1", None, "10.0.0.2"),
        (2, "10.0.0.2, 10.0.0.1", None, "10.0.0.2"),
        (1, "", None, ""),
        (3, "10.0.0.2,10.0.0.1", None, ""),
        (2, "10.0.0.3,10.0.0.2,10.0.0.1", Some(80), "10.0.0.2"),
        (
            2,
            &format!("10.0.0.3,{v6},10.0.0.1"),
            Some(80),
            "::abcd:0:0:0",
        ),
        (1, "unknown", None, "unknown"),
        (1, "10.0.0.9:4711", None, "10.0.0.9"),
        (1, "[::1]:80", None, "::1"),
        (1, "::ffff:10.0.0.1", None, "10.0.0.1"),
    ];
    for (depth, header, subnet, want) in rows {
        let s = IpStrategy::new(Some(&cfg(*depth, &[], *subnet))).expect("strategy");
        let got = show(s.select(&xff(header), REMOTE.parse().expect("ip")));
        assert_eq!(&got, want, "depth {depth} of `{header}`");
    }
}

#[test]
fn several_lines_are_one_list() {
    let mut h = xff("10.0.0.3, 10.0.0.2");
    h.append("x-forwarded-for", "10.0.0.1".parse().expect("header"));
    let s = IpStrategy::new(Some(&cfg(2, &[], None))).expect("strategy");
    assert_eq!(show(s.select(&h, REMOTE.parse().expect("ip"))), "10.0.0.2");
    let s = IpStrategy::new(Some(&cfg(3, &[], None))).expect("strategy");
    assert_eq!(show(s.select(&h, REMOTE.parse().expect("ip"))), "10.0.0.3");
    let s = IpStrategy::new(Some(&cfg(0, &["10.0.0.1", "10.0.0.2"], None))).expect("strategy");
    assert_eq!(show(s.select(&h, REMOTE.parse().expect("ip"))), "10.0.0.3");
}

#[test]
fn depth_without_the_header_selects_nothing() {
    let s = IpStrategy::new(Some(&cfg(1, &[], None))).expect("strategy");
    let none = HeaderMap::new();
    let got = s.select(&none, REMOTE.parse().expect("ip"));
    assert_eq!(got, ClientIp::Text(b""));
}

#[test]
fn excluded_ips_scan_from_the_right() {
    let rows: &[(&[&str], &str, &str)] = &[
        (
            &["10.0.0.4", "10.0.0.3", "10.0.0.2", "10.0.0.1"],
            "10.0.0.4,10.0.0.3,10.0.0.2,10.0.0.1",
            "",
        ),
        (
            &["10.0.0.2", "10.0.0.1"],
            "10.0.0.4,10.0.0.3,10.0.0.2,10.0.0.1",
            "10.0.0.3",
        ),
        (
            &["10.0.0.1/24"],
            "127.0.0.1,10.0.0.4,10.0.0.3,10.0.0.2,10.0.0.1",
            "127.0.0.1",
        ),
        (&["10.0.0.1/24"], "10.0.0.4,10.0.0.3,10.0.0.2,10.0.0.1", ""),
        // Empty entries are skipped; an entry that is no IP is selected as it is.
        (&["10.0.0.1"], "garbage, ,10.0.0.1", "garbage"),
    ];
    for (excluded, header, want) in rows {
        let s = IpStrategy::new(Some(&cfg(0, excluded, None))).expect("strategy");
        let got = show(s.select(&xff(header), REMOTE.parse().expect("ip")));
        assert_eq!(&got, want, "excluding {excluded:?} from `{header}`");
    }
    // depth wins over excludedIPs.
    let s = IpStrategy::new(Some(&cfg(1, &["10.0.0.1"], None))).expect("strategy");
    let got = show(s.select(&xff("10.0.0.2,10.0.0.1"), REMOTE.parse().expect("ip")));
    assert_eq!(got, "10.0.0.1");
}

#[test]
fn remote_address_and_ipv6_subnet() {
    let rows: &[(Option<&Config>, &str, &str)] = &[
        (None, REMOTE, REMOTE),
        (Some(&cfg(0, &[], Some(24))), REMOTE, REMOTE),
        (
            Some(&cfg(0, &[], Some(80))),
            "::abcd:ffff:c0a8:1",
            "::abcd:0:0:0",
        ),
        (Some(&cfg(0, &[], Some(128))), "2001:db8::1", "2001:db8::1"),
        (Some(&cfg(-1, &[], None)), "::ffff:192.0.2.9", "192.0.2.9"),
    ];
    for (c, remote, want) in rows {
        let s = IpStrategy::new(*c).expect("strategy");
        // The header is ignored without depth or excludedIPs.
        let got = show(s.select(&xff("10.9.9.9"), remote.parse().expect("ip")));
        assert_eq!(&got, want, "{c:?} {remote}");
    }
}

#[test]
fn invalid_ipv6_subnets_are_refused_as_traefik_does() {
    for n in [0, 129, -3] {
        let e = IpStrategy::new(Some(&cfg(0, &[], Some(n)))).expect_err("refused");
        assert!(e.contains(&format!("invalid IPv6 subnet {n} value")), "{e}");
        assert!(IpStrategy::new(Some(&cfg(2, &[], Some(n)))).is_err());
    }
    // Not looked at with excludedIPs, as in Traefik.
    assert!(IpStrategy::new(Some(&cfg(0, &["10.0.0.1"], Some(0)))).is_ok());
}

#[test]
fn ip_list_matches_like_go() {
    let list = IpList::new(&[
        "10.0.0.0/8".into(),
        "192.168.1.7".into(),
        "2001:db8::/32".into(),
        "::ffff:172.16.0.0/108".into(),
        " 1.2.3.4 ".into(),
        "10.1.2.3/8".into(),
    ])
    .expect("list");
    let yes = [
        "10.200.0.1",
        "192.168.1.7",
        "2001:db8::5",
        "172.16.3.4",
        "1.2.3.4",
    ];
    let no = [
        "11.0.0.1",
        "192.168.1.8",
        "2001:db9::1",
        "172.32.0.1",
        "::1",
    ];
    for ip in yes {
        assert!(list.contains(ip.parse().expect("ip")), "{ip}");
    }
    for ip in no {
        assert!(!list.contains(ip.parse().expect("ip")), "{ip}");
    }
    let e = IpList::new(&["10.0.0.0/33".into()]).expect_err("bad range");
    assert_eq!(e, "`10.0.0.0/33` is not an IP address or CIDR range");
    assert!(IpList::new(&[]).is_err());
}

#[test]
fn addresses_parse_as_the_checker_reads_them() {
    let rows = [
        ("1.2.3.4", Some("1.2.3.4")),
        ("1.2.3.4:80", Some("1.2.3.4")),
        ("[2001:db8::1]:443", Some("2001:db8::1")),
        ("fe80::1%eth0", Some("fe80::1")),
        ("[fe80::1%1]:80", Some("fe80::1")),
        ("::ffff:1.2.3.4", Some("1.2.3.4")),
        ("", None),
        ("unknown", None),
        ("1.2.3", None),
    ];
    for (raw, want) in rows {
        let got = parse_ip(raw.as_bytes()).map(|ip| ip.to_string());
        assert_eq!(got.as_deref(), want, "{raw}");
    }
}
