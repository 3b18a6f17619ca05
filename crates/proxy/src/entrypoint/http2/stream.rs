//! One HTTP/2 request: the handler's answer raced against the client's reset (a reset drops
//! the request's future, as hyper's server did), then the response head (hop-by-hop fields
//! removed, `Date` and a known `Content-Length` added, as hyper's server did) and its body,
//! sent as the client's flow-control window allows. A small complete body leaves in the
//! same turn as its head, with END_STREAM on its DATA frame.

use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};

use bytes::Bytes;
use h2::server::SendResponse;
use h2::{Reason, RecvStream, SendStream};
use http::header::{CONNECTION, CONTENT_LENGTH, DATE, Entry, TE, TRANSFER_ENCODING, UPGRADE};
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response};
use http_body::Body as _;
use tracing::{debug, warn};

use crate::body::{H2Recv, Inbound};
use crate::entrypoint::ServedBody;
use crate::entrypoint::date;
use crate::handler::{ConnCtx, handle};
use crate::table::RuntimeTable;

/// A stream being served (boxed: the request's future is a few kilobytes).
pub(super) type Served = Pin<Box<dyn Future<Output = ()> + Send>>;

static KEEP_ALIVE: HeaderName = HeaderName::from_static("keep-alive");
static PROXY_CONNECTION: HeaderName = HeaderName::from_static("proxy-connection");

/// Serves the request `req` whose answer goes to `respond`.
pub(super) fn serve(
    req: Request<RecvStream>,
    respond: SendResponse<Bytes>,
    conn: Arc<ConnCtx>,
    table: Arc<RuntimeTable>,
) -> Served {
    let length = content_length(req.headers());
    let req = req.map(|recv| Inbound::H2(H2Recv::new(recv, length)));
    // The box is taken first and the future written into it (built on the stack and then
    // boxed, all its kilobytes were copied). The steps after the handler are plain
    // functions polled from this future, not futures of their own moved into it.
    let boxed = Box::write(Box::new_uninit(), async move {
        let mut respond = respond;
        let mut handled = pin!(handle(req, &conn, table));
        let answered = poll_fn(|cx| {
            if let Poll::Ready(resp) = handled.as_mut().poll(cx) {
                return Poll::Ready(Some(resp));
            }
            // Not answered yet: a client that resets the stream cancels the request.
            match respond.poll_reset(cx) {
                Poll::Ready(reason) => {
                    debug!(?reason, "stream reset by the client before its response");
                    Poll::Ready(None)
                }
                Poll::Pending => Poll::Pending,
            }
        })
        .await;
        let Some(resp) = answered else { return };
        let Some((body, mut tx)) = send_head(resp, &mut respond, &conn) else {
            return;
        };
        let mut body = pin!(body);
        let mut held = None;
        poll_fn(|cx| pipe(body.as_mut(), &mut tx, &mut held, cx)).await;
    });
    Box::into_pin(boxed)
}

/// The request's declared length (h2 has checked that its values agree and parse).
fn content_length(headers: &HeaderMap) -> Option<u64> {
    let v = headers.get(CONTENT_LENGTH)?;
    std::str::from_utf8(v.as_bytes()).ok()?.parse().ok()
}

/// Sends the response's head; returns its body and stream unless the head ended the
/// response (or could not be sent).
fn send_head(
    resp: Response<ServedBody>,
    respond: &mut SendResponse<Bytes>,
    conn: &ConnCtx,
) -> Option<(ServedBody, SendStream<Bytes>)> {
    let (mut head, body) = resp.into_parts();
    if strip_connection_fields(&mut head.headers) {
        conn.goaway.store(true, Ordering::Relaxed);
    }
    if let Entry::Vacant(v) = head.headers.entry(DATE) {
        v.insert(date::value());
    }
    let end = body.is_end_stream();
    if !end
        && let Some(len) = body.size_hint().exact()
        && let Entry::Vacant(v) = head.headers.entry(CONTENT_LENGTH)
    {
        v.insert(HeaderValue::from(len));
    }
    match respond.send_response(Response::from_parts(head, ()), end) {
        Ok(tx) => (!end).then_some((body, tx)),
        Err(e) => {
            debug!(error = %e, "the response head could not be sent");
            None
        }
    }
}

