//! Waygate's own log (reference §1.10 `log`): level and format from the static configuration,
//! overridable with `RUST_LOG`. Written to `log.filePath` (appended, reopened on SIGUSR1 by
//! [`reopen`]) or stderr; coloured only on a terminal without `log.noColor`. Events that
//! clients can trigger at will are rate-limited (`noise`).

mod noise;

use std::io::IsTerminal;
use std::sync::{Arc, OnceLock};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::writer::BoxMakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use waygate_accesslog::ReopenableFile;
use waygate_config::static_config::Log;

/// The `log.filePath` file, once opened.
static FILE: OnceLock<Arc<ReopenableFile>> = OnceLock::new();

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
    let (writer, to_file) = writer(cfg);
    // As Traefik: no colours with `noColor` or a file; and none when stderr is not a
    // terminal (Traefik colours regardless), so collected logs stay plain text.
    let ansi = !to_file && !cfg.is_some_and(|l| l.no_color) && std::io::stderr().is_terminal();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(ansi);
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

/// Reopens `log.filePath` (SIGUSR1, after logrotate renamed it); nothing without one.
pub(crate) fn reopen() -> std::io::Result<()> {
    FILE.get().map_or(Ok(()), |f| f.reopen())
}

/// Where log lines go: `log.filePath` (created with its directory, appended to), else
/// stderr; a file that cannot be opened is said on stderr and stderr is used. True when a
/// file is used.
fn writer(cfg: Option<&Log>) -> (BoxMakeWriter, bool) {
    let Some(path) = cfg.map(|l| l.file_path.as_str()).filter(|p| !p.is_empty()) else {
        return (BoxMakeWriter::new(std::io::stderr), false);
    };
    match ReopenableFile::open(path) {
        Ok(file) => {
            let file = FILE.get_or_init(|| Arc::new(file)).clone();
            (BoxMakeWriter::new(file), true)
        }
        Err(e) => {
            eprintln!("waygate: cannot open log.filePath {path}: {e}; logging to stderr");
            (BoxMakeWriter::new(std::io::stderr), false)
        }
    }
}
