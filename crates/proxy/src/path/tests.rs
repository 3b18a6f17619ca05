//! Every spelling of `.` and `..` an attacker can send, and the escapes that must survive.

use super::{BadPath, PathPolicy, needs_sanitize, normalize, sanitize};
use waygate_config::static_config::EncodedCharacters;

#[test]
fn cleans_dots_and_slashes() {
    for (input, want) in [
        ("/", "/"),
        ("/a/b", "/a/b"),
        ("/a//b", "/a/b"),
        ("/a/./b", "/a/b"),
        ("/a/../b", "/b"),
        ("/../../etc/passwd", "/etc/passwd"),
        ("/a/b/", "/a/b/"),
        ("/a/b/..", "/a/"),
        ("*", "*"),
    ] {
        assert_eq!(sanitize(input), want, "{input}");
    }
}

#[test]
fn encoded_dot_segments_are_removed_before_routing() {
    let p = PathPolicy::default();
    for (input, want) in [
        ("/public/%2e%2e/admin/x", "/admin/x"),
        ("/public/%2E%2E/admin/x", "/admin/x"),
        ("/public/.%2e/admin/x", "/admin/x"),
        ("/public/%2e./admin/x", "/admin/x"),
        ("/public/%2E./admin/x", "/admin/x"),
        ("/public/%2e/admin", "/public/admin"),
        ("/public/%2E/admin", "/public/admin"),
        ("/public/a/%2e%2e/%2e%2e/admin", "/admin"),
        ("/public/%2e%2e", "/"),
        ("/public/%2e%2e/", "/"),
        ("/%2e%2e/%2e%2e/etc", "/etc"),
        // Unreserved escapes become their characters; others are upper-cased.
        ("/%61dmin", "/admin"),
        ("/a%7eb", "/a~b"),
        ("/a%2fb", "/a%2Fb"),
        ("/a%c3%a9", "/a%C3%A9"),
    ] {
        assert_eq!(p.clean(input).expect(input), want, "{input}");
    }
}

#[test]
fn double_encoding_and_encoded_slashes_stay_literal() {
    let p = PathPolicy::default();
    for (input, want) in [
        // `%25` is the percent sign: `%252e` is the text "%2e", not a dot.
        ("/public/%252e%252e/admin", "/public/%252e%252e/admin"),
        ("/public/%252E%252E/admin", "/public/%252E%252E/admin"),
        // An encoded slash is not a separator: `..%2f` is one segment, not `..` then `/`.
        ("/public/..%2fadmin", "/public/..%2Fadmin"),
        ("/public/%2e%2e%2fadmin", "/public/..%2Fadmin"),
        ("/public%2f..%2fadmin", "/public%2F..%2Fadmin"),
        // A backslash is not a separator either.
        ("/public/..%5cadmin", "/public/..%5Cadmin"),
        // Encoded `?` and `#` do not start a query or fragment.
        ("/a%3fb=c", "/a%3Fb=c"),
        ("/a%23frag", "/a%23frag"),
    ] {
        assert_eq!(p.clean(input).expect(input), want, "{input}");
    }
}

#[test]
fn sanitize_off_keeps_dots_but_still_normalizes() {
    let p = PathPolicy::new(false, None);
    assert_eq!(p.clean("/a/%2e%2e/b").expect("ok"), "/a/../b");
    assert_eq!(p.clean("/a//b").expect("ok"), "/a//b");
}

#[test]
fn invalid_escapes_are_bad_requests() {
    for input in ["/a%", "/a%2", "/a%zz", "/a%2g/b", "/%%41"] {
        assert_eq!(normalize(input), Err(BadPath::InvalidEscape), "{input}");
    }
}

#[test]
fn clean_paths_are_borrowed() {
    let p = PathPolicy::default();
    assert!(matches!(
        p.clean("/api/v1/users").expect("ok"),
        std::borrow::Cow::Borrowed(_)
    ));
    assert!(matches!(
        p.clean("/a%2Fb").expect("ok"),
        std::borrow::Cow::Borrowed(_)
    ));
}

#[test]
fn encoded_characters_deny_list() {
    let all_denied = EncodedCharacters {
        allow_encoded_slash: false,
        allow_encoded_back_slash: false,
        allow_encoded_null_character: false,
        allow_encoded_semicolon: false,
        allow_encoded_percent: false,
        allow_encoded_question_mark: false,
        allow_encoded_hash: false,
    };
    let p = PathPolicy::new(true, Some(&all_denied));
    for input in [
        "/a%2fb", "/a%2Fb", "/a%5cb", "/a%00b", "/a%3bb", "/a%252e", "/a%3fb", "/a%23b",
    ] {
        assert_eq!(p.clean(input), Err(BadPath::Denied), "{input}");
    }
    assert_eq!(p.clean("/a%20b").expect("space is fine"), "/a%20b");
    assert_eq!(p.clean("/a%2eb").expect("dot is unreserved"), "/a.b");

    let only_slash = EncodedCharacters {
        allow_encoded_slash: false,
        ..EncodedCharacters::default()
    };
    let p = PathPolicy::new(true, Some(&only_slash));
    assert_eq!(p.clean("/a%2fb"), Err(BadPath::Denied));
    assert_eq!(p.clean("/a%3bb").expect("allowed"), "/a%3Bb");
    // Traefik's default: everything allowed.
    let p = PathPolicy::new(true, Some(&EncodedCharacters::default()));
    assert_eq!(p.clean("/a%2fb").expect("allowed"), "/a%2Fb");
}

#[test]
fn the_one_pass_check_agrees_with_the_substring_search() {
    // Every path of up to six characters over the alphabet that matters.
    let alphabet = [b'/', b'.', b'a'];
    let mut paths = vec![Vec::new()];
    for _ in 0..6 {
        let longer: Vec<Vec<u8>> = paths
            .iter()
            .flat_map(|p| alphabet.iter().map(move |&c| [p.as_slice(), &[c]].concat()))
            .collect();
        paths.extend(longer.into_iter().filter(|p| p.len() <= 6));
        paths.sort();
        paths.dedup();
    }
    for p in paths {
        let s = std::str::from_utf8(&p).expect("ascii");
        let old = s.contains("//") || s.split('/').any(|x| x == "." || x == "..");
        assert_eq!(needs_sanitize(&p), old, "{s:?}");
    }
}
