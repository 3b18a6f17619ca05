//! [`DockerProvider`]: one full snapshot per read of the engine, re-read on container events
//! (reference §6.3).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bollard::Docker as Client;
use bollard::models::EventMessage;
use bollard::query_parameters::EventsOptions;
use futures_util::{Stream, StreamExt};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep, sleep_until};
use tracing::Instrument;
use waygate_config::static_config::Docker;
use waygate_config::{Issue, IssueKind};
use waygate_provider::Snapshot;

use crate::engine;
use crate::error::Error;

/// The provider name used as `@docker`.
pub const PROVIDER: &str = "docker";

/// Events arriving within this window after a relevant one are folded into one re-read.
const DEBOUNCE: Duration = Duration::from_millis(50);
const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(10);
/// A connection that lived this long resets the backoff.
const HEALTHY_CONNECTION: Duration = Duration::from_secs(30);

/// Reads `providers.docker` from the engine.
#[derive(Debug, Clone)]
pub struct DockerProvider {
    cfg: Docker,
}

// === impl DockerProvider ===

impl DockerProvider {
    pub fn new(cfg: &Docker) -> Self {
        Self { cfg: cfg.clone() }
    }

    /// Lists and inspects every container once and builds the complete snapshot.
    pub async fn load(&self) -> Result<Snapshot, Error> {
        let client = self.connect().await?;
        self.read(&client).await
    }

    /// Sends the initial snapshot, then (with `watch`) a new full snapshot after every
    /// relevant container event. Engine failures are logged and retried with exponential
    /// backoff (100 ms → 10 s); the last snapshot sent stays in force meanwhile. Returns when
    /// `tx` is closed (or, without `watch`, after the first snapshot was sent).
    pub async fn run(self, tx: mpsc::Sender<Snapshot>) {
        let span = tracing::info_span!("provider", provider = PROVIDER);
        self.run_inner(tx).instrument(span).await;
    }

    async fn run_inner(self, tx: mpsc::Sender<Snapshot>) {
        let mut backoff = BACKOFF_MIN;
        loop {
            let started = Instant::now();
            match self.session(&tx).await {
                Ok(()) => return,
                Err(why) => {
                    if started.elapsed() >= HEALTHY_CONNECTION {
                        backoff = BACKOFF_MIN;
                    }
                    tracing::warn!(endpoint = %self.cfg.endpoint, retry_in = ?backoff, "{why}");
                }
            }
            tokio::select! {
                () = sleep(backoff) => {}
                () = tx.closed() => return,
            }
            backoff = (backoff * 2).min(BACKOFF_MAX);
        }
    }

