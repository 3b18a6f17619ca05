//! Checks on dynamic items: rules, URLs, service types, TLS files, and references between
//! items (router → service/middlewares/entry points/resolver, service → children).

mod http;
pub use self::http::is_parent_router;
mod refs;
mod tcp;
mod tls;

use crate::dynamic::DynamicConfig;
use crate::issue::Issue;

use super::Context;

/// Validates every item of `cfg` (one provider's configuration) and appends issues.
pub fn validate_dynamic(cfg: &DynamicConfig, ctx: &Context<'_>, issues: &mut Vec<Issue>) {
    if let Some(h) = &cfg.http {
        http::validate(h, cfg, ctx, issues);
    }
    if let Some(t) = &cfg.tcp {
        tcp::validate(t, cfg, ctx, issues);
    }
    if let Some(u) = &cfg.udp {
        tcp::validate_udp(u, ctx, issues);
    }
    if let Some(t) = &cfg.tls {
        tls::validate(t, ctx, issues);
    }
    for i in issues.iter_mut() {
        if i.provider.is_none() {
            i.provider = Some(ctx.provider.clone());
        }
    }
}
