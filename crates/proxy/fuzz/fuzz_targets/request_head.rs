//! Fuzz target: arbitrary request heads (target, version, header lines) through the head
//! checks and the forwarded-header policy. Whatever passes has one authority, written into
//! `Host`, and leaves no hop-by-hop or client-forged forwarding header behind. Run with
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run request_head` from `crates/proxy`.

#![no_main]

use http::header::{HOST, HeaderMap, HeaderName, HeaderValue};
use http::{Uri, Version};
use libfuzzer_sys::fuzz_target;
use waygate_proxy::forwarded::{ForwardedPolicy, RequestFacts, client_ip_value};
use waygate_proxy::hygiene::{
    Underscores, check_headers, check_transfer_encoding, settle_authority,
};

fuzz_target!(|data: &[u8]| {
    // First line: version selector and request target; then `name: value` lines.
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let first = lines.next().unwrap_or_default();
    let (version, target) = match first.split_at_checked(1) {
        Some(("0", t)) => (Version::HTTP_10, t),
        Some(("2", t)) => (Version::HTTP_2, t),
        Some((_, t)) => (Version::HTTP_11, t),
        None => (Version::HTTP_11, "/"),
    };
    let Ok(uri) = target.parse::<Uri>() else {
        return;
    };
    let mut headers = HeaderMap::new();
    for line in lines {
        let Some((n, v)) = line.split_once(':') else {
            continue;
        };
        if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(n.as_bytes()), HeaderValue::from_str(v.trim())) {
            headers.append(n, v);
        }
    }
    let _ = check_transfer_encoding(&headers);
    let mut h = headers.clone();
    for u in [Underscores::Keep, Underscores::Delete, Underscores::Reject] {
        let mut h2 = h.clone();
        if check_headers(&mut h2, u).is_ok() && u == Underscores::Delete {
            assert!(h2.keys().all(|k| !k.as_str().contains('_')));
        }
    }
    let Ok(authority) = settle_authority(version, &uri, &mut h) else {
        return;
    };
    assert!(h.get_all(HOST).iter().count() <= 1);
    if let Some(a) = uri.authority() {
        assert_eq!(h.get(HOST).map(HeaderValue::as_bytes), Some(a.as_str().as_bytes()));
        assert_eq!(authority.as_ref().map(HeaderValue::as_bytes), Some(a.as_str().as_bytes()));
    }
    let ip = "192.0.2.7".parse().expect("ip");
    let ip_value = client_ip_value(ip);
    let server = HeaderValue::from_static("gw");
    let facts = RequestFacts {
        client_ip: ip,
        tls: false,
        websocket: false,
        host: authority.as_ref().and_then(|a| a.to_str().ok()),
        server: &server,
        client_ip_value: &ip_value,
    };
    let policy = ForwardedPolicy::new(None, false);
    policy.apply(&mut h, &facts);
    policy.strip_hop_by_hop(&mut h, false);
    // An untrusted client's forwarding headers are replaced by ours.
    assert_eq!(h.get_all("x-forwarded-for").iter().collect::<Vec<_>>(), [&ip_value]);
    assert_eq!(h.get("x-real-ip"), Some(&ip_value));
    for hop in ["connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "proxy-connection"] {
        assert!(!h.contains_key(hop), "{hop} left in {h:?}");
    }
});
