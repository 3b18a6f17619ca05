//! What the provider needs to know about one container, independent of the Engine API types.

use std::collections::BTreeMap;

/// One container as seen by [`build`](crate::build): filled from `ContainerInspect` by the
/// engine shell, or written by hand in tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerInfo {
    /// The full container id.
    pub id: String,
    /// The container name without the leading `/`.
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub state_running: bool,
    /// `healthy`, `starting` or `unhealthy`; `None` when the container has no health check.
    pub health: Option<String>,
    /// Network name → the container's IP address on it.
    pub networks: BTreeMap<String, String>,
    /// Exposed and published container ports (any protocol), in any order.
    pub ports: Vec<u16>,
    /// `HostConfig.NetworkMode`: `default`, `bridge`, `host`, `container:<id>`, a network name.
    pub network_mode: String,
    /// Published ports as `(container port, host IP, host port)`.
    pub bindings: Vec<(u16, String, u16)>,
}

// === impl ContainerInfo ===

impl ContainerInfo {
    /// A provider-specific label (`traefik.<key>` or `waygate.<key>`, prefix and key
    /// case-insensitive), e.g. `enable` or `docker.network`.
    pub(crate) fn label(&self, key: &str) -> Option<&str> {
        self.labels.iter().find_map(|(k, v)| {
            let (prefix, rest) = k.split_once('.')?;
            let ours = ["traefik", "waygate"]
                .iter()
                .any(|p| p.eq_ignore_ascii_case(prefix));
            (ours && rest.eq_ignore_ascii_case(key)).then_some(v.as_str())
        })
    }

    /// A boolean provider label: `Some(true|false)` when set to a boolean, `None` when absent
    /// or not a boolean.
    pub(crate) fn bool_label(&self, key: &str) -> Option<bool> {
        match self.label(key)?.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "t" => Some(true),
            "false" | "0" | "f" => Some(false),
            _ => None,
        }
    }

    /// The name defaults are derived from (§6.2 step 3, before `normalize`):
    /// `<compose service>_<compose project>` when both compose labels exist, else the name.
    pub(crate) fn raw_service_name(&self) -> String {
        let service = self.labels.get("com.docker.compose.service");
        let project = self.labels.get("com.docker.compose.project");
        match (service, project) {
            (Some(s), Some(p)) => format!("{s}_{p}"),
            _ => self.name.clone(),
        }
    }

    /// The lowest exposed port, if any.
    pub(crate) fn lowest_port(&self) -> Option<u16> {
        self.ports.iter().copied().min()
    }
}
