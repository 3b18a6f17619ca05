//! `contentType`: Traefik turns Go's `Content-Type` sniffing off for every response; this
//! middleware turns it back on: a response without `Content-Type` whose status allows a body
//! gets the type Go's `DetectContentType` finds in its first bytes (the first frame the
//! backend sent; nothing is buffered beyond it). `autoDetect: false` (deprecated) makes it a
//! no-op, as in Traefik.

use http::header::CONTENT_TYPE;
use http::{HeaderValue, StatusCode};
use http_body::Body as _;
use http_body_util::BodyExt;
use waygate_config::dynamic::middleware::ContentType as Config;

use super::compress::SniffedType;
use super::{Next, sniff};
use crate::body::spool::Replay;
use crate::rescue::{ProxyError, respond};
use crate::{Request, Response};

#[derive(Debug)]
pub struct ContentType {
    enabled: bool,
}

// === impl ContentType ===

impl ContentType {
    pub fn new(cfg: &Config) -> Self {
        Self {
            enabled: cfg.auto_detect != Some(false),
        }
    }

    pub(crate) fn enabled(&self) -> bool {
        self.enabled
    }

    /// Serves `req` through `next`, then sniffs the response if it has no type.
    pub(crate) async fn wrap(&self, req: Request, next: &mut Next<'_>) -> Response {
        let mut resp = next.run(req).await;
        // `compress` (gzip) after it already sniffed the body before encoding it.
        if let Some(SniffedType(ct)) = resp.extensions().get::<SniffedType>().copied()
            && !resp.headers().contains_key(CONTENT_TYPE)
        {
            resp.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static(ct));
            return resp;
        }
        if resp.headers().contains_key(CONTENT_TYPE)
            || !body_allowed(resp.status())
            || resp.body().is_end_stream()
        {
            return resp;
        }
        let (mut parts, mut body) = resp.into_parts();
        let first = loop {
            match body.frame().await {
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) if data.is_empty() => continue,
                    Ok(data) => break data,
                    // Trailers only: no data to sniff, nothing more to send.
                    Err(_) => return Response::from_parts(parts, crate::Body::Empty),
                },
                Some(Err(e)) => return respond(&ProxyError::Upstream(e.to_string())),
                None => return Response::from_parts(parts, crate::Body::Empty),
            }
        };
        parts.headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static(sniff::detect(&first)),
        );
        Response::from_parts(parts, Replay::prefixed(first, body))
    }
}

/// Go's `bodyAllowedForStatus`.
fn body_allowed(status: StatusCode) -> bool {
    !(status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn autodetect_false_disables() {
        assert!(ContentType::new(&Config::default()).enabled());
        assert!(
            ContentType::new(&Config {
                auto_detect: Some(true)
            })
            .enabled()
        );
        assert!(
            !ContentType::new(&Config {
                auto_detect: Some(false)
            })
            .enabled()
        );
        assert!(!body_allowed(StatusCode::NOT_MODIFIED));
        assert!(body_allowed(StatusCode::OK));
    }
}
