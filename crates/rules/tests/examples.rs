//! Every row of §5.4 of the Traefik reference, as table-driven tests (v3 syntax).

#[path = "support/req.rs"]
mod support;

use support::{Req, check};
use waygate_rules::{Rule, Syntax};

const V3: Syntax = Syntax::V3;

fn h(host: &str) -> Req {
    Req::new(host, "/")
}

fn p(path: &str) -> Req {
    Req::new("example.com", path)
}

fn hp(host: &str, path: &str) -> Req {
    Req::new(host, path)
}

#[test]
fn rows_01_to_07_host() {
    check(
        "Host(`example.com`)",
        V3,
        &[
            h("example.com"),
            h("example.com:8080"),
            h("EXAMPLE.COM"),
            h("example.com."),
        ],
        &[h("example.org"), h("")],
    );
    check(
        "Host(`example.com.`)",
        V3,
        &[h("example.com"), h("example.com.")],
        &[h("example.org.")],
    );
    check(
        "Host(`EXAMPLE.COM`)",
        V3,
        &[h("example.com")],
        &[h("example.org")],
    );
    check(
        "Host(`*.example.com`)",
        V3,
        &[h("test.example.com"), h("other.example.com")],
        &[
            h("example.com"),
            h("a.b.example.com"),
            h("test.otherexample.com"),
        ],
    );
    check(
        "Host(`*`)",
        V3,
        &[h("anything.io"), h("localhost"), h("")],
        &[],
    );
    check(
        "Host(`xn--9t9h.com`)",
        V3,
        &[h("xn--9t9h.com")],
        &[h("🦭.com")],
    );
    check(
        "Host(`127.0.0.1`)",
        V3,
        &[h("127.0.0.1")],
        &[h("127.0.0.2")],
    );
    check(
        "Host(`10::10`)",
        V3,
        &[h("[10::10]"), h("[10::10]:80")],
        &[h("[10::11]")],
    );
}

#[test]
fn rows_08_to_10_host_regexp() {
    check(
        r"HostRegexp(`^[a-zA-Z-]+\.com$`)",
        V3,
        &[h("example.com"), h("example.com:8080")],
        &[h("example.org")],
    );
    check(r"HostRegexp(`^[A-Z]+\.com$`)", V3, &[], &[h("EXAMPLE.com")]);
    check(
        r"HostRegexp(`{domain:[a-z]+\.com}`)",
        V3,
        &[],
        &[h("example.com")],
    );
}

#[test]
fn rows_11_to_15_paths() {
    check(
        "Path(`/css`)",
        V3,
        &[p("/css"), hp("other.org", "/css")],
        &[p("/css/"), p("/css/main.css"), p("/html")],
    );
    let prefix_yes = [p("/css"), p("/css/"), p("/css/main.css"), p("/cssfoo")];
    let prefix_no = [p("/html"), p("/")];
    check("PathPrefix(`/css`)", V3, &prefix_yes, &prefix_no);
    check(
        "PathRegexp(`^/(css|js)`)",
        V3,
        &[p("/css"), p("/css/"), p("/js/main.js")],
        &[p("/CSS"), p("/html")],
    );
    check(
        "PathRegexp(`(?i)^/products`)",
        V3,
        &[p("/Products/x")],
        &[p("/shop/products")],
    );
    check(
        r"PathRegexp(`\.(jpeg|jpg|png)$`)",
        V3,
        &[p("/a/b.png")],
        &[p("/a.gif")],
    );
}

#[test]
fn rows_16_to_19_method_headers() {
    for rule in ["Method(`GET`)", "Method(`get`)"] {
        check(
            rule,
            V3,
            &[p("/").method("GET")],
            &[p("/").method("POST"), p("/").method("get")],
        );
    }
    let xfp = "x-forwarded-proto";
    check(
        "Header(`X-Forwarded-Proto`, `https`)",
        V3,
        &[
            p("/").header(xfp, "https"),
            p("/").header(xfp, "http").header(xfp, "https"),
        ],
        &[
            p("/").header(xfp, "HTTPS"),
            p("/"),
            p("/").header(xfp, "http, https"),
        ],
    );
    check(
        "HeaderRegexp(`X-Forwarded-Proto`, `^https?$`)",
        V3,
        &[
            p("/").header(xfp, "http"),
            p("/").header(xfp, "https"),
            p("/").header(xfp, "ws").header(xfp, "https"),
        ],
        &[p("/").header(xfp, "HTTPS"), p("/")],
    );
    check(
        "HeaderRegexp(`Content-Type`, `(?i)^application/(json|yaml)$`)",
        V3,
        &[p("/").header("content-type", "Application/JSON")],
        &[p("/").header("content-type", "text/plain")],
    );
}

