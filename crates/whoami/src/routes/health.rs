//! `/health`: a settable health status for health-check tests.
//!
//! `GET`/`HEAD` answer the current status with its reason phrase as body; `POST` with a status
//! code as body (e.g. `503`) sets it and answers 200.

use std::sync::atomic::Ordering;

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};

use crate::body::{self, Body};
use crate::service::Conn;

/// Longest body accepted by `POST /health`; a status code needs three bytes.
const MAX_BODY: usize = 64;

pub(crate) async fn handle(conn: &Conn, req: Request<Incoming>) -> Response<Body> {
    match *req.method() {
        Method::GET | Method::HEAD => current(conn),
        Method::POST => set(conn, req).await,
        _ => body::text(StatusCode::METHOD_NOT_ALLOWED, "use GET, HEAD or POST\n"),
    }
}

fn current(conn: &Conn) -> Response<Body> {
    let code = conn.state.health.load(Ordering::Relaxed);
    match StatusCode::from_u16(code) {
        Ok(status) => body::text(status, status.canonical_reason().unwrap_or("")),
        Err(_) => body::text(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("health set to invalid status {code}\n"),
        ),
    }
}

async fn set(conn: &Conn, req: Request<Incoming>) -> Response<Body> {
    let data = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) => return body::text(StatusCode::BAD_REQUEST, format!("body: {err}\n")),
    };
    let code = std::str::from_utf8(&data)
        .ok()
        .and_then(|s| s.trim().parse::<u16>().ok())
        .filter(|code| (100..=599).contains(code));
    match code {
        Some(code) => {
            conn.state.health.store(code, Ordering::Relaxed);
            body::text(StatusCode::OK, format!("health set to {code}\n"))
        }
        None => body::text(
            StatusCode::BAD_REQUEST,
            "body must be a status code between 100 and 599\n",
        ),
    }
}
