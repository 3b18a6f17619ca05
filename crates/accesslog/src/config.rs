//! `accessLog` compiled once: the format, the filters, which fields and headers a line
//! carries, and therefore what a request must capture (nothing more).

use std::collections::HashMap;
use std::time::Duration;

use waygate_config::static_config::AccessLog as Cfg;

use crate::field::Field;

/// `format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Traefik's extended CLF (router, service URL, duration).
    Common,
    GenericClf,
    Json,
}

/// What `fields.headers` does with one header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeaderMode {
    Keep,
    Drop,
    Redact,
}

/// The compiled `accessLog` section.
#[derive(Debug, Clone)]
pub struct Settings {
    pub format: Format,
    /// Bit per [`Field`]: kept fields.
    pub(crate) keep: u64,
    pub(crate) header_default: HeaderMode,
    /// Canonical header name (`User-Agent`) → mode.
    pub(crate) header_names: HashMap<String, HeaderMode>,
    pub(crate) keep_query: bool,
    pub(crate) filters: Option<Filters>,
    /// Queue length (`bufferingSize`, else [`DEFAULT_QUEUE`]).
    pub queue: usize,
    pub add_internals: bool,
    /// `filePath`; empty = stdout.
    pub file_path: String,
}

/// `filters`: a line is kept when any configured filter matches (Traefik's OR).
#[derive(Debug, Clone, Default)]
pub(crate) struct Filters {
    pub(crate) status: Vec<(u16, u16)>,
    pub(crate) retry_attempts: bool,
    pub(crate) min_duration: Option<Duration>,
}

/// Lines queued when `bufferingSize` is 0: Traefik then writes in the request; Waygate never
/// does, so it always queues.
pub const DEFAULT_QUEUE: usize = 1024;

// === impl Settings ===

impl Settings {
    pub fn new(cfg: &Cfg) -> Self {
        let format = match cfg.format.as_str() {
            "genericCLF" => Format::GenericClf,
            "json" => Format::Json,
            _ => Format::Common,
        };
        let fields = cfg.fields.as_ref();
        let default_keep = fields.is_none_or(|f| f.default_mode != "drop");
        let mut keep = 0;
        for f in Field::ALL {
            let named = fields.and_then(|fs| {
                fs.names
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(f.name()))
                    .map(|(_, v)| v.as_str())
            });
            let kept = match named {
                Some("keep") => true,
                Some("drop") => false,
                _ => default_keep,
            };
            if kept {
                keep |= f.bit();
            }
        }
        let headers = fields.and_then(|f| f.headers.as_ref());
        let mode = |s: &str, default| match s {
            "keep" => HeaderMode::Keep,
            "drop" => HeaderMode::Drop,
            "redact" => HeaderMode::Redact,
            _ => default,
        };
        // Traefik's defaults: `fields.headers.defaultMode: drop`.
        let header_default = headers.map_or(HeaderMode::Drop, |h| {
            mode(&h.default_mode, HeaderMode::Keep)
        });
        let header_names = headers
            .map(|h| {
                h.names
                    .iter()
                    .map(|(k, v)| (canonical_header(k), mode(v, header_default)))
                    .collect()
            })
            .unwrap_or_default();
        let keep_query = fields
            .and_then(|f| f.query_parameters.as_ref())
            .is_none_or(|q| q.default_mode != "drop");
        let filters = cfg.filters.as_ref().and_then(|f| {
            let status: Vec<(u16, u16)> = f.status_codes.iter().flat_map(|s| ranges(s)).collect();
            let min_duration = f.min_duration.to_std().filter(|d| !d.is_zero());
            // An empty `filters` section keeps every line.
            (!status.is_empty() || f.retry_attempts || min_duration.is_some()).then_some(Filters {
                status,
                retry_attempts: f.retry_attempts,
                min_duration,
            })
        });
        Self {
            format,
            keep,
            header_default,
            header_names,
            keep_query,
            filters,
            queue: usize::try_from(cfg.buffering_size)
                .ok()
                .filter(|n| *n > 0)
                .unwrap_or(DEFAULT_QUEUE),
            add_internals: cfg.add_internals,
            file_path: cfg.file_path.clone(),
        }
    }

    pub fn keeps(&self, f: Field) -> bool {
        self.keep & f.bit() != 0
    }

    /// The mode of a header (canonical name).
    pub(crate) fn header_mode(&self, canonical: &str) -> HeaderMode {
        self.header_names
            .get(canonical)
            .copied()
            .unwrap_or(self.header_default)
    }

    /// Whether any header can appear in a line: requests capture headers only then.
    pub fn wants_headers(&self) -> bool {
        self.header_default != HeaderMode::Drop
            || self.header_names.values().any(|m| *m != HeaderMode::Drop)
    }

    /// Whether a finished request is written (`filters`).
    pub fn passes(&self, status: u16, retries: u32, duration: Duration) -> bool {
        let Some(f) = &self.filters else {
            return true;
        };
        f.status.iter().any(|&(a, b)| (a..=b).contains(&status))
            || (f.retry_attempts && retries > 0)
            || f.min_duration.is_some_and(|m| duration > m)
    }
}

