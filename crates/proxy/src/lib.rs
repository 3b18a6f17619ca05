//! Waygate's data plane.
//!
//! Stages, named the same in modules, logs and metrics: **accept** (`entrypoint`) → **tls**
//! (`tls`) → **http** (`entrypoint::serve`, `forwarded`) → **route** (`table`) →
//! **middlewares** (`middleware`) → **service** (`service`) → **upstream** (`upstream`). Request
//! heads are checked in `hygiene` and `path`. The routing table is compiled once per
//! configuration (`table::compile`) and swapped atomically (`Gateway::apply`); requests in
//! flight keep the table they started with. Errors map to responses in one place (`rescue`).

pub mod accesslog;
pub mod acme;
pub mod body;
pub mod entrypoint;
pub mod forwarded;
mod handler;
mod hop;
pub mod hygiene;
pub mod metrics;
pub mod middleware;
pub mod path;
mod proxy_protocol;
pub mod rescue;
pub mod service;
pub mod table;
mod tcp;
pub mod tls;
mod tokens;
pub mod trace;
mod udp;
pub mod upstream;

mod gateway;

pub use self::body::Body;
pub use self::gateway::{Gateway, GatewayOptions};
pub use self::table::{RuntimeTable, TableStatus, dry_run, dry_table};

/// A request as it flows through the data plane.
pub type Request = http::Request<Body>;
/// A response as it flows back.
pub type Response = http::Response<Body>;
