//! The Engine API side: connecting (unix socket or plain-HTTP `tcp://`), listing and
//! inspecting containers, and turning `ContainerInspect` into [`ContainerInfo`].

use std::collections::BTreeMap;

use bollard::Docker as Client;
use bollard::models::{ContainerInspectResponse, HealthStatusEnum};
use bollard::query_parameters::ListContainersOptions;
use futures_util::StreamExt;

use crate::container::ContainerInfo;
use crate::error::Error;

/// The API version we start from; `negotiate_version` lowers it to what the engine speaks.
/// 1.41 (Docker 20.10) is old enough for every engine still in use and has every field
/// the provider reads.
const API_VERSION: &bollard::ClientVersion = &bollard::ClientVersion {
    major_version: 1,
    minor_version: 41,
};

/// How many `ContainerInspect` requests run at once.
const INSPECT_CONCURRENCY: usize = 8;

/// Connects to `endpoint` and negotiates the API version. `timeout` is in seconds (0: the
/// client default of 120 s, as Traefik's `httpClientTimeout: 0` means no specific timeout).
pub(crate) async fn connect(endpoint: &str, timeout: u64) -> Result<Client, Error> {
    let timeout = if timeout == 0 { 120 } else { timeout };
    let engine = |source| Error::Engine {
        endpoint: endpoint.to_string(),
        source,
    };
    let client = if endpoint.starts_with("unix://") {
        Client::connect_with_unix(endpoint, timeout, API_VERSION)
    } else if endpoint.starts_with("tcp://") || endpoint.starts_with("http://") {
        Client::connect_with_http(endpoint, timeout, API_VERSION)
    } else {
        return Err(Error::Endpoint(endpoint.to_string()));
    }
    .map_err(engine)?;
    client.negotiate_version().await.map_err(engine)
}

/// Every container (running or not), inspected.
pub(crate) async fn containers(
    client: &Client,
    endpoint: &str,
) -> Result<Vec<ContainerInfo>, Error> {
    let engine = |source| Error::Engine {
        endpoint: endpoint.to_string(),
        source,
    };
    let options = ListContainersOptions {
        all: true,
        ..ListContainersOptions::default()
    };
    let list = client
        .list_containers(Some(options))
        .await
        .map_err(engine)?;
    let ids = list.into_iter().filter_map(|s| s.id);
    let inspected: Vec<_> = futures_util::stream::iter(ids)
        .map(|id| async move { client.inspect_container(&id, None).await })
        .buffer_unordered(INSPECT_CONCURRENCY)
        .collect()
        .await;
    let mut out = Vec::with_capacity(inspected.len());
    for result in inspected {
        match result {
            Ok(inspect) => out.push(info(inspect)),
            // Removed between the list and the inspect: it is simply gone.
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => {}
            Err(e) => return Err(engine(e)),
        }
    }
    Ok(out)
}

/// The provider's view of one inspected container.
pub(crate) fn info(c: ContainerInspectResponse) -> ContainerInfo {
    let config = c.config.unwrap_or_default();
    let state = c.state.unwrap_or_default();
    let settings = c.network_settings.unwrap_or_default();
    let health = state
        .health
        .and_then(|h| h.status)
        .and_then(|s| match s {
            HealthStatusEnum::STARTING => Some("starting"),
            HealthStatusEnum::HEALTHY => Some("healthy"),
            HealthStatusEnum::UNHEALTHY => Some("unhealthy"),
            HealthStatusEnum::NONE | HealthStatusEnum::EMPTY => None,
        })
        .map(str::to_string);
    let networks = settings
        .networks
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(name, ep)| {
            ep.ip_address
                .filter(|ip| !ip.is_empty())
                .map(|ip| (name, ip))
        })
        .collect();
    let mut ports = Vec::new();
    let mut bindings = Vec::new();
    for (spec, binds) in settings.ports.unwrap_or_default() {
        let Some(port) = port_of(&spec) else { continue };
        ports.push(port);
        for b in binds.unwrap_or_default() {
            let host_port = b.host_port.as_deref().and_then(|p| p.parse().ok());
            if let Some(host_port) = host_port {
                bindings.push((port, b.host_ip.unwrap_or_default(), host_port));
            }
        }
    }
    ports.extend(
        config
            .exposed_ports
            .unwrap_or_default()
            .iter()
            .filter_map(|s| port_of(s)),
    );
    ports.sort_unstable();
    ports.dedup();
    bindings.sort();
    ContainerInfo {
        id: c.id.unwrap_or_default(),
        name: c
            .name
            .unwrap_or_default()
            .trim_start_matches('/')
            .to_string(),
        labels: config
            .labels
            .unwrap_or_default()
            .into_iter()
            .collect::<BTreeMap<_, _>>(),
        state_running: state.running.unwrap_or(false),
        health,
        networks,
        ports,
        network_mode: c
            .host_config
            .and_then(|h| h.network_mode)
            .unwrap_or_default(),
        bindings,
    }
}

/// `80/tcp` → 80.
fn port_of(spec: &str) -> Option<u16> {
    spec.split('/').next()?.parse().ok()
}

/// The networks of our own container, if the gateway runs in one of `containers`.
pub(crate) fn own_networks(containers: &[ContainerInfo]) -> Vec<String> {
    let candidates = crate::own::own_id_candidates();
    containers
        .iter()
        .find(|c| {
            candidates
                .iter()
                .any(|id| !c.id.is_empty() && c.id.starts_with(id.as_str()))
        })
        .map(|c| c.networks.keys().cloned().collect())
        .unwrap_or_default()
}
