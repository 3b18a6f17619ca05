//! Building middleware chains from configuration, each middleware once per table (chains
//! flattened, cycles refused), the counterpart of [`ServiceBuilder`] for middlewares.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use waygate_config::dynamic::DynamicConfig;

use super::services::ServiceBuilder;
use crate::middleware::{Built, Mw, build};

pub(super) struct MiddlewareBuilder<'a> {
    pub(super) dynamic: &'a DynamicConfig,
    pub(super) disabled: &'a HashSet<(String, String)>,
    pub(super) built: HashMap<String, Result<Vec<Arc<Mw>>, String>>,
}

impl MiddlewareBuilder<'_> {
    /// The flattened chain for middleware `name`; `stack` detects chain cycles.
    /// `services` builds `errors.service`.
    pub(super) fn get(
        &mut self,
        name: &str,
        stack: &mut Vec<String>,
        services: &mut ServiceBuilder<'_>,
    ) -> Result<Vec<Arc<Mw>>, String> {
        if let Some(done) = self.built.get(name) {
            return done.clone();
        }
        if stack.iter().any(|s| s == name) {
            return Err(format!("middleware `{name}` is part of a chain cycle"));
        }
        stack.push(name.to_string());
        let result = self.build(name, stack, services);
        stack.pop();
        self.built.insert(name.to_string(), result.clone());
        result
    }

    fn build(
        &mut self,
        name: &str,
        stack: &mut Vec<String>,
        services: &mut ServiceBuilder<'_>,
    ) -> Result<Vec<Arc<Mw>>, String> {
        if self
            .disabled
            .contains(&("middleware".to_string(), name.to_string()))
        {
            return Err(format!(
                "middleware `{name}` is disabled by a configuration error"
            ));
        }
        let cfg = self
            .dynamic
            .http
            .as_ref()
            .and_then(|h| h.middlewares.get(name))
            .ok_or_else(|| format!("middleware `{name}` does not exist"))?;
        let mut service = |s: &str| services.get(s);
        match build(name, cfg, &mut service).map_err(|e| format!("middleware `{name}`: {e}"))? {
            Built::One(mw) => Ok(vec![Arc::new(mw)]),
            Built::Chain(members) => {
                let provider = name.rsplit_once('@').map(|(_, p)| p);
                let mut out = Vec::new();
                for m in members {
                    let qualified = match (m.contains('@'), provider) {
                        (false, Some(p)) => format!("{m}@{p}"),
                        _ => m.clone(),
                    };
                    out.extend(self.get(&qualified, stack, services)?);
                }
                Ok(out)
            }
        }
    }
}
