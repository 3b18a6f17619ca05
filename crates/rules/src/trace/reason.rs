//! One matcher's reason: what the request had, and on failure what the matcher wanted, in a
//! short sentence ("host is `a.com`, wanted `b.com`"). The verdict itself comes from the real
//! matcher; this only describes it. `args` are the arguments as written (regexps and v2
//! templates are shown as the operator wrote them, not as compiled).

use http::HeaderName;

use super::quote;
use crate::host::HostPattern;
use crate::matcher::HttpMatcher;
use crate::query;
use crate::rule::Request;

pub(super) fn of(m: &HttpMatcher, args: &[String], matched: bool, req: &Request<'_>) -> String {
    let arg = |i: usize| args.get(i).map_or_else(String::new, |a| quote(a));
    let want = |have: String| {
        if matched {
            have
        } else {
            format!("{have}, wanted {}", arg(args.len().saturating_sub(1)))
        }
    };
    let verb = if matched { "matches" } else { "does not match" };
    let host = || {
        if req.host.is_empty() {
            "the request has no host".to_owned()
        } else {
            format!("host is {}", quote(req.host))
        }
    };
    match m {
        HttpMatcher::Host(HostPattern::Any) => "`*` matches every host, even none".to_owned(),
        HttpMatcher::Host(HostPattern::Wildcard(suffix)) if !matched && !req.host.is_empty() => {
            format!(
                "{}, wanted exactly one label before {}",
                host(),
                quote(suffix)
            )
        }
        HttpMatcher::Host(_) => want(host()),
        HttpMatcher::HostRegexp(_) if req.host.is_empty() => {
            format!("the request has no host; the empty host {verb} {}", arg(0))
        }
        HttpMatcher::HostRegexp(_) => format!("host {} {verb} {}", quote(req.host), arg(0)),
        HttpMatcher::Path(_) => want(format!("path is {}", quote(req.path))),
        HttpMatcher::PathPrefix(_) => {
            let does = if matched { "starts" } else { "does not start" };
            format!("path {} {does} with {}", quote(req.path), arg(0))
        }
        HttpMatcher::PathRegexp(_) => format!("path {} {verb} {}", quote(req.path), arg(0)),
        HttpMatcher::Method(want) if !matched => {
            format!("method is {}, wanted {}", quote(req.method), quote(want))
        }
        HttpMatcher::Method(_) => format!("method is {}", quote(req.method)),
        HttpMatcher::Header(name, _) => header(name.as_ref(), args, matched, req, "wanted"),
        HttpMatcher::HeaderRegexp(name, _) => {
            let how = if matched {
                "one matches"
            } else {
                "none matches"
            };
            header(name.as_ref(), args, matched, req, how)
        }
        HttpMatcher::Query(key, value) => {
            let values = query::decoded_values(req.query, key, false);
            let wanted = if value.is_empty() {
                "wanted it with an empty value".to_owned()
            } else {
                format!("wanted {}", quote(value))
            };
            query_reason(key, &values, matched, req, &wanted)
        }
        HttpMatcher::QueryRegexp(key, _) => {
            let values = query::decoded_values(req.query, key, false);
            let how = if matched {
                "one matches"
            } else {
                "none matches"
            };
            query_reason(key, &values, matched, req, &format!("{how} {}", arg(1)))
        }
        HttpMatcher::QueryFirst(key, _) => {
            let values = query::decoded_values(req.query, key, true);
            let how = format!("{verb} {}", arg(0));
            query_reason(key, &values, matched, req, &how)
        }
        HttpMatcher::ClientIp(net) => match req.client_ip {
            None => "the client IP is unknown".to_owned(),
            Some(ip) => {
                let is = if matched { "is" } else { "is not" };
                format!("client IP {ip} {is} in {net}")
            }
        },
    }
}

/// `Header`/`HeaderRegexp`: the header's values, then `how` they compare with the last
/// argument.
fn header(
    name: Option<&HeaderName>,
    args: &[String],
    matched: bool,
    req: &Request<'_>,
    how: &str,
) -> String {
    let written = args.first().map_or("", String::as_str);
    let Some(name) = name else {
        return format!(
            "{} is not a valid header name: never matches",
            quote(written)
        );
    };
    let values: Vec<String> = req
        .headers
        .get_all(name)
        .iter()
        .map(|v| quote(&String::from_utf8_lossy(v.as_bytes())))
        .collect();
    let last = args.last().map_or_else(String::new, |a| quote(a));
    match values.len() {
        0 => format!("no {} header", quote(written)),
        1 if matched => format!("{} is {}", quote(written), values[0]),
        1 => format!("{} is {}, {how} {last}", quote(written), values[0]),
        _ if matched => format!("{} is {}", quote(written), values.join(", ")),
        _ => format!("{} is {}; {how} {last}", quote(written), values.join(", ")),
    }
}

/// `Query`/`QueryRegexp`/v2 `Query`: the key's values, then `how` they compare when none
/// fits.
fn query_reason(
    key: &str,
    values: &[String],
    matched: bool,
    req: &Request<'_>,
    how: &str,
) -> String {
    let shown: Vec<String> = values.iter().map(|v| quote(v)).collect();
    match (values.len(), matched) {
        (0, _) if req.query.is_empty() => "the request has no query".to_owned(),
        (0, _) => format!("no {} in the query", quote(key)),
        (_, true) => format!("{} is {}", quote(key), shown.join(", ")),
        _ => format!("{} is {}, {how}", quote(key), shown.join(", ")),
    }
}
