//! `rateLimit`: a token bucket per request source, optionally shared through Redis.

use serde::{Deserialize, Serialize};

use super::forward_auth::ClientTls;
use super::source_criterion::SourceCriterion;
use crate::issue::IssueKind;
use crate::types::Duration;
use crate::validate::{Scope, Validate};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RateLimit {
    /// Requests per `period` (0 = unlimited).
    pub average: i64,
    pub period: Duration,
    pub burst: i64,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub source_criterion: Option<SourceCriterion>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub redis: Option<Redis>,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self {
            average: 0,
            period: Duration::from_secs(1),
            burst: 1,
            source_criterion: None,
            redis: None,
        }
    }
}

/// Distributed rate limiting storage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Redis {
    pub endpoints: Vec<String>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub tls: Option<ClientTls>,
    pub username: String,
    pub password: String,
    pub db: i64,
    pub pool_size: i64,
    pub min_idle_conns: i64,
    pub max_active_conns: i64,
    pub read_timeout: Duration,
    pub write_timeout: Duration,
    pub dial_timeout: Duration,
}

impl Default for Redis {
    fn default() -> Self {
        Self {
            endpoints: vec!["localhost:6379".to_string()],
            tls: None,
            username: String::new(),
            password: String::new(),
            db: 0,
            pool_size: 0,
            min_idle_conns: 0,
            max_active_conns: 0,
            read_timeout: Duration::from_secs(3),
            write_timeout: Duration::from_secs(3),
            dial_timeout: Duration::from_secs(5),
        }
    }
}

impl Validate for RateLimit {
    fn validate(&self, scope: &mut Scope<'_>) {
        scope.check(self.average >= 0, "average", || {
            "average must not be negative".into()
        });
        scope.check(self.burst >= 0, "burst", || {
            "burst must not be negative".into()
        });
        scope.check(!self.period.is_negative(), "period", || {
            "period must not be negative".into()
        });
        if let Some(c) = &self.source_criterion {
            c.validate(&mut scope.at("sourceCriterion"));
        }
        if let Some(r) = &self.redis {
            r.validate(&mut scope.at("redis"));
        }
    }
}

impl Validate for Redis {
    fn validate(&self, scope: &mut Scope<'_>) {
        if self.endpoints.is_empty() {
            scope.error(
                "endpoints",
                IssueKind::Missing,
                "at least one endpoint (host:port) is required",
            );
        }
        for (i, e) in self.endpoints.iter().enumerate() {
            scope.check(!e.trim().is_empty(), &format!("endpoints[{i}]"), || {
                "empty endpoint".into()
            });
        }
        if let Some(tls) = &self.tls {
            tls.validate(&mut scope.at("tls"));
        }
        for (key, n) in [
            ("db", self.db),
            ("poolSize", self.pool_size),
            ("minIdleConns", self.min_idle_conns),
            ("maxActiveConns", self.max_active_conns),
        ] {
            scope.check(n >= 0, key, || format!("{key} must not be negative"));
        }
        for (key, d) in [
            ("readTimeout", self.read_timeout),
            ("writeTimeout", self.write_timeout),
            ("dialTimeout", self.dial_timeout),
        ] {
            scope.check(!d.is_negative(), key, || {
                format!("{key} must not be negative")
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{decode_yaml, validate_issues};

    #[test]
    fn decodes_with_defaults() {
        let r: RateLimit =
            decode_yaml("average: 100\nsourceCriterion:\n  requestHeaderName: X-Key");
        assert_eq!(
            (r.average, r.burst, r.period),
            (100, 1, Duration::from_secs(1))
        );
        assert!(r.redis.is_none());
        assert!(validate_issues(&r).is_empty());
        let r: RateLimit = decode_yaml("average: 5\nperiod: 1m\nburst: 10\nredis: {}");
        let redis = r.redis.as_ref().expect("redis section");
        assert_eq!(redis.endpoints, ["localhost:6379"]);
        assert_eq!(redis.read_timeout, Duration::from_secs(3));
        assert_eq!(redis.dial_timeout, Duration::from_secs(5));
        assert!(validate_issues(&r).is_empty());
    }

    #[test]
    fn reports_problems() {
        let r: RateLimit = decode_yaml(
            "average: -1\nburst: -2\nperiod: -1s\nsourceCriterion:\n  requestHost: true\n  requestHeaderName: X\n\
             redis:\n  endpoints: []\n  poolSize: -1\n  tls:\n    key: k.pem",
        );
        assert_eq!(
            validate_issues(&r),
            [
                "average: average must not be negative",
                "burst: burst must not be negative",
                "period: period must not be negative",
                "sourceCriterion: ipStrategy, requestHeaderName and requestHost are mutually exclusive, found: requestHeaderName, requestHost",
                "redis.endpoints: at least one endpoint (host:port) is required",
                "redis.tls.cert: cert is required when key is set",
                "redis.poolSize: poolSize must not be negative",
            ]
        );
    }
}
