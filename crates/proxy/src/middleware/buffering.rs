//! `buffering` as Traefik builds it on vulcand/oxy's `buffer`: the request body is read whole
//! before the rest of the chain sees it (in memory up to `memRequestBodyBytes`, then in an
//! unlinked temporary file), refused 413 past `maxRequestBodyBytes`; the response is read
//! whole too (`memResponseBodyBytes`, `maxResponseBodyBytes`: 500 past it) and sent with a
//! `Content-Length`. With `retryExpression` (`Attempts()`, `ResponseCode()`,
//! `IsNetworkError()` — a 502 or 504) the request is sent again while it holds, at most 10
//! times as oxy. Limits of 0 mean none.

use http::header::{CONTENT_LENGTH, HeaderValue, TRANSFER_ENCODING};
use http::{StatusCode, header::UPGRADE};
use waygate_config::dynamic::middleware::{
    Buffering as Config, Predicate, PredicateDialect, PredicateMetric, parse_predicate,
};

use super::around::Next;
use super::go_text::status_text;
use super::retry::copy;
use crate::body::spool::{self, Read, Spool};
use crate::rescue::{ProxyError, respond, text};
use crate::{Body, Request, Response};

/// oxy's `DefaultMaxRetryAttempts`.
const MAX_ATTEMPTS: u64 = 10;

/// A compiled `buffering`.
#[derive(Debug)]
pub struct Buffering {
    max_request: Option<u64>,
    mem_request: u64,
    max_response: Option<u64>,
    mem_response: u64,
    retry: Option<Predicate>,
}

// === impl Buffering ===

impl Buffering {
    pub fn new(cfg: &Config) -> Result<Self, String> {
        let limit = |n: i64| u64::try_from(n).ok().filter(|n| *n > 0);
        let retry = match cfg.retry_expression.trim() {
            "" => None,
            e => Some(
                parse_predicate(e, PredicateDialect::Retry)
                    .map_err(|e| format!("retryExpression: invalid expression: {e}"))?,
            ),
        };
        Ok(Self {
            max_request: limit(cfg.max_request_body_bytes),
            mem_request: u64::try_from(cfg.mem_request_body_bytes).unwrap_or(0),
            max_response: limit(cfg.max_response_body_bytes),
            mem_response: u64::try_from(cfg.mem_response_body_bytes).unwrap_or(0),
            retry,
        })
    }

    pub(super) async fn wrap(&self, req: Request, next: &mut Next<'_>) -> Response {
        let too_large = || {
            let code = StatusCode::PAYLOAD_TOO_LARGE;
            text(code, status_text(code.as_u16()).unwrap_or_default())
        };
        let declared = req
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if let (Some(max), Some(len)) = (self.max_request, declared)
            && len > max
        {
            return too_large();
        }
        let (mut parts, body) = req.into_parts();
        let spool = if matches!(body, Body::Empty) {
            Spool::default()
        } else {
            match Box::pin(spool::read(body, self.mem_request, self.max_request)).await {
                Ok(Read::Complete(s)) => s,
                Ok(Read::TooLarge(..)) => return too_large(),
                Err(e) => return respond(&ProxyError::ClientBody(e.to_string())),
            }
        };
        // The body now has a known length (oxy's copy of the request).
        parts.headers.remove(TRANSFER_ENCODING);
        if !spool.is_empty() {
            parts
                .headers
                .insert(CONTENT_LENGTH, HeaderValue::from(spool.len()));
        }
        let upgrade = parts.headers.contains_key(UPGRADE);
        let mut attempt = 1;
        loop {
            // The last try takes the head; one that may be retried sends a copy.
            if attempt >= MAX_ATTEMPTS || self.retry.is_none() {
                let resp = next.run(Request::from_parts(parts, spool.body())).await;
                return match self.read_response(resp, upgrade).await {
                    Ok((head, body)) => buffered(head, &body),
                    Err(resp) => resp,
                };
            }
            let resp = next.run(copy(&parts, spool.body())).await;
            let (head, body) = match self.read_response(resp, upgrade).await {
                Ok(read) => read,
                Err(resp) => return resp,
            };
            let code = head.status.as_u16();
            if self.retry.as_ref().is_some_and(|p| holds(p, attempt, code)) {
                attempt += 1;
                tracing::debug!(attempt, status = code, "buffering: retrying the request");
                continue;
            }
            return buffered(head, &body);
        }
    }

    /// Reads a try's response body whole; `Err` holds the answer to give as it is (an
    /// upgrade, or a body over the limit).
    async fn read_response(
        &self,
        resp: Response,
        upgrade: bool,
    ) -> Result<(http::response::Parts, Spool), Response> {
        if upgrade || resp.status() == StatusCode::SWITCHING_PROTOCOLS {
            return Err(resp);
        }
        let (head, body) = resp.into_parts();
        match Box::pin(spool::read(body, self.mem_response, self.max_response)).await {
            Ok(Read::Complete(s)) => Ok((head, s)),
            Ok(Read::TooLarge(..)) | Err(_) => Err(respond(&ProxyError::Internal(
                "response body too large".into(),
            ))),
        }
    }
}

/// The response sent with its body read whole: a `Content-Length` (kept when the upstream
/// sent the right one), no transfer coding.
fn buffered(mut head: http::response::Parts, body: &Spool) -> Response {
    head.headers.remove(TRANSFER_ENCODING);
    let len = body.len();
    let declared = head
        .headers
        .get(CONTENT_LENGTH)
        .is_some_and(|v| v.to_str().ok().and_then(|v| v.parse::<u64>().ok()) == Some(len));
    if len > 0 && !declared {
        head.headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
    }
    Response::from_parts(head, body.body())
}

/// Evaluates a `retryExpression` for try `attempt` that got `code`.
fn holds(p: &Predicate, attempt: u64, code: u16) -> bool {
    match p {
        Predicate::And(l, r) => holds(l, attempt, code) && holds(r, attempt, code),
        Predicate::Or(l, r) => holds(l, attempt, code) || holds(r, attempt, code),
        Predicate::Is(PredicateMetric::IsNetworkError) => code == 502 || code == 504,
        Predicate::Is(_) => false,
        Predicate::Compare { metric, op, value } => {
            let v = match metric {
                PredicateMetric::Attempts => attempt as f64,
                PredicateMetric::ResponseCode => f64::from(code),
                _ => return false,
            };
            op.holds(v, value.as_f64())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_expressions_as_oxy_reads_them() {
        let p = |e: &str| parse_predicate(e, PredicateDialect::Retry).expect("valid");
        let e = p("IsNetworkError() && Attempts() < 2");
        assert!(holds(&e, 1, 502));
        assert!(holds(&e, 1, 504));
        assert!(!holds(&e, 2, 502));
        assert!(!holds(&e, 1, 500));
        let e = p("ResponseCode() == 503 || ResponseCode() >= 520");
        assert!(holds(&e, 5, 503) && holds(&e, 1, 521) && !holds(&e, 1, 500));
    }

    #[test]
    fn zero_limits_are_none() {
        let b = Buffering::new(&Config::default()).expect("builds");
        assert_eq!((b.max_request, b.max_response), (None, None));
        assert_eq!(b.mem_request, 1_048_576);
        let bad = Config {
            retry_expression: "Attempts(".into(),
            ..Config::default()
        };
        assert!(
            Buffering::new(&bad)
                .expect_err("refused")
                .starts_with("retryExpression: invalid expression")
        );
    }
}
