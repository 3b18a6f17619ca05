//! `Rule::trace` on every row of §5.4 of the Traefik reference: the verdict, which matchers
//! stand in the way (`blockers`) and the reason each gives. (`tests/examples.rs` also checks
//! that every trace agrees with `matches` on all the rows' requests.)

#[path = "support/req.rs"]
mod support;

use support::{Req, rule};
use waygate_rules::{Syntax, Trace};

const V3: Syntax = Syntax::V3;

fn trace(rule_text: &str, q: &Req) -> Trace {
    let r = rule(rule_text, V3);
    let t = r.trace(&q.view());
    assert_eq!(t.matched, r.matches(&q.view()), "{rule_text}: {t:#?}");
    t
}

/// Asserts a match, and that every matcher's reason contains the matching `reasons` entry.
fn yes(rule_text: &str, q: Req, reasons: &[&str]) {
    let t = trace(rule_text, &q);
    assert!(t.matched, "{rule_text} should match {q:?}: {t:#?}");
    assert!(t.blockers().is_empty());
    let got: Vec<&str> = t
        .tree
        .matchers()
        .iter()
        .map(|m| m.reason.as_str())
        .collect();
    for (m, want) in got.iter().zip(reasons) {
        assert!(m.contains(want), "{rule_text}: reason `{m}` lacks `{want}`");
    }
}

/// Asserts no match, that the blockers are exactly `blockers` (their text), and that the
/// first blocker's reason is `reason`.
fn no(rule_text: &str, q: Req, blockers: &[&str], reason: &str) {
    let t = trace(rule_text, &q);
    assert!(!t.matched, "{rule_text} should not match {q:?}: {t:#?}");
    let got: Vec<&str> = t.blockers().iter().map(|m| m.text.as_str()).collect();
    assert_eq!(got, blockers, "{rule_text} on {q:?}");
    assert_eq!(t.blockers()[0].reason, reason, "{rule_text} on {q:?}");
}

fn h(host: &str) -> Req {
    Req::new(host, "/")
}

fn p(path: &str) -> Req {
    Req::new("example.com", path)
}

fn hp(host: &str, path: &str) -> Req {
    Req::new(host, path)
}

fn q(query: &str) -> Req {
    Req::new("example.com", &format!("/?{query}"))
}

#[test]
fn rows_01_to_07_host() {
    let r = "Host(`example.com`)";
    for host in [
        "example.com",
        "example.com:8080",
        "EXAMPLE.COM",
        "example.com.",
    ] {
        yes(r, h(host), &["host is `example.com"]);
    }
    no(
        r,
        h("example.org"),
        &[r],
        "host is `example.org`, wanted `example.com`",
    );
    no(
        r,
        h(""),
        &[r],
        "the request has no host, wanted `example.com`",
    );
    yes("Host(`example.com.`)", h("example.com"), &[]);
    no(
        "Host(`example.com.`)",
        h("example.org."),
        &["Host(`example.com.`)"],
        "host is `example.org.`, wanted `example.com.`",
    );
    yes("Host(`EXAMPLE.COM`)", h("example.com"), &[]);
    no(
        "Host(`EXAMPLE.COM`)",
        h("example.org"),
        &["Host(`EXAMPLE.COM`)"],
        "host is `example.org`, wanted `EXAMPLE.COM`",
    );
    let w = "Host(`*.example.com`)";
    yes(w, h("test.example.com"), &["host is `test.example.com`"]);
    yes(w, h("other.example.com"), &[]);
    for host in ["example.com", "a.b.example.com", "test.otherexample.com"] {
        let why = format!("host is `{host}`, wanted exactly one label before `.example.com`");
        no(w, h(host), &[w], &why);
    }
    for host in ["anything.io", "localhost", ""] {
        yes("Host(`*`)", h(host), &["`*` matches every host, even none"]);
    }
    yes("Host(`xn--9t9h.com`)", h("xn--9t9h.com"), &[]);
    no(
        "Host(`xn--9t9h.com`)",
        h("🦭.com"),
        &["Host(`xn--9t9h.com`)"],
        "host is `🦭.com`, wanted `xn--9t9h.com`",
    );
    yes("Host(`127.0.0.1`)", h("127.0.0.1"), &[]);
    yes("Host(`10::10`)", h("[10::10]:80"), &["host is `10::10`"]);
    no(
        "Host(`10::10`)",
        h("[10::11]"),
        &["Host(`10::10`)"],
        "host is `10::11`, wanted `10::10`",
    );
}

#[test]
fn rows_08_to_10_host_regexp() {
    let r = r"HostRegexp(`^[a-zA-Z-]+\.com$`)";
    yes(r, h("example.com:8080"), &["host `example.com` matches"]);
    no(
        r,
        h("example.org"),
        &[r],
        r"host `example.org` does not match `^[a-zA-Z-]+\.com$`",
    );
    let upper = r"HostRegexp(`^[A-Z]+\.com$`)";
    no(
        upper,
        h("EXAMPLE.com"),
        &[upper],
        r"host `example.com` does not match `^[A-Z]+\.com$`",
    );
    let tmpl = r"HostRegexp(`{domain:[a-z]+\.com}`)";
    no(
        tmpl,
        h("example.com"),
        &[tmpl],
        r"host `example.com` does not match `{domain:[a-z]+\.com}`",
    );
}