/// `"200"`, `"300-302"` (and comma-separated lists of those) as inclusive ranges; invalid
/// parts are skipped (validation reports them).
fn ranges(s: &str) -> Vec<(u16, u16)> {
    s.split(',')
        .filter_map(|part| {
            let (a, b) = part.split_once('-').unwrap_or((part, part));
            Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
        })
        .collect()
}

/// Go's `textproto.CanonicalMIMEHeaderKey`: `user-agent` → `User-Agent`.
pub fn canonical_header(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for c in name.chars() {
        if upper {
            out.push(c.to_ascii_uppercase());
        } else {
            out.push(c.to_ascii_lowercase());
        }
        upper = c == '-';
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(yaml: &str) -> Settings {
        let cfg: Cfg = serde_json::from_str(yaml).expect("config");
        Settings::new(&cfg)
    }

    #[test]
    fn defaults_keep_every_field_and_drop_headers() {
        let s = settings("{}");
        assert_eq!(s.format, Format::Common);
        assert!(Field::ALL.iter().all(|f| s.keeps(*f)));
        assert!(!s.wants_headers());
        assert!(s.passes(500, 0, Duration::ZERO));
        assert_eq!(s.queue, DEFAULT_QUEUE);
    }

    #[test]
    fn filters_are_or_ed() {
        let s = settings(
            r#"{"filters":{"statusCodes":["200","300-302"],"retryAttempts":true,"minDuration":"10ms"}}"#,
        );
        assert!(s.passes(200, 0, Duration::ZERO));
        assert!(s.passes(301, 0, Duration::ZERO));
        assert!(!s.passes(404, 0, Duration::ZERO));
        assert!(s.passes(404, 1, Duration::ZERO));
        assert!(s.passes(404, 0, Duration::from_millis(11)));
        assert!(!s.passes(404, 0, Duration::from_millis(10)));
        assert!(settings(r#"{"filters":{}}"#).passes(404, 0, Duration::ZERO));
    }

    #[test]
    fn field_and_header_modes() {
        let s = settings(
            r#"{"fields":{"defaultMode":"drop","names":{"clienthost":"keep"},
                "headers":{"defaultMode":"keep","names":{"authorization":"redact","x-drop":"drop"}}}}"#,
        );
        assert!(s.keeps(Field::ClientHost));
        assert!(!s.keeps(Field::StartUtc));
        assert_eq!(s.header_mode("Authorization"), HeaderMode::Redact);
        assert_eq!(s.header_mode("X-Drop"), HeaderMode::Drop);
        assert_eq!(s.header_mode("User-Agent"), HeaderMode::Keep);
        assert!(s.wants_headers());
    }

    #[test]
    fn canonical_headers_as_go() {
        assert_eq!(canonical_header("user-agent"), "User-Agent");
        assert_eq!(canonical_header("X-FORWARDED-FOR"), "X-Forwarded-For");
    }
}
