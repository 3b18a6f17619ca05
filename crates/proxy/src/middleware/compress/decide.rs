//! Whether a response is compressed, once its handler serves it. Common to the three:
//! `Vary: Accept-Encoding` is added (first, as Traefik adds it before the backend's headers),
//! a response already `Content-Encoding`d or without a body is left alone, at most
//! `minResponseBodyBytes` are read ahead and a body that ends below that is sent as it was.
//! A streamed response (no `Content-Length`, or `text/event-stream`) is decided on its first
//! bytes, as Go's reverse proxy flushes after every write there and a flush starts the
//! encoder. Compressing removes `Content-Length` and sets `Content-Encoding`.
//!
//! gzip (klauspost's `gzhttp`) besides: `Accept-Encoding`'s first line must name gzip, a
//! `No-Gzip-Compression` header stops it (and is never sent on), `Content-Range` stops it,
//! a `Content-Length` below the minimum stops it at once, a missing `Content-Type` is sniffed
//! for the type lists (not sent: Traefik turns sniffing off for clients; kept for a
//! `contentType` before `compress`, see [`SniffedType`]), an unparsable type
//! is compressed unless types are included, and `Accept-Ranges` is removed.
//! brotli and zstd (Traefik's handler): an unparsable `Content-Type` is not compressed, a
//! missing one always is, and `Content-Range` / `Accept-Ranges` are not looked at (Traefik
//! compresses a 206 with them; so does Waygate).

use bytes::{Bytes, BytesMut};
use http::header::{
    ACCEPT_RANGES, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, VARY,
};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use http_body::Body as _;
use http_body_util::BodyExt;

use super::encoded::Encoded;
use super::encoder::{Coding, Encoder};
use super::media::{self, MediaError};
use super::{Compress, SniffedType};
use crate::body::spool::Replay;
use crate::middleware::sniff;
use crate::rescue::{ProxyError, respond as rescue};
use crate::{Body, Response};

/// `gzhttp`'s switch: any value disables gzip; removed from the response.
const NO_GZIP: HeaderName = HeaderName::from_static("no-gzip-compression");
const EVENT_STREAM: &str = "text/event-stream";

/// Bytes read ahead, without copying a single frame.
#[derive(Default)]
struct Head {
    one: Bytes,
    many: Option<BytesMut>,
}

/// Applies `coding`'s handler to `resp` (`accepted`: `gzhttp`'s own check passed).
pub(super) async fn respond(
    cfg: &Compress,
    coding: Coding,
    accepted: bool,
    resp: Response,
) -> Response {
    let (mut parts, mut body) = resp.into_parts();
    add_vary(&mut parts.headers);
    let gzip = coding == Coding::Gzip;
    let no_gzip = gzip && parts.headers.remove(NO_GZIP).is_some();
    if !accepted || no_gzip || body.is_end_stream() || !eligible(cfg, gzip, &parts.headers) {
        return Response::from_parts(parts, body);
    }
    // Go's reverse proxy flushes after every write when it does not know the length.
    let streaming = (body.size_hint().exact().is_none()
        && !parts.headers.contains_key(CONTENT_LENGTH))
        || media_essence(&parts.headers).as_deref() == Some(EVENT_STREAM);
    // `gzhttp` decides at the first write when `Content-Length` is large enough.
    let early = streaming || (gzip && content_length(&parts.headers) >= cfg.min_size as i64);
    let mut head = Head::default();
    let mut trailers = None;
    let full = loop {
        match body.frame().await {
            None => break false,
            Some(Err(e)) => return rescue(&ProxyError::Upstream(e.to_string())),
            Some(Ok(frame)) => match frame.into_data() {
                Ok(data) if data.is_empty() => {}
                Ok(data) => {
                    head.push(data);
                    if early || head.len() >= cfg.min_size {
                        break true;
                    }
                }
                Err(frame) => {
                    trailers = frame.into_trailers().ok();
                    break false;
                }
            },
        }
    };
    let head = head.into_bytes();
    if !full {
        // The whole body, below the minimum: as it was.
        let body = match trailers {
            None => Body::full(head),
            Some(t) => Encoded::identity(head, t),
        };
        return Response::from_parts(parts, body);
    }
    if gzip && !gzip_decided_type_ok(cfg, parts.status, &parts.headers, &head) {
        return Response::from_parts(parts, Replay::prefixed(head, body));
    }
    let encoder = match Encoder::new(coding) {
        Ok(e) => e,
        Err(e) => return rescue(&ProxyError::Internal(format!("compress: {e}"))),
    };
    parts.headers.remove(CONTENT_LENGTH);
    parts
        .headers
        .insert(CONTENT_ENCODING, HeaderValue::from_static(coding.name()));
    if gzip {
        parts.headers.remove(ACCEPT_RANGES);
        if first(&parts.headers, &CONTENT_TYPE).is_empty() && body_allowed(parts.status) {
            parts.extensions.insert(SniffedType(sniff::detect(&head)));
        }
    }
    Response::from_parts(parts, Encoded::encoding(head, body, encoder, streaming))
}

