//! Waygate's own log (reference §1.10 `log`): level and format from the static configuration,
//! overridable with `RUST_LOG`. Written to `log.filePath` (appended) or stderr. Events that
//! clients can trigger at will are rate-limited (`noise`).

mod noise;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
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
        .with_writer(writer(cfg))
        .with_ansi(false);
    let noise = noise::ClientNoise::default();
    let json = cfg.is_some_and(|l| l.format.eq_ignore_ascii_case("json"));
    let installed = if json {
        builder.json().finish().with(noise.clone()).try_init()
    } else {
        builder.finish().with(noise.clone()).try_init()
    };
    if installed.is_ok() {
        noise.start_summary();
    }
}

/// Where log lines go: `log.filePath` (created if needed, appended to), else stderr; a file
/// that cannot be opened is said on stderr and stderr is used.
fn writer(cfg: Option<&Log>) -> tracing_subscriber::fmt::writer::BoxMakeWriter {
    use tracing_subscriber::fmt::writer::BoxMakeWriter;
    let Some(path) = cfg.map(|l| l.file_path.as_str()).filter(|p| !p.is_empty()) else {
        return BoxMakeWriter::new(std::io::stderr);
    };
    match std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        Ok(file) => BoxMakeWriter::new(std::sync::Mutex::new(file)),
        Err(e) => {
            eprintln!("waygate: cannot open log.filePath {path}: {e}; logging to stderr");
            BoxMakeWriter::new(std::io::stderr)
        }
    }
}
