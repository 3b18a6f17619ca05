//! The text exposition format (version 0.0.4, what Prometheus scrapes): families with
//! Traefik's names, help texts and label names. Written only when `/metrics` is asked for;
//! families without series are left out, as Go's client does.

use std::fmt::Write;
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};

use super::labels;
use super::registry::{Handle, quote};

/// Text format content type.
pub(crate) const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The three request levels: label prefix, what Traefik's help texts call it.
const LEVELS: [(&str, &str); 3] = [
    ("entrypoint", "an entrypoint"),
    ("router", "a router"),
    ("service", "a service"),
];

// === impl Prometheus ===

impl super::Prometheus {
    /// Everything to export now. Series of routers and services removed by a reload appear
    /// one last time.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(8 * 1024);
        let reloads = self.reloads.load(Ordering::Relaxed);
        family(
            &mut out,
            "traefik_config_reloads_total",
            "counter",
            "Config reloads",
            |o| line(o, "traefik_config_reloads_total", "", reloads),
        );
        let last = self.last_reload.load(Ordering::Relaxed);
        family(
            &mut out,
            "traefik_config_last_reload_success",
            "gauge",
            "Last config reload success",
            |o| line(o, "traefik_config_last_reload_success", "", last),
        );
        if let Some(open) = &self.open {
            family(
                &mut out,
                "traefik_open_connections",
                "gauge",
                "How many open connections exist, by entryPoint and protocol",
                |o| {
                    for (ep, n) in open.by_entry_point() {
                        let l = format!("entrypoint={},protocol=\"TCP\"", quote(&ep));
                        line(o, "traefik_open_connections", &l, n as u64);
                    }
                },
            );
        }
        // Waygate's own (docs/compat.md): Traefik's access log blocks instead of dropping.
        if let Some(dropped) = &self.access_log_dropped {
            let n = dropped.load(Ordering::Relaxed);
            family(
                &mut out,
                "waygate_accesslog_dropped_lines_total",
                "counter",
                "Access log lines dropped because the writer's queue (bufferingSize) was full",
                |o| line(o, "waygate_accesslog_dropped_lines_total", "", n),
            );
        }
        if let Some(table) = self.tables.upgrade().map(|t| t.load_full()) {
            family(
                &mut out,
                "traefik_tls_certs_not_after",
                "gauge",
                "Certificate expiration timestamp",
                |o| {
                    for c in &table.certificates {
                        let mut sans: Vec<&str> = c
                            .sans
                            .iter()
                            .map(String::as_str)
                            .filter(|s| s.parse::<std::net::IpAddr>().is_err())
                            .collect();
                        sans.sort_unstable();
                        let l = format!(
                            "cn={},sans={},serial={}",
                            quote(&c.common_name),
                            quote(&sans.join(",")),
                            quote(&c.serial_number)
                        );
                        let _ =
                            writeln!(o, "traefik_tls_certs_not_after{{{l}}} {}", c.not_after_unix);
                    }
                },
            );
        }
        let s = &self.settings;
        let enabled = [s.entry_point_labels, s.router_labels, s.service_labels];
        let families = [&self.entry_points, &self.routers, &self.services];
        for (((level, what), on), fam) in LEVELS.iter().zip(enabled).zip(families) {
            if on {
                let handles = fam.scrape();
                self.requests(&mut out, level, what, &handles);
            }
        }
        if s.service_labels {
            let servers = self
                .servers
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            family(
                &mut out,
                "traefik_service_server_up",
                "gauge",
                "service server is up, described by gauge value of 0 or 1.",
                |o| {
                    for (service, url, up) in &servers {
                        let l = format!("service={},url={}", quote(service), quote(url));
                        line(
                            o,
                            "traefik_service_server_up",
                            &l,
                            u64::from(up.load(Ordering::Relaxed)),
                        );
                    }
                },
            );
        }
        out
    }

    /// The request families of one level.
    fn requests(&self, out: &mut String, level: &str, what: &str, handles: &[Arc<Handle>]) {
        let name = |suffix: &str| format!("traefik_{level}_{suffix}");
        let base = |key: u32, h: &Handle| {
            let (method, protocol, code) = labels::unpack(key);
            format!(
                "code=\"{code}\",method=\"{method}\",protocol=\"{protocol}\",{}",
                h.labels
            )
        };
        let n = name("requests_total");
        let help = format!(
            "How many HTTP requests processed on {what}, partitioned by status code, protocol, and method."
        );
        family(out, &n, "counter", &help, |o| {
            for h in handles {
                match &h.by_header {
                    None => h
                        .cells
                        .each(|k, c| line(o, &n, &base(k, h), c.count.load(Ordering::Relaxed))),
                    Some(map) => {
                        let map = map.lock().unwrap_or_else(PoisonError::into_inner);
                        for ((k, values), count) in map.iter() {
                            let mut l = base(*k, h);
                            for ((label, _), v) in
                                self.settings.header_labels.iter().zip(values.iter())
                            {
                                let _ = write!(l, ",{label}={}", quote(v));
                            }
                            line(o, &n, &l, *count);
                        }
                    }
                }
            }
        });
        let n = name("requests_tls_total");
        let help = format!(
            "How many HTTP requests with TLS processed on {what}, partitioned by TLS Version and TLS cipher Used."
        );
        family(out, &n, "counter", &help, |o| {
            for h in handles {
                h.tls.each(|k, c| {
                    let (version, cipher) = labels::tls_names(k);
                    let l = format!(
                        "tls_cipher={},tls_version=\"{version}\",{}",
                        quote(&cipher),
                        h.labels
                    );
                    line(o, &n, &l, c.load(Ordering::Relaxed));
                });
            }
        });
        let n = name("request_duration_seconds");
        let help = format!(
            "How long it took to process the request on {what}, partitioned by status code, protocol, and method."
        );
        family(out, &n, "histogram", &help, |o| {
            for h in handles {
                h.cells.each(|k, c| {
                    let l = base(k, h);
                    let mut cumulative = 0;
                    for (bound, b) in self.settings.bounds.iter().zip(c.buckets.iter()) {
                        cumulative += b.load(Ordering::Relaxed);
                        let _ = writeln!(o, "{n}_bucket{{{l},le=\"{bound}\"}} {cumulative}");
                    }
                    let count = c.count.load(Ordering::Relaxed);
                    let _ = writeln!(o, "{n}_bucket{{{l},le=\"+Inf\"}} {count}");
                    let sum = c.sum_ns.load(Ordering::Relaxed) as f64 / 1e9;
                    let _ = writeln!(o, "{n}_sum{{{l}}} {sum}");
                    let _ = writeln!(o, "{n}_count{{{l}}} {count}");
                });
            }
        });
        for (suffix, verb, bytes) in [
            ("requests_bytes_total", "requests", true),
            ("responses_bytes_total", "responses", false),
        ] {
            let n = name(suffix);
            let help = format!(
                "The total size of {verb} in bytes handled by {what}, partitioned by status code, protocol, and method."
            );
            family(out, &n, "counter", &help, |o| {
                for h in handles {
                    h.cells.each(|k, c| {
                        let v = if bytes {
                            &c.request_bytes
                        } else {
                            &c.response_bytes
                        };
                        line(o, &n, &base(k, h), v.load(Ordering::Relaxed));
                    });
                }
            });
        }
    }
}

/// Writes a family's HELP and TYPE and its lines, or nothing when it has no line.
fn family(out: &mut String, name: &str, kind: &str, help: &str, lines: impl FnOnce(&mut String)) {
    let mut body = String::new();
    lines(&mut body);
    if body.is_empty() {
        return;
    }
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
    out.push_str(&body);
}

fn line(out: &mut String, name: &str, labels: &str, value: u64) {
    if labels.is_empty() {
        let _ = writeln!(out, "{name} {value}");
    } else {
        let _ = writeln!(out, "{name}{{{labels}}} {value}");
    }
}
