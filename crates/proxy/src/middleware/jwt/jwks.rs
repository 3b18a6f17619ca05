//! `jwksUrl`: the JWK set fetched over HTTP(S), kept in an [`ArcSwap`] that requests read
//! without locking. Fetches never run on the request path: a stale set (past the response's
//! `Cache-Control: max-age`, five minutes without one) is refreshed by a background task while
//! requests keep using it; a token naming an unknown `kid` (or the first token, before any
//! set was fetched) starts a refresh and waits for it ([`Remote::refresh_for_miss`]), at most
//! one fetch per [`MIN_REFRESH`] whatever the `kid`s sent, so made-up `kid`s cannot turn the
//! gateway into a flood against the identity provider. Concurrent waiters share one fetch.
//! A failed fetch keeps the previous keys (and is logged without the URL's query).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use bytes::Bytes;
use http::{HeaderMap, Request, StatusCode, Uri, header};
use http_body_util::{BodyExt, Empty, Limited};
use hyper_util::rt::TokioIo;
use jsonwebtoken::Algorithm;
use rustls::ClientConfig;
use rustls_pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tracing::{Instrument, debug, warn};

use super::keys::{KeySet, jwk_set};

/// At most one fetch per this long, whatever the tokens ask for.
pub(super) const MIN_REFRESH: Duration = Duration::from_secs(5);
/// How long a set is used without a `Cache-Control: max-age`.
const DEFAULT_TTL: Duration = Duration::from_secs(300);
const MAX_TTL: Duration = Duration::from_secs(24 * 3600);
/// A JWK set larger than this is refused.
const MAX_BODY: usize = 1 << 20;

pub(super) struct Remote {
    url: Uri,
    /// The URL as logged: scheme, host, port and path only.
    shown: String,
    tls: Option<Arc<ClientConfig>>,
    timeout: Duration,
    retries: u32,
    allowed: Vec<Algorithm>,
    keys: ArcSwap<KeySet>,
    /// Bumped on every swap of `keys` (verified-token memories of older sets are stale).
    generation: AtomicU64,
    state: Mutex<State>,
    done: watch::Sender<()>,
}

#[derive(Default)]
struct State {
    in_flight: bool,
    last_attempt: Option<Instant>,
    fresh_until: Option<Instant>,
}

// === impl Remote ===

impl Remote {
    pub(super) fn new(
        url: &str,
        tls: Option<Arc<ClientConfig>>,
        timeout: Duration,
        retries: u32,
        allowed: Vec<Algorithm>,
    ) -> Result<Self, String> {
        let url: Uri = url
            .parse()
            .map_err(|_| "jwksUrl is not a valid URL".to_string())?;
        let host = url.host().ok_or("jwksUrl has no host")?;
        let shown = format!(
            "{}://{}{}",
            url.scheme_str().unwrap_or("http"),
            url.port()
                .map_or(host.to_string(), |p| format!("{host}:{p}")),
            url.path()
        );
        Ok(Self {
            url,
            shown,
            tls,
            timeout,
            retries,
            allowed,
            keys: ArcSwap::from_pointee(KeySet::default()),
            generation: AtomicU64::new(0),
            state: Mutex::new(State::default()),
            done: watch::Sender::new(()),
        })
    }

    pub(super) fn keys(&self) -> arc_swap::Guard<Arc<KeySet>> {
        self.keys.load()
    }

    pub(super) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Starts a background refresh when the set is stale (never waits).
    pub(super) fn refresh_if_stale(self: &Arc<Self>) {
        let mut st = self.lock();
        let stale = st.fresh_until.is_some_and(|t| Instant::now() >= t);
        if stale && !st.in_flight && self.may_start(&st) {
            self.start(&mut st);
        }
    }

    /// For a token whose key is not in the set: a receiver that changes when a refresh
    /// (started now, or already running) ends; `None` when one ran less than
    /// [`MIN_REFRESH`] ago.
    pub(super) fn refresh_for_miss(self: &Arc<Self>) -> Option<watch::Receiver<()>> {
        let mut st = self.lock();
        if st.in_flight {
            return Some(self.done.subscribe());
        }
        if !self.may_start(&st) {
            return None;
        }
        let rx = self.done.subscribe();
        self.start(&mut st);
        Some(rx)
    }

    /// How long a waiter may wait for a refresh: every try and its pause.
    pub(super) fn patience(&self) -> Duration {
        (self.timeout + Duration::from_millis(200)) * (self.retries + 1)
    }

    fn may_start(&self, st: &State) -> bool {
        st.last_attempt.is_none_or(|t| t.elapsed() >= MIN_REFRESH)
            && tokio::runtime::Handle::try_current().is_ok()
    }