#[test]
fn rows_20_to_23_query() {
    check(
        "Query(`q`, `traefik`)",
        V3,
        &[
            p("/?q=traefik"),
            p("/?rel=ddg&q=traefik"),
            p("/?q=awesome&q=traefik"),
            p("/?q=tr%61efik"),
        ],
        &[
            p("/?q=TRAEFIK"),
            p("/?Q=traefik"),
            p("/?rel=traefik"),
            p("/"),
        ],
    );
    check(
        "Query(`mobile`)",
        V3,
        &[p("/?mobile"), p("/?mobile=")],
        &[p("/?mobile=true"), p("/")],
    );
    check(
        "QueryRegexp(`q`, `^(traefik|nginx)$`)",
        V3,
        &[p("/?q=nginx"), p("/?q=traefik&q=proxy")],
        &[p("/?q=haproxy"), p("/?q=NGINX")],
    );
    check(
        "QueryRegexp(`q`, `^.*$`)",
        V3,
        &[p("/?q=x"), p("/?q="), p("/?q")],
        &[p("/?Q=x"), p("/")],
    );
    check(
        "Query(`q`, `a b`)",
        V3,
        &[p("/?q=a+b"), p("/?q=a%20b")],
        &[p("/?q=a%2")],
    );
}

#[test]
fn row_24_client_ip() {
    let xff = "x-forwarded-for";
    check(
        "ClientIP(`192.168.1.0/24`)",
        V3,
        &[
            p("/").ip("192.168.1.1"),
            p("/").ip("192.168.1.100"),
            p("/").ip("::ffff:192.168.1.7"),
        ],
        &[
            p("/").ip("192.168.2.1"),
            p("/").ip("10.0.0.1").header(xff, "192.168.1.1"),
            p("/"),
        ],
    );
    check(
        "ClientIP(`::1`)",
        V3,
        &[p("/").ip("::1")],
        &[p("/").ip("::2")],
    );
    check(
        "ClientIP(`fe80::/10`)",
        V3,
        &[p("/").ip("fe80::1")],
        &[p("/").ip("::1")],
    );
}

#[test]
fn rows_25_to_32_boolean() {
    let (com, org, eu) = ("example.com", "example.org", "example.eu");
    check(
        "Host(`localhost`) && PathPrefix(`/css`)",
        V3,
        &[hp("localhost", "/css")],
        &[hp("localhost", "/js")],
    );
    check(
        "Host(`example.com`) || Host(`example.org`)",
        V3,
        &[hp(com, "/css"), hp(org, "/js")],
        &[hp(eu, "/html")],
    );
    check(
        "Host(`example.com`) || Host(`example.org`) && Path(`/css`)",
        V3,
        &[hp(com, "/js"), hp(org, "/css")],
        &[hp(org, "/js")],
    );
    check(
        "(Host(`example.com`) || Host(`example.org`)) && Path(`/css`)",
        V3,
        &[hp(com, "/css"), hp(org, "/css")],
        &[hp(com, "/js")],
    );
    check("!Host(`example.com`)", V3, &[h(org)], &[h(com)]);
    check(
        "!(Host(`example.com`) && Path(`/css`))",
        V3,
        &[hp(com, "/js"), hp(eu, "/css")],
        &[hp(com, "/css")],
    );
    check(
        "!(Host(`example.com`) && !Path(`/css`))",
        V3,
        &[hp(com, "/css"), hp(org, "/css")],
        &[hp(com, "/js")],
    );
    check(
        "!Host(`example.com`) && PathPrefix(`/css`)",
        V3,
        &[hp(org, "/css")],
        &[hp(org, "/js"), hp(com, "/css")],
    );
}

