//! Per-request entry point: count, honour `?wait=`, dispatch on the path, stamp the backend name.
//!
//! Unknown paths answer like `/` (the echo), as `traefik/whoami` does.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{Request, Response, StatusCode};
use tokio::sync::watch;

use crate::body::{self, Body};
use crate::query;
use crate::routes;
use crate::server::State;

/// Response header naming the backend that answered.
pub(crate) const NAME_HEADER: &str = "x-whoami-name";

/// What a request knows about its connection.
#[derive(Debug)]
pub(crate) struct Conn {
    pub(crate) state: Arc<State>,
    pub(crate) remote: SocketAddr,
    pub(crate) local: SocketAddr,
    /// Flips to `true` when the server stops; long-lived tasks (WebSocket) watch it.
    pub(crate) stopped: watch::Receiver<bool>,
}

/// The hyper service function.
pub(crate) async fn handle(
    conn: Arc<Conn>,
    req: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    conn.state.requests.fetch_add(1, Ordering::Relaxed);
    let mut resp = match query::param(req.uri().query(), "wait") {
        None => route(&conn, req).await,
        Some(raw) => match query::parse_duration(raw) {
            Some(delay) => {
                tokio::time::sleep(delay).await;
                route(&conn, req).await
            }
            None => body::text(
                StatusCode::BAD_REQUEST,
                format!("invalid wait duration {raw:?}\n"),
            ),
        },
    };
    if let Ok(name) = HeaderValue::from_str(&conn.state.name) {
        resp.headers_mut().insert(NAME_HEADER, name);
    }
    Ok(resp)
}

async fn route(conn: &Conn, req: Request<Incoming>) -> Response<Body> {
    match req.uri().path() {
        "/api" => routes::whoami::json(conn, &req),
        "/health" => routes::health::handle(conn, req).await,
        "/healthz" => body::text(StatusCode::OK, "ok"),
        "/readyz" => body::text(StatusCode::OK, "ready"),
        "/data" => routes::data::handle(&req),
        "/16k" => routes::data::fixed(16 * 1024),
        "/upload" => routes::stream::upload(req).await,
        "/echo" => routes::stream::echo(req),
        "/ws" => routes::ws::handle(conn, req),
        _ => routes::whoami::text(conn, &req),
    }
}
