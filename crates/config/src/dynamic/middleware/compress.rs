//! `compress`: compress responses with gzip, brotli or zstd (enabled by `compress: {}`).

use serde::{Deserialize, Serialize};

use crate::issue::IssueKind;
use crate::validate::{Scope, Validate};

/// Encodings Traefik can produce.
const SUPPORTED: &[&str] = &["gzip", "br", "zstd"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Compress {
    /// `application/grpc` is always excluded as well.
    pub excluded_content_types: Vec<String>,
    /// Mutually exclusive with `excludedContentTypes`.
    pub included_content_types: Vec<String>,
    pub min_response_body_bytes: i64,
    /// Server preference order.
    pub encodings: Vec<String>,
    /// Used when the client sends no `Accept-Encoding` or `*`.
    pub default_encoding: String,
}

impl Default for Compress {
    fn default() -> Self {
        Self {
            excluded_content_types: Vec::new(),
            included_content_types: Vec::new(),
            min_response_body_bytes: 1024,
            encodings: SUPPORTED.iter().map(|s| (*s).to_string()).collect(),
            default_encoding: String::new(),
        }
    }
}

fn check_media_types(scope: &mut Scope<'_>, key: &str, list: &[String]) {
    for (i, t) in list.iter().enumerate() {
        let essence = t.split(';').next().unwrap_or_default().trim();
        let ok = essence
            .split_once('/')
            .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty() && !b.contains('/'));
        scope.check(ok, &format!("{key}[{i}]"), || {
            format!("`{t}` is not a media type (type/subtype)")
        });
    }
}

impl Validate for Compress {
    fn validate(&self, scope: &mut Scope<'_>) {
        if !self.excluded_content_types.is_empty() && !self.included_content_types.is_empty() {
            scope.error(
                "includedContentTypes",
                IssueKind::Conflict,
                "includedContentTypes and excludedContentTypes are mutually exclusive",
            );
        }
        check_media_types(scope, "excludedContentTypes", &self.excluded_content_types);
        check_media_types(scope, "includedContentTypes", &self.included_content_types);
        if self.min_response_body_bytes < 0 {
            scope.warning(
                "minResponseBodyBytes",
                IssueKind::InvalidValue,
                "negative: the default 1024 is used",
            );
        }
        for (i, e) in self.encodings.iter().enumerate() {
            scope.check(
                SUPPORTED.contains(&e.as_str()),
                &format!("encodings[{i}]"),
                || {
                    format!(
                        "unsupported encoding `{e}`; expected one of {}",
                        SUPPORTED.join(", ")
                    )
                },
            );
        }
        let d = self.default_encoding.as_str();
        if !d.is_empty() && d != "identity" && !self.encodings.iter().any(|e| e == d) {
            scope.error(
                "defaultEncoding",
                IssueKind::InvalidValue,
                format!("defaultEncoding `{d}` is not one of the encodings"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{decode_yaml, validate_issues};

    #[test]
    fn decodes_and_validates() {
        let c: Compress = decode_yaml("{}");
        assert_eq!(c, Compress::default());
        assert_eq!(c.min_response_body_bytes, 1024);
        assert_eq!(c.encodings, ["gzip", "br", "zstd"]);
        assert!(validate_issues(&c).is_empty());
        let c: Compress = decode_yaml(
            "excludedContentTypes: text/event-stream\nencodings: [zstd, gzip]\ndefaultEncoding: gzip",
        );
        assert_eq!(c.encodings, ["zstd", "gzip"]);
        assert!(validate_issues(&c).is_empty());
    }

    #[test]
    fn reports_problems() {
        let c: Compress = decode_yaml(
            "excludedContentTypes: [text/html]\nincludedContentTypes: [json]\nencodings: [gzip, deflate]\ndefaultEncoding: br",
        );
        assert_eq!(
            validate_issues(&c),
            [
                "includedContentTypes: includedContentTypes and excludedContentTypes are mutually exclusive",
                "includedContentTypes[0]: `json` is not a media type (type/subtype)",
                "encodings[1]: unsupported encoding `deflate`; expected one of gzip, br, zstd",
                "defaultEncoding: defaultEncoding `br` is not one of the encodings",
            ]
        );
    }
}
