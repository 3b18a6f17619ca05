//! The core fields of an access log line, with Traefik's names (`pkg/middlewares/accesslog/
//! logdata.go`). `fields.names` keys them case-insensitively, as Traefik does.

/// One core field. The discriminant indexes [`Field::ALL`] and the keep mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    StartUtc,
    StartLocal,
    Duration,
    RouterName,
    ServiceName,
    ServiceUrl,
    ServiceAddr,
    ClientAddr,
    ClientHost,
    ClientPort,
    ClientUsername,
    RequestAddr,
    RequestHost,
    RequestPort,
    RequestMethod,
    RequestPath,
    RequestProtocol,
    RequestScheme,
    RequestContentSize,
    RequestCount,
    OriginDuration,
    OriginContentSize,
    OriginStatus,
    DownstreamStatus,
    DownstreamContentSize,
    GzipRatio,
    Overhead,
    RetryAttempts,
    TlsVersion,
    TlsCipher,
    TlsClientSubject,
    EntryPointName,
    /// The request's trace and the entry point's span, when the request is traced.
    TraceId,
    SpanId,
    /// The same two under OpenTelemetry's log attribute names (Traefik 3.6.11+).
    OtelTraceId,
    OtelSpanId,
}

// === impl Field ===

impl Field {
    /// Every field.
    pub const ALL: [Field; 36] = [
        Field::StartUtc,
        Field::StartLocal,
        Field::Duration,
        Field::RouterName,
        Field::ServiceName,
        Field::ServiceUrl,
        Field::ServiceAddr,
        Field::ClientAddr,
        Field::ClientHost,
        Field::ClientPort,
        Field::ClientUsername,
        Field::RequestAddr,
        Field::RequestHost,
        Field::RequestPort,
        Field::RequestMethod,
        Field::RequestPath,
        Field::RequestProtocol,
        Field::RequestScheme,
        Field::RequestContentSize,
        Field::RequestCount,
        Field::OriginDuration,
        Field::OriginContentSize,
        Field::OriginStatus,
        Field::DownstreamStatus,
        Field::DownstreamContentSize,
        Field::GzipRatio,
        Field::Overhead,
        Field::RetryAttempts,
        Field::TlsVersion,
        Field::TlsCipher,
        Field::TlsClientSubject,
        Field::EntryPointName,
        Field::TraceId,
        Field::SpanId,
        Field::OtelTraceId,
        Field::OtelSpanId,
    ];

    /// The JSON key (and `fields.names` key).
    pub const fn name(self) -> &'static str {
        match self {
            Field::StartUtc => "StartUTC",
            Field::StartLocal => "StartLocal",
            Field::Duration => "Duration",
            Field::RouterName => "RouterName",
            Field::ServiceName => "ServiceName",
            Field::ServiceUrl => "ServiceURL",
            Field::ServiceAddr => "ServiceAddr",
            Field::ClientAddr => "ClientAddr",
            Field::ClientHost => "ClientHost",
            Field::ClientPort => "ClientPort",
            Field::ClientUsername => "ClientUsername",
            Field::RequestAddr => "RequestAddr",
            Field::RequestHost => "RequestHost",
            Field::RequestPort => "RequestPort",
            Field::RequestMethod => "RequestMethod",
            Field::RequestPath => "RequestPath",
            Field::RequestProtocol => "RequestProtocol",
            Field::RequestScheme => "RequestScheme",
            Field::RequestContentSize => "RequestContentSize",
            Field::RequestCount => "RequestCount",
            Field::OriginDuration => "OriginDuration",
            Field::OriginContentSize => "OriginContentSize",
            Field::OriginStatus => "OriginStatus",
            Field::DownstreamStatus => "DownstreamStatus",
            Field::DownstreamContentSize => "DownstreamContentSize",
            Field::GzipRatio => "GzipRatio",
            Field::Overhead => "Overhead",
            Field::RetryAttempts => "RetryAttempts",
            Field::TlsVersion => "TLSVersion",
            Field::TlsCipher => "TLSCipher",
            Field::TlsClientSubject => "TLSClientSubject",
            Field::EntryPointName => "entryPointName",
            Field::TraceId => "TraceId",
            Field::SpanId => "SpanId",
            Field::OtelTraceId => "trace_id",
            Field::OtelSpanId => "span_id",
        }
    }

    /// The field named `name` (case-insensitive).
    pub fn parse(name: &str) -> Option<Field> {
        Field::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }

    pub(crate) const fn bit(self) -> u64 {
        1 << self as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_case_insensitively() {
        for f in Field::ALL {
            assert_eq!(Field::parse(&f.name().to_ascii_lowercase()), Some(f));
            assert_eq!(Field::ALL[f as usize], f);
        }
        assert_eq!(Field::parse("nope"), None);
    }
}
