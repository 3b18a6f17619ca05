//! A record's fields as Traefik's data table holds them (which are present when, and their
//! types), for the line formats in `format/`.

mod clf;
mod digits;
mod json;

use std::borrow::Cow;
use std::net::{IpAddr, SocketAddr};
use std::ops::Range;
use std::time::SystemTime;

use http::{HeaderMap, Version};

use crate::config::{HeaderMode, Settings, canonical_header};
use crate::field::Field;
use crate::record::Record;
use crate::time::Civil;

pub(crate) use self::clf::{common, generic_clf};
pub(crate) use self::digits::{Ascii, push_i64, push_padded};
#[cfg(test)]
pub(crate) use self::json::json;
pub(crate) use self::json::{Memo, json_bytes};

/// One field's value, typed as in Traefik's table (durations are nanosecond integers).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value<'a> {
    Str(Cow<'a, str>),
    Int(i64),
    Float(f64),
    /// Written as strings, without an allocation on the way.
    Addr(SocketAddr),
    Ip(IpAddr),
    Port(u16),
    Time(SystemTime),
    /// Bytes as lowercase hex (trace and span ids, as W3C writes them).
    Hex(&'a [u8]),
}

// === impl Value ===

impl Value<'_> {
    /// The text of a string value (`None` for numbers), written to `out`.
    pub(crate) fn write_text(&self, out: &mut String) -> bool {
        match self {
            Value::Str(s) => out.push_str(s),
            Value::Addr(a) => digits::push_addr(out, *a),
            Value::Ip(ip) => digits::push_ip(out, *ip),
            Value::Port(p) => digits::push_u64(out, u64::from(*p)),
            Value::Time(t) => Civil::from(*t).rfc3339_nano(out),
            Value::Hex(bytes) => digits::push_hex(out, bytes),
            Value::Int(_) | Value::Float(_) => return false,
        }
        true
    }
}

/// Splits `host:port` as Go's `net.SplitHostPort`, `-` for a missing port.
fn split_host_port(value: &str) -> (&str, &str) {
    let (host, port) = host_port_ranges(value.as_bytes());
    // The cuts are next to ASCII bytes (`[`, `]`, `:`): on character boundaries.
    (&value[host], port.map_or("-", |p| &value[p]))
}

/// [`split_host_port`] of bytes (the JSON line splits the `Host` without making text of it).
pub(crate) fn split_host_port_bytes(value: &[u8]) -> (&[u8], &[u8]) {
    let (host, port) = host_port_ranges(value);
    (&value[host], port.map_or(b"-".as_slice(), |p| &value[p]))
}

/// Where [`split_host_port`] cuts `value`: the host's bytes and the port's (`None`: no port).
fn host_port_ranges(value: &[u8]) -> (Range<usize>, Option<Range<usize>>) {
    if value.first() == Some(&b'[')
        && let Some(end) = value.windows(2).position(|w| w == b"]:")
    {
        return (1..end, Some(end + 2..value.len()));
    }
    // One pass over the bytes for the only colon (the `char` searches forward and back
    // cost more than the rest of the two fields that show it).
    let mut colon = None;
    for (i, &b) in value.iter().enumerate() {
        if b == b':' {
            if colon.is_some() {
                return (0..value.len(), None);
            }
            colon = Some(i);
        }
    }
    match colon {
        Some(i) => (0..i, Some(i + 1..value.len())),
        None => (0..value.len(), None),
    }
}

fn int(v: impl TryInto<i64>) -> Value<'static> {
    Value::Int(v.try_into().unwrap_or(i64::MAX))
}

