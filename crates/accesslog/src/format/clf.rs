//! `format: common` (Traefik's extended CLF) and `genericCLF`, from Traefik's
//! `logger_formatters.go`:
//! `<ClientHost> - <ClientUsername> [<StartUTC>] "<Method> <Path> <Protocol>" <Status> <Size>
//! "<Referer>" "<User-Agent>"` then, for `common`, `<RequestCount> "<Router>" "<ServiceURL>"
//! <Duration>ms`. A dropped or missing value is `-` (`"-"` where quoted); Referer and
//! User-Agent only show when `fields.headers` keeps them.

use std::fmt::Write;

use super::digits::push_u64;
use super::{Value, kept, push_i64};
use crate::config::{HeaderMode, Settings};
use crate::field::Field;
use crate::record::Record;
use crate::time::Civil;

pub(crate) fn common(rec: &Record, settings: &Settings, out: &mut String) {
    generic(rec, settings, out);
    out.push(' ');
    field(out, kept(Field::RequestCount, rec, settings), "-", true);
    out.push(' ');
    field(out, kept(Field::RouterName, rec, settings), "\"-\"", true);
    out.push(' ');
    field(out, kept(Field::ServiceUrl, rec, settings), "\"-\"", true);
    let ms = if settings.keeps(Field::Duration) {
        rec.duration.as_millis()
    } else {
        0
    };
    out.push(' ');
    push_u64(out, u64::try_from(ms).unwrap_or(u64::MAX));
    out.push_str("ms");
    out.push('\n');
}

pub(crate) fn generic_clf(rec: &Record, settings: &Settings, out: &mut String) {
    generic(rec, settings, out);
    out.push('\n');
}

fn generic(rec: &Record, settings: &Settings, out: &mut String) {
    field(out, kept(Field::ClientHost, rec, settings), "-", false);
    out.push_str(" - ");
    field(out, kept(Field::ClientUsername, rec, settings), "-", false);
    out.push_str(" [");
    if settings.keeps(Field::StartUtc) || settings.keeps(Field::StartLocal) {
        Civil::from(rec.start).clf(out);
    } else {
        out.push('-');
    }
    out.push_str("] \"");
    field(out, kept(Field::RequestMethod, rec, settings), "-", false);
    out.push(' ');
    field(out, kept(Field::RequestPath, rec, settings), "-", false);
    out.push(' ');
    field(out, kept(Field::RequestProtocol, rec, settings), "-", false);
    out.push_str("\" ");
    field(out, kept(Field::DownstreamStatus, rec, settings), "-", true);
    out.push(' ');
    field(
        out,
        kept(Field::DownstreamContentSize, rec, settings),
        "-",
        true,
    );
    out.push(' ');
    header(rec, settings, "Referer", out);
    out.push(' ');
    header(rec, settings, "User-Agent", out);
}

/// `request_Referer` / `request_User-Agent`: quoted value, `REDACTED`, or `"-"`.
fn header(rec: &Record, settings: &Settings, name: &str, out: &mut String) {
    let value = rec
        .request_headers
        .as_ref()
        .and_then(|h| h.get(name))
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let shown = match (settings.header_mode(name), value) {
        (HeaderMode::Keep, Some(v)) => Some(Value::Str(v.into())),
        (HeaderMode::Redact, Some(_)) => Some(Value::Str("REDACTED".into())),
        _ => None,
    };
    field(out, shown, "\"-\"", true);
}

/// Traefik's `toLog`: strings (quoted on request, `"` escaped), numbers as they are, the
/// default for a missing or empty value.
fn field(out: &mut String, v: Option<Value<'_>>, default: &str, quoted: bool) {
    match v {
        Some(Value::Str(s)) if s.is_empty() => out.push_str(default),
        Some(Value::Str(s)) if quoted => {
            out.push('"');
            out.push_str(&s.replace('"', "\\\""));
            out.push('"');
        }
        Some(Value::Int(n)) => push_i64(out, n),
        Some(Value::Float(f)) => {
            let _ = write!(out, "{f}");
        }
        Some(v) => {
            if quoted {
                out.push('"');
            }
            v.write_text(out);
            if quoted {
                out.push('"');
            }
        }
        None => out.push_str(default),
    }
}