#[test]
fn rows_11_to_15_paths() {
    let r = "Path(`/css`)";
    yes(r, hp("any.host", "/css"), &["path is `/css`"]);
    for path in ["/css/", "/css/main.css", "/html"] {
        no(
            r,
            p(path),
            &[r],
            &format!("path is `{path}`, wanted `/css`"),
        );
    }
    let r = "PathPrefix(`/css`)";
    for path in ["/css", "/css/", "/css/main.css", "/cssfoo"] {
        yes(r, p(path), &["starts with `/css`"]);
    }
    for path in ["/html", "/"] {
        let why = format!("path `{path}` does not start with `/css`");
        no(r, p(path), &[r], &why);
    }
    let r = "PathRegexp(`^/(css|js)`)";
    for path in ["/css", "/css/", "/js/main.js"] {
        yes(r, p(path), &["matches `^/(css|js)`"]);
    }
    for path in ["/CSS", "/html"] {
        let why = format!("path `{path}` does not match `^/(css|js)`");
        no(r, p(path), &[r], &why);
    }
    let r = "PathRegexp(`(?i)^/products`)";
    yes(r, p("/Products/x"), &[]);
    no(
        r,
        p("/shop/products"),
        &[r],
        "path `/shop/products` does not match `(?i)^/products`",
    );
    let r = r"PathRegexp(`\.(jpeg|jpg|png)$`)";
    yes(r, p("/a/b.png"), &[]);
    no(
        r,
        p("/a.gif"),
        &[r],
        r"path `/a.gif` does not match `\.(jpeg|jpg|png)$`",
    );
}

#[test]
fn rows_16_to_19_method_headers() {
    for r in ["Method(`GET`)", "Method(`get`)"] {
        yes(r, p("/"), &["method is `GET`"]);
        no(
            r,
            p("/").method("POST"),
            &[r],
            "method is `POST`, wanted `GET`",
        );
        no(
            r,
            p("/").method("get"),
            &[r],
            "method is `get`, wanted `GET`",
        );
    }
    let r = "Header(`X-Forwarded-Proto`, `https`)";
    let xfp = |v: &'static str| p("/").header("x-forwarded-proto", v);
    yes(r, xfp("https"), &["`X-Forwarded-Proto` is `https`"]);
    yes(r, xfp("http").header("x-forwarded-proto", "https"), &[]);
    no(
        r,
        xfp("HTTPS"),
        &[r],
        "`X-Forwarded-Proto` is `HTTPS`, wanted `https`",
    );
    no(r, p("/"), &[r], "no `X-Forwarded-Proto` header");
    let r = "HeaderRegexp(`X-Forwarded-Proto`, `^https?$`)";
    for v in ["http", "https"] {
        yes(r, xfp(v), &[]);
    }
    yes(r, xfp("ws").header("x-forwarded-proto", "https"), &[]);
    no(
        r,
        xfp("HTTPS"),
        &[r],
        "`X-Forwarded-Proto` is `HTTPS`, none matches `^https?$`",
    );
    let r = "HeaderRegexp(`Content-Type`, `(?i)^application/(json|yaml)$`)";
    let ct = |v: &'static str| p("/").header("content-type", v);
    yes(r, ct("Application/JSON"), &[]);
    no(
        r,
        ct("text/plain"),
        &[r],
        "`Content-Type` is `text/plain`, none matches `(?i)^application/(json|yaml)$`",
    );
}

#[test]
fn rows_20_to_23_query() {
    let r = "Query(`q`, `traefik`)";
    for query in ["q=traefik", "rel=ddg&q=traefik", "q=awesome&q=traefik"] {
        yes(r, q(query), &[]);
    }
    no(
        r,
        q("q=TRAEFIK"),
        &[r],
        "`q` is `TRAEFIK`, wanted `traefik`",
    );
    no(r, q("Q=traefik"), &[r], "no `q` in the query");
    no(r, q("rel=traefik"), &[r], "no `q` in the query");
    no(r, p("/"), &[r], "the request has no query");
    let r = "Query(`mobile`)";
    yes(r, q("mobile"), &["`mobile` is ``"]);
    yes(r, q("mobile="), &[]);
    no(
        r,
        q("mobile=true"),
        &[r],
        "`mobile` is `true`, wanted it with an empty value",
    );
    no(r, p("/"), &[r], "the request has no query");
    let r = "QueryRegexp(`q`, `^(traefik|nginx)$`)";
    yes(r, q("q=nginx"), &[]);
    yes(r, q("q=traefik&q=proxy"), &["`q` is `traefik`, `proxy`"]);
    no(
        r,
        q("q=haproxy"),
        &[r],
        "`q` is `haproxy`, none matches `^(traefik|nginx)$`",
    );
    no(
        r,
        q("q=NGINX"),
        &[r],
        "`q` is `NGINX`, none matches `^(traefik|nginx)$`",
    );
    let r = "QueryRegexp(`q`, `^.*$`)";
    yes(r, q("q="), &[]);
    no(r, q("Q=x"), &[r], "no `q` in the query");
    no(r, p("/"), &[r], "the request has no query");
}