    fn start(self: &Arc<Self>, st: &mut State) {
        st.in_flight = true;
        st.last_attempt = Some(Instant::now());
        let me = self.clone();
        let span = tracing::info_span!("jwks", url = %self.shown);
        tokio::spawn(async move { me.refresh().await }.instrument(span));
    }

    async fn refresh(&self) {
        let mut outcome = Err(String::new());
        for attempt in 0..=self.retries {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            outcome = match tokio::time::timeout(self.timeout, self.fetch()).await {
                Ok(r) => r,
                Err(_) => Err(format!("no answer within {:?}", self.timeout)),
            };
            if outcome.is_ok() {
                break;
            }
        }
        let fresh_until = match outcome {
            Ok((set, ttl)) => {
                debug!(keys = set.keys.len(), "JWK set fetched");
                self.keys.store(Arc::new(set));
                self.generation.fetch_add(1, Ordering::AcqRel);
                Instant::now() + ttl
            }
            Err(e) => {
                warn!(error = %e, "JWK set fetch failed; the previous keys stay in use");
                Instant::now() + MIN_REFRESH
            }
        };
        {
            let mut st = self.lock();
            st.in_flight = false;
            st.fresh_until = Some(fresh_until);
        }
        self.done.send_replace(());
    }

    /// One GET of the set: its keys and how long to keep them.
    async fn fetch(&self) -> Result<(KeySet, Duration), String> {
        let host = self.url.host().unwrap_or_default().trim_matches(['[', ']']);
        let https = self.url.scheme_str() == Some("https");
        let port = self.url.port_u16().unwrap_or(if https { 443 } else { 80 });
        let tcp = TcpStream::connect((host, port))
            .await
            .map_err(|e| format!("connect: {e}"))?;
        let (status, headers, body) = match &self.tls {
            Some(cfg) if https => {
                let name = ServerName::try_from(host.to_string())
                    .map_err(|_| "jwksUrl host is not a valid server name".to_string())?;
                let tls = tokio_rustls::TlsConnector::from(cfg.clone())
                    .connect(name, tcp)
                    .await
                    .map_err(|e| format!("TLS: {e}"))?;
                self.exchange(tls).await?
            }
            _ => self.exchange(tcp).await?,
        };
        if status != StatusCode::OK {
            return Err(format!("answered {status}"));
        }
        let set = jwk_set(&body, &self.allowed)?;
        Ok((set, ttl(&headers)))
    }

    async fn exchange<S>(&self, io: S) -> Result<(StatusCode, HeaderMap, Bytes), String>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
            .await
            .map_err(|e| format!("HTTP: {e}"))?;
        tokio::spawn(conn.in_current_span());
        let pq = self.url.path_and_query().map_or("/", |p| p.as_str());
        let req = Request::get(pq)
            .header(
                header::HOST,
                self.url.authority().map_or("", |a| a.as_str()),
            )
            .header(header::ACCEPT, "application/json")
            .header(header::USER_AGENT, "waygate")
            .body(Empty::<Bytes>::new())
            .map_err(|e| format!("request: {e}"))?;
        let resp = send
            .send_request(req)
            .await
            .map_err(|e| format!("HTTP: {e}"))?;
        let (parts, body) = resp.into_parts();
        let body = Limited::new(body, MAX_BODY)
            .collect()
            .await
            .map_err(|e| format!("body: {e}"))?
            .to_bytes();
        Ok((parts.status, parts.headers, body))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// How long a fetched set is used: `max-age` (bounded), [`MIN_REFRESH`] for `no-store` or
/// `no-cache`, [`DEFAULT_TTL`] otherwise.
fn ttl(headers: &HeaderMap) -> Duration {
    let mut ttl = DEFAULT_TTL;
    for v in headers.get_all(header::CACHE_CONTROL) {
        for d in v.to_str().unwrap_or_default().split(',').map(str::trim) {
            if d.eq_ignore_ascii_case("no-store") || d.eq_ignore_ascii_case("no-cache") {
                return MIN_REFRESH;
            }
            if let Some((k, secs)) = d.split_once('=')
                && k.trim().eq_ignore_ascii_case("max-age")
                && let Ok(secs) = secs.trim().parse::<u64>()
            {
                ttl = Duration::from_secs(secs);
            }
        }
    }
    ttl.clamp(MIN_REFRESH, MAX_TTL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control_sets_the_lifetime() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(header::CACHE_CONTROL, v.parse().expect("value"));
            ttl(&m)
        };
        assert_eq!(ttl(&HeaderMap::new()), DEFAULT_TTL);
        assert_eq!(h("public, max-age=600"), Duration::from_secs(600));
        assert_eq!(h("max-age=0"), MIN_REFRESH);
        assert_eq!(h("max-age=99999999"), MAX_TTL);
        assert_eq!(h("no-store"), MIN_REFRESH);
    }
}
