//! Response body type shared by every route, and small constructors for it.
//!
//! Routes answer with a boxed body so that buffered text, streamed data and the echoed request
//! body share one type at the service boundary.

use bytes::Bytes;
use http_body_util::{BodyExt, Full, combinators::BoxBody};
use hyper::{Response, StatusCode, header};

pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;
pub(crate) type Body = BoxBody<Bytes, BoxError>;

/// A buffered body.
pub(crate) fn full(data: impl Into<Bytes>) -> Body {
    Full::new(data.into())
        .map_err(|never| match never {})
        .boxed()
}

/// A response with a buffered body and the given content type.
pub(crate) fn response(
    status: StatusCode,
    content_type: &str,
    data: impl Into<Bytes>,
) -> Response<Body> {
    let mut resp = Response::new(full(data));
    *resp.status_mut() = status;
    if let Ok(value) = header::HeaderValue::from_str(content_type) {
        resp.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    resp
}

/// A `text/plain` response.
pub(crate) fn text(status: StatusCode, data: impl Into<Bytes>) -> Response<Body> {
    response(status, "text/plain; charset=utf-8", data)
}

/// An `application/json` response from a serializable value.
pub(crate) fn json(status: StatusCode, value: &impl serde::Serialize) -> Response<Body> {
    match serde_json::to_vec(value) {
        Ok(data) => response(status, "application/json", data),
        Err(err) => text(StatusCode::INTERNAL_SERVER_ERROR, format!("json: {err}\n")),
    }
}
