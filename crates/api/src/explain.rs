//! `GET /api/explain`, a Waygate extension (Traefik has no such endpoint; see `docs/compat.md`):
//! which router takes a request and why, as `waygate explain` answers it, from the table that
//! is serving. Parameters:
//!
//! - `url` (required): an absolute `http://` or `https://` URL;
//! - `method` (default `GET`);
//! - `header` (repeatable): `Name: value`;
//! - `entryPoint`: only this entry point;
//! - `clientIP`: the connection's address, for `ClientIP` matchers.
//!
//! The data plane computes the answer ([`ApiState::explain`]); this module reads the
//! parameters and writes the reply: the explanation as JSON, or `400 {"message": …}`.

use std::net::IpAddr;

use http::StatusCode;

use crate::query::Query;
use crate::reply::{self, Response};
use crate::state::ApiState;

/// The request to explain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExplainQuery {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub entry_point: Option<String>,
    pub client_ip: Option<IpAddr>,
}

/// What the data plane provides: the explanation as JSON, or why the request cannot be
/// explained (bad URL, unknown entry point, …).
pub type ExplainFn<'a> = &'a dyn Fn(&ExplainQuery) -> Result<serde_json::Value, String>;

pub(crate) fn respond(state: &ApiState<'_>, q: &Query) -> Response {
    let Some(explain) = state.explain else {
        return reply::error(
            StatusCode::NOT_IMPLEMENTED,
            "route explain is not available",
        );
    };
    match parse(q).and_then(|query| explain(&query)) {
        Ok(answer) => reply::json(&answer),
        Err(e) => reply::error(StatusCode::BAD_REQUEST, &e),
    }
}

fn parse(q: &Query) -> Result<ExplainQuery, String> {
    let url = q.get("url");
    if url.is_empty() {
        return Err("url is required, e.g. /api/explain?url=https://app.example.com/".into());
    }
    let headers = q
        .all("header")
        .map(|line| {
            line.split_once(':')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .ok_or_else(|| format!("header `{line}` is not `Name: value`"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let client_ip = match q.get("clientIP") {
        "" => None,
        ip => Some(
            ip.parse()
                .map_err(|_| format!("clientIP `{ip}` is not an IP address"))?,
        ),
    };
    let entry_point = Some(q.get("entryPoint"))
        .filter(|e| !e.is_empty())
        .map(str::to_string);
    Ok(ExplainQuery {
        method: Some(q.get("method"))
            .filter(|m| !m.is_empty())
            .unwrap_or("GET")
            .to_string(),
        url: url.to_string(),
        headers,
        entry_point,
        client_ip,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters() {
        let q = Query::parse(
            "url=https%3A%2F%2Fapp.example.com%2Fapi%3Fx%3D1&header=X-Env:+canary\
             &header=Accept:*/*&entryPoint=websecure&clientIP=10.0.0.1",
        );
        assert_eq!(
            parse(&q),
            Ok(ExplainQuery {
                method: "GET".into(),
                url: "https://app.example.com/api?x=1".into(),
                headers: vec![
                    ("X-Env".into(), "canary".into()),
                    ("Accept".into(), "*/*".into())
                ],
                entry_point: Some("websecure".into()),
                client_ip: Some([10, 0, 0, 1].into()),
            })
        );
        assert!(parse(&Query::parse("method=GET")).is_err());
        assert!(parse(&Query::parse("url=http://x/&header=nocolon")).is_err());
        assert!(parse(&Query::parse("url=http://x/&clientIP=x")).is_err());
        let q = parse(&Query::parse("url=http://x/&method=POST")).expect("parse");
        assert_eq!((q.method.as_str(), q.entry_point), ("POST", None));
    }
}
