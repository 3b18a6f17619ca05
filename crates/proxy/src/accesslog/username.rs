//! `ClientUsername`: authentication middlewares name the client with [`name_client`], a
//! request extension, as Traefik's write the field into the request's log data table. The
//! handler's and `around`'s chain walks move it into the request's record after each
//! middleware's request phase ([`Logged::take_username`](super::Logged::take_username),
//! [`OriginCell::take_username`](super::OriginCell::take_username)), so a later
//! middleware's name wins and a copy of the request (`retry`) loses nothing. Requests that
//! are not logged pay one `None` check per middleware.
//! Any authentication middleware (`basicAuth`, `digestAuth`, later `forwardAuth`'s
//! `headerField`) calls [`name_client`]; nothing else is needed for the log to show it.

use std::sync::Arc;

use crate::Request;

/// The user an authentication middleware found in the request (empty: it found none).
#[derive(Debug, Clone)]
pub(crate) struct ClientUsername(pub(crate) Arc<str>);

/// Names the client of `req` for its access log line (replacing an earlier middleware's).
pub(crate) fn name_client(req: &mut Request, user: Arc<str>) {
    req.extensions_mut().insert(ClientUsername(user));
}

/// The name a middleware left on `req`, taken off it. A request without extensions (no
/// authentication middleware ran) costs one pointer check.
pub(super) fn take(req: &mut Request) -> Option<Arc<str>> {
    req.extensions_mut()
        .remove::<ClientUsername>()
        .map(|ClientUsername(u)| u)
}
