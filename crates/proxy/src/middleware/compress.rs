//! `compress`: gzip, brotli or zstd responses, with Traefik's semantics (`compress.go`).
//!
//! The request picks the handler ([`negotiate`]): `HEAD`, a request whose `Content-Type` is
//! excluded (`application/grpc` always), identity or nothing acceptable pass untouched;
//! otherwise the chosen encoding's handler serves the response: it adds
//! `Vary: Accept-Encoding` and reads ahead at most `minResponseBodyBytes` to decide
//! ([`decide`]), then streams the rest through the encoder (`encoded`). As in Traefik, gzip
//! follows klauspost's `gzhttp` rules and brotli/zstd Traefik's own handler: they differ on
//! `Content-Range`, `Accept-Ranges`, content-type sniffing and unparsable types (see
//! [`decide`]).

mod decide;
mod encoded;
mod encoder;
mod media;
mod negotiate;

use http::Method;
use http::header::CONTENT_TYPE;
use waygate_config::dynamic::middleware::Compress as Config;

use self::encoder::Coding;
use self::media::{MediaError, MediaType};
use self::negotiate::Choice;
use super::{Flow, Next};
use crate::{Request, Response};

/// The type `gzhttp` sniffed on an untyped response it compressed. Traefik keeps it off the
/// wire, except when a `contentType` middleware runs before `compress`: that one then sets it
/// (instead of sniffing the compressed bytes), as `gzhttp` would.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SniffedType(pub(crate) &'static str);

/// Traefik's (and `gzhttp`'s) default `minResponseBodyBytes`.
const DEFAULT_MIN_SIZE: usize = 1024;

#[derive(Debug)]
pub struct Compress {
    /// Server preference order.
    encodings: Vec<Coding>,
    default: Option<Coding>,
    min_size: usize,
    /// `application/grpc`, then `excludedContentTypes`.
    excludes: Vec<MediaType>,
    includes: Vec<MediaType>,
}

// === impl Compress ===