/// The value of `field` in `rec`, `None` when Traefik's table would not have it. Ignores
/// `fields.names` (see [`Settings::keeps`]).
pub(crate) fn value(field: Field, rec: &Record) -> Option<Value<'_>> {
    let s = |v: &'static str| Some(Value::Str(Cow::Borrowed(v)));
    let origin = rec.origin.as_ref();
    // Closures: this runs for every field of a line, and few fields need these.
    let origin_size = || origin.map_or(0, |o| o.size.unwrap_or(rec.size));
    let origin_ns = || origin.map_or(0, |o| o.duration.as_nanos());
    // Only for the three fields that show it (this runs for every field of a line).
    let host = || {
        rec.host
            .as_ref()
            .map(|h| String::from_utf8_lossy(h.as_bytes()))
            .filter(|h| !h.is_empty())
    };
    match field {
        Field::StartUtc | Field::StartLocal => Some(Value::Time(rec.start)),
        Field::Duration => Some(int(rec.duration.as_nanos())),
        Field::RouterName => rec.router.as_deref().map(|r| Value::Str(Cow::Borrowed(r))),
        Field::ServiceName => rec.service.as_deref().map(|r| Value::Str(Cow::Borrowed(r))),
        Field::ServiceUrl => origin.map(|o| Value::Str(Cow::Borrowed(&*o.url))),
        Field::ServiceAddr => origin.map(|o| Value::Str(Cow::Borrowed(&*o.addr))),
        Field::ClientAddr => Some(Value::Addr(rec.client)),
        Field::ClientHost => match &rec.forwarded_for {
            Some(v) if !v.is_empty() => Some(Value::Str(String::from_utf8_lossy(v.as_bytes()))),
            _ => Some(Value::Ip(rec.client.ip())),
        },
        Field::ClientPort => Some(Value::Port(rec.client.port())),
        // An empty name stays empty in JSON (the CLF formats write `-` for it).
        Field::ClientUsername => Some(Value::Str(Cow::Borrowed(
            rec.username.as_deref().unwrap_or("-"),
        ))),
        Field::RequestAddr => host().map(Value::Str),
        Field::RequestHost => {
            host().map(|h| Value::Str(Cow::Owned(split_host_port(&h).0.to_string())))
        }
        Field::RequestPort => {
            host().map(|h| Value::Str(Cow::Owned(split_host_port(&h).1.to_string())))
        }
        Field::RequestMethod => Some(Value::Str(Cow::Borrowed(rec.method.as_str()))),
        Field::RequestPath => None, // depends on `queryParameters`: see `request_path`
        Field::RequestProtocol => s(match rec.version {
            Version::HTTP_09 => "HTTP/0.9",
            Version::HTTP_10 => "HTTP/1.0",
            Version::HTTP_2 => "HTTP/2.0",
            Version::HTTP_3 => "HTTP/3.0",
            _ => "HTTP/1.1",
        }),
        Field::RequestScheme => s(if rec.tls.is_some() { "https" } else { "http" }),
        Field::RequestContentSize => Some(int(rec.request_size)),
        Field::RequestCount => Some(int(rec.count)),
        Field::OriginDuration => Some(int(origin_ns())),
        Field::OriginContentSize => Some(int(origin_size())),
        Field::OriginStatus => Some(int(origin.map_or(0, |o| o.status))),
        Field::DownstreamStatus => Some(int(rec.status)),
        Field::DownstreamContentSize => Some(int(rec.size)),
        Field::GzipRatio => {
            let origin_size = origin_size();
            (rec.size != origin_size && rec.size != 0)
                .then(|| Value::Float(origin_size as f64 / rec.size as f64))
        }
        Field::Overhead => Some(int(rec.duration.as_nanos().saturating_sub(origin_ns()))),
        Field::RetryAttempts => Some(int(rec.retries)),
        Field::TlsVersion => rec
            .tls
            .as_ref()
            .map(|t| Value::Str(Cow::Borrowed(t.version))),
        Field::TlsCipher => rec
            .tls
            .as_ref()
            .map(|t| Value::Str(Cow::Borrowed(t.cipher.as_str()))),
        Field::TlsClientSubject => rec
            .tls
            .as_ref()
            .and_then(|t| t.client_subject.as_deref())
            .map(|v| Value::Str(Cow::Borrowed(v))),
        Field::EntryPointName => Some(Value::Str(Cow::Borrowed(&*rec.entry_point))),
        Field::TraceId | Field::OtelTraceId => rec.trace.as_ref().map(|t| Value::Hex(&t.trace_id)),
        Field::SpanId | Field::OtelSpanId => rec.trace.as_ref().map(|t| Value::Hex(&t.span_id)),
    }
}

/// `RequestPath`: path and query as the client sent them (the query dropped with
/// `fields.queryParameters.defaultMode: drop`).
fn request_path<'a>(rec: &'a Record, settings: &Settings) -> Cow<'a, str> {
    match rec.uri.path_and_query() {
        Some(pq) if settings.keep_query => Cow::Borrowed(pq.as_str()),
        Some(pq) => Cow::Borrowed(pq.path()),
        None => Cow::Borrowed(rec.uri.path()),
    }
}

/// A kept field's value (`None` when dropped by `fields` or absent).
pub(crate) fn kept<'a>(field: Field, rec: &'a Record, settings: &Settings) -> Option<Value<'a>> {
    if !settings.keeps(field) {
        return None;
    }
    if field == Field::RequestPath {
        return Some(Value::Str(request_path(rec, settings)));
    }
    value(field, rec)
}

/// The `<prefix><Header>` entries `fields.headers` keeps or redacts (values comma-joined).
pub(crate) fn headers(
    map: Option<&HeaderMap>,
    prefix: &str,
    settings: &Settings,
    out: &mut Vec<(String, String)>,
) {
    let Some(map) = map else { return };
    for name in map.keys() {
        // Go keeps `Host` out of the request's header map.
        if prefix == "request_" && name == http::header::HOST {
            continue;
        }
        let canonical = canonical_header(name.as_str());
        let value = match settings.header_mode(&canonical) {
            HeaderMode::Drop => continue,
            HeaderMode::Redact => "REDACTED".to_string(),
            HeaderMode::Keep => map
                .get_all(name)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect::<Vec<_>>()
                .join(","),
        };
        out.push((format!("{prefix}{canonical}"), value));
    }
}

#[cfg(test)]
mod tests;