/// Removes the fields HTTP/2 forbids (h2 refuses a head with any), as hyper's server did;
/// a response rarely has one, so the map is looked at once. True when it said
/// `Connection: close` (the keep-alive limits), which Go's HTTP/2 server takes as asking
/// for a graceful end of the connection.
fn strip_connection_fields(headers: &mut HeaderMap) -> bool {
    let forbidden = |n: &HeaderName| {
        *n == CONNECTION
            || *n == TRANSFER_ENCODING
            || *n == UPGRADE
            || *n == TE
            || *n == KEEP_ALIVE
            || *n == PROXY_CONNECTION
    };
    if !headers.keys().any(forbidden) {
        return false;
    }
    for name in [
        &KEEP_ALIVE,
        &PROXY_CONNECTION,
        &TRANSFER_ENCODING,
        &UPGRADE,
        &TE,
    ] {
        if headers.remove(name).is_some() {
            warn!("Connection header illegal in HTTP/2: {}", name.as_str());
        }
    }
    let Some(listed) = headers.remove(CONNECTION) else {
        return false;
    };
    let mut close = false;
    let mut others = false;
    // The fields `Connection` names are this hop's too.
    if let Ok(listed) = listed.to_str() {
        for name in listed.split(',').map(str::trim) {
            if name.eq_ignore_ascii_case("close") {
                close = true;
            } else {
                others = true;
                headers.remove(name);
            }
        }
    }
    if others || !close {
        warn!("Connection header illegal in HTTP/2: connection");
    }
    close
}

/// Sends `body` on `tx`: a chunk at a time, each once the stream has window for it (so a
/// client that stops reading holds one chunk, not the whole body), the last one at once
/// (h2 sends it as the window allows); the trailers, or an empty END_STREAM frame, at the
/// end. A body that fails resets the stream. `held`: a chunk (not the last) waiting for
/// window. `Ready` when the response is over.
fn pipe(
    mut body: Pin<&mut ServedBody>,
    tx: &mut SendStream<Bytes>,
    held: &mut Option<Bytes>,
    cx: &mut Context<'_>,
) -> Poll<()> {
    loop {
        if let Some(data) = held.take() {
            while tx.capacity() == 0 {
                match tx.poll_capacity(cx) {
                    Poll::Ready(Some(Ok(0))) => {}
                    Poll::Ready(Some(Ok(_))) => break,
                    Poll::Ready(Some(Err(_)) | None) => return Poll::Ready(()),
                    Poll::Pending => {
                        *held = Some(data);
                        return reset_or_pending(tx, cx);
                    }
                }
            }
            if tx.send_data(data, false).is_err() {
                return Poll::Ready(());
            }
            continue;
        }
        // The next chunk is taken before any window is claimed (claiming first can starve
        // another stream of a peer that only updates an exhausted window).
        match body.as_mut().poll_frame(cx) {
            Poll::Pending => return reset_or_pending(tx, cx),
            Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                Ok(data) => {
                    let last = body.is_end_stream();
                    // The last chunk (or an empty one) goes now: h2 holds it until the
                    // window allows, and there is no next chunk to bound.
                    if last || data.is_empty() {
                        if tx.send_data(data, last).is_err() || last {
                            return Poll::Ready(());
                        }
                        continue;
                    }
                    // A minimal claim; h2 raises it to the chunk's length when sent.
                    tx.reserve_capacity(1);
                    *held = Some(data);
                }
                Err(frame) => {
                    if let Ok(trailers) = frame.into_trailers() {
                        tx.reserve_capacity(0);
                        let _ = tx.send_trailers(trailers);
                        return Poll::Ready(());
                    }
                }
            },
            Poll::Ready(Some(Err(e))) => {
                debug!(error = %e, "response body failed: resetting the stream");
                tx.send_reset(Reason::INTERNAL_ERROR);
                return Poll::Ready(());
            }
            Poll::Ready(None) => {
                let _ = tx.send_data(Bytes::new(), true);
                return Poll::Ready(());
            }
        }
    }
}

/// While the response waits (for its body or for window): `Pending`, with the waker
/// registered for the client's reset, which ends the response (`Ready`).
fn reset_or_pending(tx: &mut SendStream<Bytes>, cx: &mut Context<'_>) -> Poll<()> {
    match tx.poll_reset(cx) {
        Poll::Ready(reason) => {
            debug!(?reason, "stream reset by the client during its response");
            Poll::Ready(())
        }
        Poll::Pending => Poll::Pending,
    }
}