impl Compress {
    /// Compiles the configuration; the errors are Traefik's.
    pub fn new(cfg: &Config) -> Result<Self, String> {
        if !cfg.excluded_content_types.is_empty() && !cfg.included_content_types.is_empty() {
            return Err(
                "excludedContentTypes and includedContentTypes options are mutually exclusive"
                    .into(),
            );
        }
        let parse_all = |list: &[String], what: &str| {
            list.iter()
                .map(|t| media::parse(t).map_err(|_| format!("parsing {what} media type: `{t}`")))
                .collect::<Result<Vec<_>, _>>()
        };
        let mut excludes = parse_all(&["application/grpc".to_string()], "excluded")?;
        excludes.extend(parse_all(&cfg.excluded_content_types, "excluded")?);
        let includes = parse_all(&cfg.included_content_types, "included")?;
        if cfg.encodings.is_empty() {
            return Err("at least one encoding must be specified".into());
        }
        let encodings = cfg
            .encodings
            .iter()
            .map(|e| Coding::from_name(e).ok_or_else(|| format!("unsupported encoding: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        let default = match cfg.default_encoding.as_str() {
            "" => None,
            d => Some(
                Coding::from_name(d)
                    .filter(|c| encodings.contains(c))
                    .ok_or_else(|| format!("unsupported default encoding: {d}"))?,
            ),
        };
        let min_size = usize::try_from(cfg.min_response_body_bytes)
            .ok()
            .filter(|n| *n > 0)
            .unwrap_or(DEFAULT_MIN_SIZE);
        Ok(Compress {
            encodings,
            default,
            min_size,
            excludes,
            includes,
        })
    }

    /// Wraps the rest of the chain when a handler would serve the request.
    pub(crate) fn request(&self, req: &Request) -> Flow {
        match self.choose(req) {
            Choice::Pass => Flow::Next,
            Choice::Encode(_) => Flow::Wrap,
        }
    }

    /// Serves `req` through `next` and compresses the response if it qualifies.
    pub(crate) async fn wrap(&self, req: Request, next: &mut Next<'_>) -> Response {
        let coding = match self.choose(&req) {
            Choice::Pass => return next.run(req).await,
            Choice::Encode(c) => c,
        };
        // `gzhttp` reads `Accept-Encoding` again (its first line only).
        let accepted = coding != Coding::Gzip || negotiate::gzip_accepted(req.headers());
        let resp = next.run(req).await;
        decide::respond(self, coding, accepted, resp).await
    }

    fn choose(&self, req: &Request) -> Choice {
        if req.method() == Method::HEAD || self.excluded_request(req) {
            return Choice::Pass;
        }
        negotiate::choose(&self.encodings, self.default, req.headers())
    }

    /// Traefik skips requests whose media type is excluded (parameters ignored; a media
    /// type with a bad parameter still counts, as Go returns it with the error).
    fn excluded_request(&self, req: &Request) -> bool {
        let Some(ct) = req.headers().get(CONTENT_TYPE) else {
            return false;
        };
        let essence = match media::parse(&String::from_utf8_lossy(ct.as_bytes())) {
            Ok(m) => m.essence,
            Err(MediaError::Param(essence)) => essence,
            Err(_) => return false,
        };
        self.excludes.iter().any(|x| x.essence == essence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(yaml_like: impl FnOnce(&mut Config)) -> Result<Compress, String> {
        let mut c = Config::default();
        yaml_like(&mut c);
        Compress::new(&c)
    }

    #[test]
    fn compiles_with_traefik_defaults_and_errors() {
        let c = cfg(|_| {}).expect("default");
        assert_eq!(c.encodings, [Coding::Gzip, Coding::Br, Coding::Zstd]);
        assert_eq!(c.min_size, 1024);
        assert_eq!(c.excludes.len(), 1, "application/grpc");
        assert_eq!(
            cfg(|c| c.min_response_body_bytes = 0)
                .expect("zero")
                .min_size,
            1024
        );
        assert_eq!(
            cfg(|c| c.min_response_body_bytes = 10)
                .expect("ten")
                .min_size,
            10
        );
        let both = cfg(|c| {
            c.excluded_content_types = vec!["text/html".into()];
            c.included_content_types = vec!["text/plain".into()];
        });
        assert!(both.expect_err("exclusive").contains("mutually exclusive"));
        assert!(cfg(|c| c.encodings.clear()).is_err());
        assert_eq!(
            cfg(|c| c.encodings = vec!["deflate".into()]).expect_err("deflate"),
            "unsupported encoding: deflate"
        );
        let identity = cfg(|c| c.default_encoding = "identity".into());
        assert_eq!(
            identity.expect_err("identity"),
            "unsupported default encoding: identity"
        );
        let not_listed = cfg(|c| {
            c.encodings = vec!["gzip".into()];
            c.default_encoding = "br".into();
        });
        assert!(not_listed.is_err());
        assert!(cfg(|c| c.excluded_content_types = vec!["text/".into()]).is_err());
    }

    #[test]
    fn head_and_excluded_requests_pass() {
        let c =
            cfg(|c| c.excluded_content_types = vec!["text/event-stream".into()]).expect("config");
        let mut req = crate::middleware::test_request("/");
        req.headers_mut()
            .insert("accept-encoding", "gzip".parse().expect("value"));
        assert_eq!(c.choose(&req), Choice::Encode(Coding::Gzip));
        for ct in [
            "application/grpc",
            "Text/Event-Stream; charset=x",
            "application/grpc; x",
        ] {
            req.headers_mut()
                .insert(CONTENT_TYPE, ct.parse().expect("value"));
            assert_eq!(c.choose(&req), Choice::Pass, "{ct}");
        }
        req.headers_mut().insert(
            CONTENT_TYPE,
            "application/grpc+proto".parse().expect("value"),
        );
        assert_eq!(c.choose(&req), Choice::Encode(Coding::Gzip));
        req.headers_mut().remove(CONTENT_TYPE);
        *req.method_mut() = Method::HEAD;
        assert_eq!(c.choose(&req), Choice::Pass);
    }
}
