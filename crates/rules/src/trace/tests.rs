use super::*;
use http::HeaderMap;

fn req<'a>(host: &'a str, path: &'a str, headers: &'a HeaderMap) -> Request<'a> {
    Request {
        method: "GET",
        host,
        path,
        query: "",
        headers,
        client_ip: None,
    }
}

#[test]
fn v2_variadic_calls_label_each_argument() {
    let rule = Rule::parse("Host(`a.com`, `b.com`) && Path(`/x`)", Syntax::V2).expect("valid");
    let headers = HeaderMap::new();
    let trace = rule.trace(&req("b.com", "/y", &headers));
    let texts: Vec<(&str, bool)> = trace
        .tree
        .matchers()
        .into_iter()
        .map(|m| (m.text.as_str(), m.matched))
        .collect();
    assert_eq!(
        texts,
        [
            ("Host(`a.com`)", false),
            ("Host(`b.com`)", true),
            ("Path(`/x`)", false)
        ]
    );
    assert!(!trace.matched);
    let blockers: Vec<&str> = trace.blockers().iter().map(|m| m.text.as_str()).collect();
    assert_eq!(blockers, ["Path(`/x`)"]);
}

#[test]
fn labels_keep_the_spelling_and_name_the_canonical_matcher() {
    let rule = Rule::parse("pathprefix(\"/a`b\")", Syntax::V3).expect("valid");
    let headers = HeaderMap::new();
    let trace = rule.trace(&req("x", "/a`bc", &headers));
    let m = trace.tree.matchers()[0].clone();
    assert_eq!(m.matcher, "PathPrefix");
    assert_eq!(m.text, "pathprefix(\"/a`b\")");
    assert_eq!(m.args, ["/a`b"]);
    assert!(trace.matched);
    assert!(trace.blockers().is_empty());
}

#[test]
fn blockers_are_the_fewest_flips() {
    // Two of three would have to change on the left, one on the right.
    let rule = Rule::parse(
        "(Host(`a`) && Path(`/a`) && Method(`POST`)) || (Host(`b`) && Path(`/b`))",
        Syntax::V3,
    )
    .expect("valid");
    let headers = HeaderMap::new();
    let trace = rule.trace(&req("b", "/a", &headers));
    let blockers: Vec<&str> = trace.blockers().iter().map(|m| m.text.as_str()).collect();
    assert_eq!(blockers, ["Path(`/b`)"]);
    // Under `!`, a matcher that matched is the one in the way.
    let rule = Rule::parse("!Host(`a`) && Path(`/a`)", Syntax::V3).expect("valid");
    let trace = rule.trace(&req("a", "/a", &headers));
    let blocker = trace.blockers()[0].clone();
    assert!(
        blocker.matched && blocker.text == "Host(`a`)",
        "{blocker:?}"
    );
}

#[test]
fn serializes_as_a_tagged_tree() {
    let rule = Rule::parse("!Host(`a`) || Path(`/`)", Syntax::V3).expect("valid");
    let headers = HeaderMap::new();
    let json = serde_json::to_value(rule.trace(&req("a", "/x", &headers))).expect("json");
    assert_eq!(json["matched"], false);
    assert_eq!(json["tree"]["op"], "or");
    assert_eq!(json["tree"]["operands"][0]["op"], "not");
    let host = &json["tree"]["operands"][0]["operand"];
    assert_eq!(host["op"], "matcher");
    assert_eq!(host["matcher"], "Host");
    assert_eq!(host["matched"], true);
    assert_eq!(host["reason"], "host is `a`");
}
