//! gRPC health checks (`healthCheck.mode: grpc`, Traefik's `checkHealthGRPC`): one
//! `grpc.health.v1.Health/Check` call with an empty request (the server's overall health),
//! over HTTP/2 (h2c unless the check's `scheme` is `https`). Healthy when the call succeeds
//! and answers `SERVING`. The protobuf messages are small enough to write and read by hand.

use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderValue, TE};
use http::{Method, Request};
use http_body_util::BodyExt;

use super::health::Probe;
use crate::Body;

/// The request path of the health protocol's `Check` method.
pub(crate) const CHECK_PATH: &str = "/grpc.health.v1.Health/Check";

/// `HealthCheckResponse.ServingStatus` names.
const STATUSES: [&str; 4] = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"];

/// One call through the probe's pool within `timeout`; `Err` says why the server is not
/// healthy.
pub(crate) async fn check(probe: &Probe, timeout: Duration) -> Result<(), String> {
    // An empty `HealthCheckRequest`: uncompressed, zero length.
    let mut req = Request::new(Body::full(Bytes::from_static(&[0, 0, 0, 0, 0])));
    *req.method_mut() = Method::POST;
    *req.uri_mut() = probe.uri.clone();
    // The pool speaks HTTP/2 (h2c, or TLS with ALPN `h2`) and completes an origin-form
    // target for it.
    let h = req.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
    h.insert(TE, HeaderValue::from_static("trailers"));
    let exchange = async {
        let resp = probe.pool.send(req).await.map_err(|e| e.to_string())?;
        if resp.status() != http::StatusCode::OK {
            return Err(format!("HTTP status {}", resp.status().as_u16()));
        }
        let head = resp.headers().clone();
        let collected = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("reading the response: {e}"))?;
        let trailers = collected.trailers().cloned().unwrap_or_default();
        let field = |name: &str| {
            trailers
                .get(name)
                .or_else(|| head.get(name))
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        match field("grpc-status").as_str() {
            "0" => {}
            "12" => return Err("gRPC server does not implement the health protocol".into()),
            "" => return Err("no grpc-status in the answer".into()),
            code => {
                return Err(format!(
                    "gRPC health check failed: code {code}: {}",
                    field("grpc-message")
                ));
            }
        }
        let status = serving_status(&collected.to_bytes())?;
        if status == 1 {
            Ok(())
        } else {
            let name = STATUSES.get(status as usize).copied().unwrap_or("?");
            Err(format!("received gRPC status code: {name}"))
        }
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| format!("gRPC health check timeout ({timeout:?})"))?
}

/// The `status` field (1, varint) of the one `HealthCheckResponse` message in a gRPC body;
/// absent means 0 (`UNKNOWN`).
fn serving_status(body: &[u8]) -> Result<u64, String> {
    let bad = || "malformed HealthCheckResponse".to_string();
    let (&flag, rest) = body.split_first().ok_or_else(bad)?;
    if flag != 0 || rest.len() < 4 {
        return Err(bad());
    }
    let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
    let mut msg = rest.get(4..4 + len).ok_or_else(bad)?;
    let mut status = 0;
    while let Some((key, after)) = varint(msg) {
        msg = after;
        let value;
        match key & 7 {
            0 => (value, msg) = varint(msg).ok_or_else(bad)?,
            2 => {
                let (n, after) = varint(msg).ok_or_else(bad)?;
                msg = after.get(n as usize..).ok_or_else(bad)?;
                continue;
            }
            _ => return Err(bad()),
        }
        if key >> 3 == 1 {
            status = value;
        }
    }
    Ok(status)
}

/// A protobuf varint and the rest.
fn varint(mut b: &[u8]) -> Option<(u64, &[u8])> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = b.split_first()?;
        b = rest;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some((v, b));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::serving_status;

    #[test]
    fn reads_the_status_field() {
        assert_eq!(serving_status(&[0, 0, 0, 0, 2, 8, 1]), Ok(1));
        assert_eq!(serving_status(&[0, 0, 0, 0, 2, 8, 2]), Ok(2));
        assert_eq!(serving_status(&[0, 0, 0, 0, 0]), Ok(0));
        assert!(serving_status(&[0, 0, 0, 0, 5, 8]).is_err());
        assert!(serving_status(&[]).is_err());
    }
}
