//! `grpcWeb`: translate gRPC-Web requests to gRPC.

use serde::{Deserialize, Serialize};

use crate::issue::IssueKind;
use crate::validate::{Scope, Validate};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GrpcWeb {
    /// Allowed CORS origins (`*` allowed).
    pub allow_origins: Vec<String>,
}

impl Validate for GrpcWeb {
    fn validate(&self, scope: &mut Scope<'_>) {
        for (i, o) in self.allow_origins.iter().enumerate() {
            scope.check(!o.trim().is_empty(), &format!("allowOrigins[{i}]"), || {
                "empty origin".to_string()
            });
        }
        if self.allow_origins.is_empty() {
            scope.warning(
                "allowOrigins",
                IssueKind::Missing,
                "no allowOrigins: cross-origin gRPC-Web requests are refused",
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
        let g: GrpcWeb = decode_yaml("allowOrigins: ['*']");
        assert_eq!(g.allow_origins, ["*"]);
        assert!(validate_issues(&g).is_empty());
        assert_eq!(
            validate_issues(&GrpcWeb::default()),
            ["allowOrigins: no allowOrigins: cross-origin gRPC-Web requests are refused"]
        );
    }
}