    /// One connection: snapshot, then follow events until the stream fails. `Ok` means
    /// "stop for good" (receiver gone, or `watch` off).
    async fn session(&self, tx: &mpsc::Sender<Snapshot>) -> Result<(), String> {
        let client = self.connect().await.map_err(|e| e.to_string())?;
        // Events since before the read are replayed, so none between the two is missed.
        let since = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let snapshot = self.read(&client).await.map_err(|e| e.to_string())?;
        if tx.send(snapshot).await.is_err() || !self.cfg.watch {
            return Ok(());
        }
        let options = EventsOptions {
            since: Some(since.to_string()),
            filters: Some([("type".to_string(), vec!["container".to_string()])].into()),
            ..EventsOptions::default()
        };
        let mut events = Box::pin(client.events(Some(options)));
        loop {
            let event = tokio::select! {
                e = events.next() => e,
                () = tx.closed() => return Ok(()),
            };
            match event {
                Some(Ok(e)) if relevant(&e) => {
                    tracing::debug!(
                        action = e.action.as_deref().unwrap_or(""),
                        "container event"
                    );
                    let broken = debounce(&mut events).await;
                    let snapshot = self.read(&client).await.map_err(|e| e.to_string())?;
                    if tx.send(snapshot).await.is_err() {
                        return Ok(());
                    }
                    if let Some(why) = broken {
                        return Err(why);
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(format!("Docker event stream failed: {e}")),
                None => return Err("Docker event stream ended".to_string()),
            }
        }
    }

    async fn connect(&self) -> Result<Client, Error> {
        // Whole seconds for the client, rounded up (0: no specific timeout).
        let timeout = self
            .cfg
            .http_client_timeout
            .to_std()
            .map_or(0, |d| d.as_secs() + u64::from(d.subsec_nanos() > 0));
        engine::connect(&self.cfg.endpoint, timeout).await
    }

    async fn read(&self, client: &Client) -> Result<Snapshot, Error> {
        let containers = engine::containers(client, &self.cfg.endpoint).await?;
        let own = engine::own_networks(&containers);
        let (config, mut issues) = crate::build(&containers, &self.cfg, &own);
        issues.extend(self.option_issues());
        log_read(containers.len(), &config, &issues);
        Ok(Snapshot::new(PROVIDER, config, issues))
    }

    /// Options Traefik accepts that Waygate does not implement yet.
    fn option_issues(&self) -> Vec<Issue> {
        let mut out = Vec::new();
        let unsupported = |key: &str, msg: &str| {
            Issue::warning(IssueKind::Unsupported, key, msg).with_provider(PROVIDER)
        };
        if self.cfg.tls.is_some() {
            out.push(unsupported(
                "providers.docker.tls",
                "TLS towards the Docker engine is not supported yet; the endpoint is used without TLS",
            ));
        }
        if !self.cfg.username.is_empty() || !self.cfg.password.is_empty() {
            out.push(unsupported(
                "providers.docker.username",
                "basic authentication towards the Docker endpoint is not supported yet",
            ));
        }
        out
    }
}

/// The issues of one read, for `waygate check --providers.docker`.
pub async fn diagnose(cfg: &Docker) -> Result<Vec<Issue>, Error> {
    DockerProvider::new(cfg).load().await.map(|s| s.issues)
}

/// Actions that can change the configuration (§6.3, plus stop/destroy/pause for safety).
fn relevant(e: &EventMessage) -> bool {
    let action = e.action.as_deref().unwrap_or("");
    matches!(
        action,
        "start" | "restart" | "die" | "stop" | "kill" | "destroy" | "pause" | "unpause" | "rename"
    ) || action.starts_with("health_status")
}

/// Swallows the events of the next [`DEBOUNCE`] window; returns why the stream broke, if it
/// did.
async fn debounce<S>(events: &mut S) -> Option<String>
where
    S: Stream<Item = Result<EventMessage, bollard::errors::Error>> + Unpin,
{
    let deadline = Instant::now() + DEBOUNCE;
    loop {
        tokio::select! {
            () = sleep_until(deadline) => return None,
            e = events.next() => match e {
                Some(Ok(_)) => {}
                Some(Err(e)) => return Some(format!("Docker event stream failed: {e}")),
                None => return Some("Docker event stream ended".to_string()),
            },
        }
    }
}

fn log_read(containers: usize, config: &waygate_config::dynamic::DynamicConfig, issues: &[Issue]) {
    for issue in issues {
        if issue.is_error() {
            tracing::error!(provider = PROVIDER, "{issue}");
        } else {
            tracing::warn!(provider = PROVIDER, "{issue}");
        }
    }
    let (routers, services, middlewares) = config.counts();
    tracing::info!(
        provider = PROVIDER,
        containers,
        routers,
        services,
        middlewares,
        "docker provider configuration read"
    );
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::sync::mpsc;
    use waygate_config::static_config::{ClientTls, Docker};

    use super::DockerProvider;

    fn at(endpoint: &str) -> Docker {
        Docker {
            endpoint: endpoint.to_string(),
            ..Docker::default()
        }
    }

    #[tokio::test]
    async fn retries_until_the_receiver_is_gone() {
        let (tx, rx) = mpsc::channel(1);
        let provider = DockerProvider::new(&at("unix:///nonexistent/docker.sock"));
        let task = tokio::spawn(provider.run(tx));
        tokio::time::sleep(Duration::from_millis(350)).await;
        assert!(!task.is_finished(), "keeps retrying with backoff");
        drop(rx);
        tokio::time::timeout(Duration::from_secs(2), task)
            .await
            .expect("returns once the receiver is gone")
            .expect("task");
    }

    #[tokio::test]
    async fn unsupported_endpoint_scheme() {
        let e = DockerProvider::new(&at("ssh://host"))
            .load()
            .await
            .expect_err("ssh is not supported");
        assert!(e.to_string().contains("tcp://host:port"), "{e}");
    }

    #[test]
    fn tls_option_is_reported_unsupported() {
        let cfg = Docker {
            tls: Some(ClientTls::default()),
            ..Docker::default()
        };
        let issues = DockerProvider::new(&cfg).option_issues();
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].key_path, "providers.docker.tls");
        assert!(!issues[0].is_error());
    }
}
