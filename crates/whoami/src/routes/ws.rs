//! `/ws`: WebSocket echo over an HTTP/1.1 upgrade.
//!
//! The handshake is answered here on hyper (101 + `Sec-WebSocket-Accept`); the upgraded stream is
//! then driven by tokio-tungstenite in a spawned task, which echoes text and binary messages.
//! Pings are answered and closes completed by tungstenite itself. The task ends when the peer
//! closes or the server stops.

use futures_util::{SinkExt, StreamExt};
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::sync::watch;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;

use crate::body::{self, Body};
use crate::service::Conn;

pub(crate) fn handle(conn: &Conn, mut req: Request<Incoming>) -> Response<Body> {
    let headers = req.headers();
    let key = match headers.get("sec-websocket-key") {
        Some(key) if has_token(headers, header::UPGRADE, "websocket") => key,
        _ => {
            let msg = "expected a WebSocket upgrade (Upgrade: websocket, Sec-WebSocket-Key)\n";
            return body::text(StatusCode::BAD_REQUEST, msg);
        }
    };
    let accept = derive_accept_key(key.as_bytes());
    let Ok(accept) = HeaderValue::from_str(&accept) else {
        return body::text(StatusCode::INTERNAL_SERVER_ERROR, "accept key\n");
    };
    let upgrade = hyper::upgrade::on(&mut req);
    tokio::spawn(echo(upgrade, conn.stopped.clone()));

    let mut resp = Response::new(body::full(""));
    *resp.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = resp.headers_mut();
    headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    headers.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
    resp
}

/// Whether a comma-separated header has `token` (case-insensitive).
fn has_token(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

async fn echo(upgrade: hyper::upgrade::OnUpgrade, mut stopped: watch::Receiver<bool>) {
    // The client went away before the upgrade completed: nothing to echo.
    let Ok(upgraded) = upgrade.await else { return };
    let io = TokioIo::new(upgraded);
    let mut ws = WebSocketStream::from_raw_socket(io, Role::Server, None).await;
    loop {
        let msg = tokio::select! {
            msg = ws.next() => msg,
            _ = stopped.wait_for(|stop| *stop) => return,
        };
        let reply = match msg {
            Some(Ok(msg @ (Message::Text(_) | Message::Binary(_)))) => msg,
            // Pings are answered and closes echoed by tungstenite on the next read.
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return,
        };
        if ws.send(reply).await.is_err() {
            return;
        }
    }
}
