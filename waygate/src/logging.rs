//! Waygate's own log (reference §1.10 `log`): level and format from the static configuration,
//! overridable with `RUST_LOG`. Written to stderr.

use tracing_subscriber::EnvFilter;
use waygate_config::static_config::Log;

pub(crate) fn init(cfg: Option<&Log>) {
    let level = cfg.map_or("ERROR", |l| l.level.as_str());
    let directive = match level.to_ascii_uppercase().as_str() {
        "TRACE" => "trace",
        "DEBUG" => "debug",
        "INFO" => "info",
        "WARN" => "warn",
        _ => "error",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(directive));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false);
    let json = cfg.is_some_and(|l| l.format.eq_ignore_ascii_case("json"));
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
