//! Fuzz target: any request path through the path hygiene (normalize, sanitize, deny) with
//! each policy; the result must be clean, stable and routable. Run with
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run path_clean` from `crates/proxy`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use waygate_config::static_config::EncodedCharacters;
use waygate_proxy::path::{BadPath, PathPolicy};

fuzz_target!(|path: &str| {
    let deny_all = EncodedCharacters {
        allow_encoded_slash: false,
        allow_encoded_back_slash: false,
        allow_encoded_null_character: false,
        allow_encoded_semicolon: false,
        allow_encoded_percent: false,
        allow_encoded_question_mark: false,
        allow_encoded_hash: false,
    };
    for policy in [
        PathPolicy::default(),
        PathPolicy::new(false, None),
        PathPolicy::new(true, Some(&deny_all)),
    ] {
        let Ok(clean) = policy.clean(path) else {
            continue;
        };
        // Stable: cleaning a clean path changes nothing.
        assert_eq!(policy.clean(&clean).as_deref(), Ok(&*clean), "{path:?}");
        // No escape of an unreserved character survives, and every escape is upper-case.
        let b = clean.as_bytes();
        for (i, _) in b.iter().enumerate().filter(|(_, c)| **c == b'%') {
            let hex = &b[i + 1..i + 3];
            assert!(hex.iter().all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(c)), "{clean:?}");
            let v = u8::from_str_radix(std::str::from_utf8(hex).unwrap_or("00"), 16).unwrap_or(0);
            assert!(!(v.is_ascii_alphanumeric() || b"-._~".contains(&v)), "{clean:?}");
        }
        if policy.sanitize && path.starts_with('/') {
            assert!(clean.starts_with('/'), "{path:?} -> {clean:?}");
            assert!(!clean.contains("//"), "{path:?} -> {clean:?}");
            assert!(
                !clean.split('/').any(|s| s == "." || s == ".."),
                "{path:?} -> {clean:?}"
            );
        }
        // What routers see decodes.
        assert!(waygate_rules::routing_path(&clean).is_ok(), "{clean:?}");
    }
    // Denial is only ever about the listed escapes.
    if let Err(BadPath::Denied) = PathPolicy::new(true, Some(&deny_all)).clean(path) {
        assert!(PathPolicy::default().clean(path).is_ok());
    }
});
