//! The **accept** stage: entry point listeners, bound once from the static configuration and
//! kept for the whole life of the process (reloads never rebind), and what bounds each
//! connection (`guard`). Entry points with TCP routers or `proxyProtocol` decide where each
//! connection goes first (`dispatch`).

mod aside;
mod date;
mod dispatch;
mod guard;
mod h1;
mod http2;
mod listen;
mod prefixed;
mod serve;

pub(crate) use self::dispatch::SSL_REQUEST;
pub(crate) use self::guard::{ConnGuard, ServedBody};
pub use self::listen::{Bound, bind, parse_address};
pub(crate) use self::serve::{ConnCount, ServeSettings, serve};
