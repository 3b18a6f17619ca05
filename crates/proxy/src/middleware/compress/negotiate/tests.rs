//! Traefik's `Test_getCompressionEncoding` and `TestNegotiation` rows, and what `gzhttp`
//! reads of the same headers.

use http::HeaderValue;

use super::*;
use crate::middleware::compress::encoder::Coding::{Br, Gzip, Zstd};

const ALL: &[Coding] = &[Gzip, Br, Zstd];

fn headers(lines: &[&str]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for l in lines {
        h.append(ACCEPT_ENCODING, HeaderValue::from_str(l).expect("value"));
    }
    h
}

fn pick(lines: &[&str], encodings: &[Coding], default: Option<Coding>) -> Choice {
    choose(encodings, default, &headers(lines))
}

#[test]
fn traefik_rows() {
    use Choice::{Encode, Pass};
    type Row<'a> = (&'a [&'a str], &'a [Coding], Option<Coding>, Choice);
    let rows: &[Row<'_>] = &[
        (&[""], ALL, None, Pass),
        (&["gzip, br"], ALL, None, Encode(Gzip)),
        (&["gzip, br, zstd"], ALL, None, Encode(Gzip)),
        (&["compress, gzip"], ALL, None, Encode(Gzip)),
        (&["compress, rar"], ALL, None, Pass),
        (&["*"], ALL, None, Encode(Gzip)),
        (&["*"], ALL, Some(Br), Encode(Br)),
        (&["br;q=0.8, gzip;q=1.0, *;q=0.1"], ALL, None, Encode(Gzip)),
        (&["br;q=0.8, identity;q=1.0"], ALL, None, Pass),
        (&["br;q=0.8, identity;q=0.8"], ALL, None, Encode(Br)),
        (&["compress;q=1.0, gzip;q=0.5"], ALL, None, Encode(Gzip)),
        (
            &["compress;q=1.0, gzip, identity;q=0"],
            ALL,
            None,
            Encode(Gzip),
        ),
        (&["compress;q=1.0, identity;q=0"], ALL, None, Pass),
        (&["compress;q=1.0, *;q=0"], ALL, None, Pass),
        (&["gzip, *;q=0"], ALL, None, Encode(Gzip)),
        (&["zstd, gzip, br"], &[Br, Gzip], None, Encode(Br)),
        (
            &["br;q=0.8, gzip;q=1.0, *;q=0.1"],
            &[Zstd, Br],
            None,
            Encode(Br),
        ),
        (&["gzip, br;q=0.9"], &[Gzip, Br], None, Encode(Gzip)),
        (&["br;q=0, gzip;q=0, zstd;q=0"], ALL, None, Pass),
        (&["br;q=0, gzip;q=0, zstd;q=0"], ALL, Some(Br), Pass),
        (
            &["br;q=1.0, gzip;q=1.0, zstd;q=1.0"],
            ALL,
            None,
            Encode(Gzip),
        ),
        (
            &["br;q=1.0, zstd;q=1.0, gzip;q=1.0"],
            ALL,
            Some(Br),
            Encode(Gzip),
        ),
        // TestNegotiation.
        (&["notreal"], ALL, None, Pass),
        (&["br;q=0.8, gzip;q=0.6"], ALL, None, Encode(Br)),
        (
            &["zstd;q=0.9, br;q=0.8, gzip;q=0.6"],
            ALL,
            None,
            Encode(Zstd),
        ),
        (&["gzip;q=0.8, br;q=1.0, zstd;q=0.7"], ALL, None, Encode(Br)),
    ];
    for (lines, encodings, default, want) in rows {
        assert_eq!(
            pick(lines, encodings, *default),
            *want,
            "{lines:?} {encodings:?} {default:?}"
        );
    }
}

#[test]
fn missing_header_and_parsing_details() {
    // No header: the default encoding, else nothing.
    assert_eq!(pick(&[], ALL, None), Choice::Pass);
    assert_eq!(pick(&[], ALL, Some(Zstd)), Choice::Encode(Zstd));
    // Every line counts; spaces go, tabs and case stay.
    assert_eq!(pick(&["br;q=0", "zstd"], ALL, None), Choice::Encode(Zstd));
    assert_eq!(pick(&["GZIP"], ALL, None), Choice::Pass);
    assert_eq!(pick(&["g zip ; q = 0.5"], ALL, None), Choice::Encode(Gzip));
    assert_eq!(pick(&["gzip\t"], ALL, None), Choice::Pass);
    assert_eq!(
        pick(&["g zip;q=0.5, br;q=0.4"], ALL, None),
        Choice::Encode(Gzip)
    );
    // `q=` must follow the first `;`; an unparsable weight is 0 (dropped).
    assert_eq!(
        pick(&["br;x=1;q=0, gzip;q=0.1"], ALL, None),
        Choice::Encode(Br)
    );
    assert_eq!(
        pick(&["br;q=abc, gzip;q=0.1"], ALL, None),
        Choice::Encode(Gzip)
    );
    assert_eq!(
        pick(&["br;q=0.5;x=1, gzip;q=0.1"], ALL, None),
        Choice::Encode(Gzip)
    );
    // Weights are not clamped; NaN sorts last.
    assert_eq!(pick(&["gzip;q=2, br;q=1"], ALL, None), Choice::Encode(Gzip));
    assert_eq!(
        pick(&["gzip;q=nan, br;q=0.001"], ALL, None),
        Choice::Encode(Br)
    );
    assert_eq!(pick(&["br;q=-1"], ALL, None), Choice::Encode(Br));
    // The wildcard picks among the configured encodings only.
    assert_eq!(pick(&["*"], &[Zstd, Br], None), Choice::Encode(Zstd));
}

#[test]
fn gzhttp_reads_the_first_line_for_gzip() {
    let ok = |lines: &[&str]| gzip_accepted(&headers(lines));
    assert!(ok(&["gzip"]));
    assert!(ok(&[" GZIP ; Q=0.2 "]));
    assert!(ok(&["br, gzip;q=5"]), "clamped to 1");
    assert!(!ok(&[]));
    assert!(!ok(&[""]));
    assert!(!ok(&["*"]), "gzhttp does not read the wildcard");
    assert!(!ok(&["gzip;q=0"]));
    assert!(!ok(&["gzip;q=-1"]));
    assert!(!ok(&["gzip;q=x"]));
    assert!(!ok(&["br", "gzip"]), "only the first line");
    assert!(!ok(&["gzip;q=0, gzip"]), "the first gzip counts");
}