#[test]
fn row_24_client_ip() {
    let r = "ClientIP(`192.168.1.0/24`)";
    for ip in ["192.168.1.1", "192.168.1.100"] {
        yes(r, p("/").ip(ip), &["is in 192.168.1.0/24"]);
    }
    no(
        r,
        p("/").ip("192.168.2.1"),
        &[r],
        "client IP 192.168.2.1 is not in 192.168.1.0/24",
    );
    // X-Forwarded-For is never read.
    no(
        r,
        p("/")
            .ip("10.0.0.1")
            .header("x-forwarded-for", "192.168.1.1"),
        &[r],
        "client IP 10.0.0.1 is not in 192.168.1.0/24",
    );
    no(r, p("/"), &[r], "the client IP is unknown");
}

#[test]
fn rows_25_to_32_boolean() {
    let (com, org) = ("example.com", "example.org");
    let r = "Host(`localhost`) && PathPrefix(`/css`)";
    yes(r, hp("localhost", "/css"), &[]);
    no(
        r,
        hp("localhost", "/js"),
        &["PathPrefix(`/css`)"],
        "path `/js` does not start with `/css`",
    );
    let r = "Host(`example.com`) || Host(`example.org`)";
    yes(r, hp(com, "/css"), &[]);
    yes(r, hp(org, "/js"), &[]);
    // Either alternative would do: the first is named.
    no(
        r,
        hp("example.eu", "/html"),
        &["Host(`example.com`)"],
        "host is `example.eu`, wanted `example.com`",
    );
    let r = "Host(`example.com`) || Host(`example.org`) && Path(`/css`)";
    yes(r, hp(com, "/js"), &[]);
    yes(r, hp(org, "/css"), &[]);
    no(
        r,
        hp(org, "/js"),
        &["Host(`example.com`)"],
        "host is `example.org`, wanted `example.com`",
    );
    let r = "(Host(`example.com`) || Host(`example.org`)) && Path(`/css`)";
    yes(r, hp(com, "/css"), &[]);
    yes(r, hp(org, "/css"), &[]);
    no(
        r,
        hp(com, "/js"),
        &["Path(`/css`)"],
        "path is `/js`, wanted `/css`",
    );
    let r = "!Host(`example.com`)";
    yes(r, h(org), &["host is `example.org`, wanted `example.com`"]);
    // Under `!`, the matcher in the way is one that matched.
    no(r, h(com), &["Host(`example.com`)"], "host is `example.com`");
    let r = "!(Host(`example.com`) && Path(`/css`))";
    yes(r, hp(com, "/js"), &[]);
    yes(r, hp("example.eu", "/css"), &[]);
    no(
        r,
        hp(com, "/css"),
        &["Host(`example.com`)"],
        "host is `example.com`",
    );
    let r = "!(Host(`example.com`) && !Path(`/css`))";
    yes(r, hp(com, "/css"), &[]);
    yes(r, hp(org, "/css"), &[]);
    no(
        r,
        hp(com, "/js"),
        &["Host(`example.com`)"],
        "host is `example.com`",
    );
    let r = "!Host(`example.com`) && PathPrefix(`/css`)";
    yes(r, hp(org, "/css"), &[]);
    no(
        r,
        hp(org, "/js"),
        &["PathPrefix(`/css`)"],
        "path `/js` does not start with `/css`",
    );
    no(
        r,
        hp(com, "/css"),
        &["Host(`example.com`)"],
        "host is `example.com`",
    );
}

#[test]
fn rows_33_to_37_spelling_quotes_paths() {
    for r in [
        "PATHPREFIX(`/css`)",
        "pathprefix(`/css`)",
        "Pathprefix(`/css`)",
        "PathPrefix(\"/css\")",
    ] {
        yes(r, p("/css/x"), &[]);
        let t = trace(r, &p("/html"));
        let m = t.tree.matchers()[0].clone();
        assert_eq!(m.matcher, "PathPrefix");
        assert!(!m.matched && m.reason == "path `/html` does not start with `/css`");
    }
    yes("Path(`/foo bar`)", p("/foo%20bar"), &["path is `/foo bar`"]);
    let r = "Path(`/foo%2Fbar`)";
    yes(r, p("/foo%2Fbar"), &[]);
    no(
        r,
        p("/foo/bar"),
        &[r],
        "path is `/foo/bar`, wanted `/foo%2Fbar`",
    );
    // Row 37: the absolute-form host wins; the harness passes the host the data plane chose.
    yes("Host(`example.com`)", h("example.com"), &[]);
    no(
        "Host(`example.org`)",
        h("example.com"),
        &["Host(`example.org`)"],
        "host is `example.com`, wanted `example.org`",
    );
}
