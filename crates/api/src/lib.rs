//! Traefik's REST API (reference §7), answered from Waygate's runtime state.
//!
//! [`handle`] is a pure function from a request (method, path and query, headers) and an
//! [`ApiState`] — the static configuration, the merged dynamic configuration, the status of
//! every item, server health, certificates, version — to a complete response. The data plane
//! builds an `ApiState` per API request from its current table (`api@internal`); `waygate
//! check` can reuse the JSON builders ([`rawdata`], [`overview`], [`entry_points`], …) without
//! serving anything.
//!
//! Paths, JSON shapes, filters, sorting, pagination (`X-Next-Page`), status codes and error
//! messages follow Traefik's `pkg/api` handlers; the few differences are listed in
//! `docs/compat.md` ("REST API"), with the one extension, `/api/waygate/routers/stats`
//! ([`RouterStatsView`]). The dashboard ([`dashboard`]) is served from here too.

mod certificates;
pub mod dashboard;
mod debug;
mod entrypoints;
mod explain;
mod items;
mod list;
mod omit;
mod overview;
mod query;
mod rawdata;
mod reply;
mod route;
mod state;
mod stats;
mod version;

pub use self::certificates::{Certificate, certificates};
pub use self::entrypoints::entry_points;
pub use self::explain::{ExplainFn, ExplainQuery};
pub use self::items::{Entry, http_middlewares, http_routers, http_services};
pub use self::items::{tcp_middlewares, tcp_routers, tcp_services, udp_routers, udp_services};
pub use self::overview::overview;
pub use self::rawdata::rawdata;
pub use self::route::handle;
pub use self::state::{ApiState, ServerHealth, Version};
pub use self::stats::{RouterFigures, RouterStatsView, quantile};
pub use self::version::{rfc3339, version};
