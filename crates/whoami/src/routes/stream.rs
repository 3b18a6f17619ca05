//! `/upload` and `/echo`: request bodies handled as streams, never buffered whole.

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use serde::Serialize;

use crate::body::{self, Body, BoxError};

#[derive(Debug, Serialize)]
struct Uploaded {
    bytes: u64,
}

/// `POST`/`PUT /upload`: counts the body's bytes frame by frame, answers `{"bytes":N}`.
pub(crate) async fn upload(req: Request<Incoming>) -> Response<Body> {
    if !matches!(*req.method(), Method::POST | Method::PUT) {
        return body::text(StatusCode::METHOD_NOT_ALLOWED, "use POST or PUT\n");
    }
    let mut incoming = req.into_body();
    let mut bytes = 0u64;
    while let Some(frame) = incoming.frame().await {
        match frame {
            Ok(frame) => {
                if let Some(data) = frame.data_ref() {
                    bytes += data.len() as u64;
                }
            }
            Err(err) => {
                let msg = format!("reading body after {bytes} bytes: {err}\n");
                return body::text(StatusCode::BAD_REQUEST, msg);
            }
        }
    }
    body::json(StatusCode::OK, &Uploaded { bytes })
}

/// `/echo`: the request body streamed back as it arrives, with the same content type (and the
/// same length when the request declared one).
pub(crate) fn echo(req: Request<Incoming>) -> Response<Body> {
    let content_type = req.headers().get(header::CONTENT_TYPE).cloned();
    let body = req.into_body().map_err(BoxError::from).boxed();
    let mut resp = Response::new(body);
    let content_type =
        content_type.unwrap_or_else(|| HeaderValue::from_static("application/octet-stream"));
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, content_type);
    resp
}