#[test]
fn rows_33_to_37_spelling_quotes_paths() {
    let yes = [p("/css"), p("/css/"), p("/css/main.css"), p("/cssfoo")];
    let no = [p("/html"), p("/")];
    for rule in [
        "PATHPREFIX(`/css`)",
        "pathprefix(`/css`)",
        "Pathprefix(`/css`)",
        "PathPrefix(\"/css\")",
    ] {
        check(rule, V3, &yes, &no);
    }
    check("Path(`/foo bar`)", V3, &[p("/foo%20bar")], &[p("/foo+bar")]);
    check(
        "Path(`/foo%2Fbar`)",
        V3,
        &[p("/foo%2Fbar")],
        &[p("/foo/bar")],
    );
    // Row 37: the caller passes the absolute-form URL host, not the Host header.
    check(
        "Host(`example.com`)",
        V3,
        &[h("example.com").header("host", "example.org")],
        &[],
    );
    check(
        "Host(`example.org`)",
        V3,
        &[],
        &[h("example.com").header("host", "example.org")],
    );
}

#[test]
fn invalid_rules() {
    let cases = [
        (
            "Host(example.com)",
            "expected a quoted string (backtick or double quote), found identifier `example` at column 6",
        ),
        ("Host()", "Host expects 1 argument, got 0 at column 1"),
        ("Host(``)", "empty argument to Host at column 6"),
        ("Path(`css`)", "Path must start with '/' at column 6"),
        (
            "Method(`GET`,`POST`)",
            "Method expects 1 argument, got 2 at column 1",
        ),
        ("Query(`q`,``)", "empty argument to Query at column 11"),
        (
            "Header(`X-Foo`)",
            "Header expects 2 arguments, got 1 at column 1",
        ),
        (
            "ClientIP(`1`)",
            "invalid IP address or CIDR `1` in ClientIP at column 10",
        ),
        (
            "Host(`🦭.com`)",
            "non-ASCII host `🦭.com`: use punycode at column 6",
        ),
        (
            "rulewithnotmatcher",
            "`rulewithnotmatcher` is not a matcher call (expected `(` after it) at column 1",
        ),
        (
            "pathPrefix(`/`)",
            "unknown matcher `pathPrefix` (did you mean `PathPrefix`?) at column 1",
        ),
        (
            "Host(`a`,`b`)",
            "Host expects 1 argument, got 2 at column 1",
        ),
    ];
    for (rule, message) in cases {
        let err = Rule::parse(rule, V3).expect_err(rule);
        assert_eq!(err.to_string(), message, "{rule}");
    }
    let err = Rule::parse("HostRegexp(`(x`)", V3).expect_err("bad regex");
    assert!(
        err.to_string()
            .starts_with("invalid regular expression in HostRegexp: "),
        "{err}"
    );
    assert!(err.to_string().contains("unclosed group"), "{err}");
}

#[test]
fn other_syntax_errors() {
    for rule in [
        "",
        "   ",
        "Host('a')",
        "Host(`a`",
        "Host(`a`) &&",
        "Host(`a`) Path(`/`)",
        "(Host(`a`)",
        "Host(`a`))",
        "Host(1)",
        "Host(`a` `b`)",
        "Host(`a`) & Path(`/`)",
        "Host(\"\\q\")",
        "Headers(`a`,`b`)",
        "HostSNI(`a`)",
        "Host(`a`,)x",
        "!",
        "()",
    ] {
        assert!(
            Rule::parse(rule, V3).is_err(),
            "{rule:?} should be rejected"
        );
    }
    // Go allows a trailing comma in calls.
    assert!(Rule::parse("Host(`a`,)", V3).is_ok());
    // Newlines are whitespace (multi-line YAML rules).
    assert!(Rule::parse("Host(`a`)\n  && Path(`/`)", V3).is_ok());
}

#[test]
fn nesting_is_bounded() {
    let deep = format!("{}Host(`a`){}", "(".repeat(64), ")".repeat(64));
    assert!(Rule::parse(&deep, V3).is_ok());
    let deeper = format!("{}Host(`a`){}", "(".repeat(65), ")".repeat(65));
    let err = Rule::parse(&deeper, V3).expect_err("too deep");
    assert!(err.to_string().contains("nested too deeply"), "{err}");
    assert!(Rule::parse(&format!("{}Host(`a`)", "!".repeat(100_000)), V3).is_err());
    let long_chain = vec!["Host(`a`)"; 50_000].join(" && ");
    let r = Rule::parse(&long_chain, V3).expect("long chains are flat");
    assert!(r.matches(&h("a").view()));
}