/// What the headers alone allow.
fn eligible(cfg: &Compress, gzip: bool, headers: &HeaderMap) -> bool {
    if !first(headers, &CONTENT_ENCODING).is_empty() {
        return false;
    }
    let ct = first(headers, &CONTENT_TYPE);
    if gzip {
        if !first(headers, &CONTENT_RANGE).is_empty() {
            return false;
        }
        let cl = content_length(headers);
        return cl == 0 || (cl >= cfg.min_size as i64 && (ct.is_empty() || gzip_type_ok(cfg, &ct)));
    }
    if ct.is_empty() {
        return true;
    }
    let Ok(ct) = media::parse(&ct) else {
        return false;
    };
    (cfg.includes.is_empty() || cfg.includes.iter().any(|m| m.matches(&ct)))
        && !cfg.excludes.iter().any(|m| m.matches(&ct))
}

/// `gzhttp`'s type filter: the included types, or anything but the excluded ones (an
/// unparsable type is then compressed).
fn gzip_type_ok(cfg: &Compress, ct: &str) -> bool {
    let ct = media::parse(ct).ok();
    if cfg.includes.is_empty() {
        !ct.is_some_and(|ct| cfg.excludes.iter().any(|m| m.matches(&ct)))
    } else {
        ct.is_some_and(|ct| cfg.includes.iter().any(|m| m.matches(&ct)))
    }
}

/// The type filter at the decision, on the type or, for an untyped response with a body,
/// the sniffed one.
fn gzip_decided_type_ok(
    cfg: &Compress,
    status: StatusCode,
    headers: &HeaderMap,
    head: &[u8],
) -> bool {
    let ct = first(headers, &CONTENT_TYPE);
    if ct.is_empty() && body_allowed(status) && !head.is_empty() {
        return gzip_type_ok(cfg, sniff::detect(head));
    }
    gzip_type_ok(cfg, &ct)
}

/// Go's `bodyAllowedForStatus`.
fn body_allowed(status: StatusCode) -> bool {
    !(status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED)
}

/// Prepends `Accept-Encoding` to `Vary`.
fn add_vary(headers: &mut HeaderMap) {
    let ours = HeaderValue::from_static("Accept-Encoding");
    if !headers.contains_key(VARY) {
        headers.insert(VARY, ours);
        return;
    }
    let theirs: Vec<HeaderValue> = headers.get_all(VARY).iter().cloned().collect();
    headers.insert(VARY, ours);
    for v in theirs {
        headers.append(VARY, v);
    }
}

/// The first value of `name` as Go's `Header.Get` gives it ("" when absent).
fn first(headers: &HeaderMap, name: &HeaderName) -> String {
    headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default()
}

/// `gzhttp`'s reading of `Content-Length`: 0 when absent or unparsable.
fn content_length(headers: &HeaderMap) -> i64 {
    first(headers, &CONTENT_LENGTH).parse().unwrap_or(0)
}

/// The response's media type as Go's reverse proxy reads it to choose its flush interval.
fn media_essence(headers: &HeaderMap) -> Option<String> {
    match media::parse(&first(headers, &CONTENT_TYPE)) {
        Ok(m) => Some(m.essence),
        Err(MediaError::Param(essence)) => Some(essence),
        Err(_) => None,
    }
}

// === impl Head ===

impl Head {
    fn push(&mut self, data: Bytes) {
        if let Some(many) = &mut self.many {
            many.extend_from_slice(&data);
        } else if self.one.is_empty() {
            self.one = data;
        } else {
            let mut many = BytesMut::with_capacity(self.one.len() + data.len());
            many.extend_from_slice(&self.one);
            many.extend_from_slice(&data);
            self.many = Some(many);
        }
    }

    fn len(&self) -> usize {
        self.many.as_ref().map_or(self.one.len(), BytesMut::len)
    }

    fn into_bytes(self) -> Bytes {
        self.many.map_or(self.one, BytesMut::freeze)
    }
}

#[cfg(test)]
mod tests;
