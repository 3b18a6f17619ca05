//! Errors talking to the Docker engine.

/// Why the engine could not be read. Configuration problems are never errors: they are
/// [`Issue`](waygate_config::Issue)s in the snapshot.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The endpoint is neither `unix://…` nor `tcp://…`/`http://…`.
    #[error(
        "unsupported Docker endpoint `{0}`: use unix:///path/to/docker.sock or tcp://host:port"
    )]
    Endpoint(String),
    /// Connecting to or talking to the engine failed.
    #[error("Docker engine at {endpoint}: {source}")]
    Engine {
        endpoint: String,
        #[source]
        source: bollard::errors::Error,
    },
}
