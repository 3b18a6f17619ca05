//! A scripted HTTP/1.1 server for the `forwardAuth` tests: it records every request whole
//! (method, target, headers, body) and answers with what its script makes of it. Used as the
//! auth server and as the backend (whoami cannot set cookies or echo bodies).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

/// One request as the server received it.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub(crate) method: String,
    pub(crate) target: String,
    pub(crate) headers: http::HeaderMap,
    pub(crate) body: Bytes,
}

pub(crate) type Reply = http::Response<Full<Bytes>>;

/// A running scripted server; stops when dropped.
pub(crate) struct Scripted {
    pub(crate) addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    connections: Arc<std::sync::atomic::AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Scripted {
    pub(crate) async fn start(script: fn(&Seen) -> Reply) -> Scripted {
        Self::start_with(script, None).await
    }

    /// Like [`Scripted::start`], speaking TLS with `tls`.
    pub(crate) async fn start_with(
        script: fn(&Seen) -> Reply,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> Scripted {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let connections = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let accepted = connections.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                accepted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let log = log.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                        let log = log.clone();
                        async move {
                            let (parts, body) = req.into_parts();
                            let body = body.collect().await.map(|b| b.to_bytes());
                            let seen = Seen {
                                method: parts.method.to_string(),
                                target: parts.uri.to_string(),
                                headers: parts.headers,
                                body: body.unwrap_or_default(),
                            };
                            let reply = script(&seen);
                            log.lock().expect("log").push(seen);
                            Ok::<_, Infallible>(reply)
                        }
                    });
                    let http = http1::Builder::new();
                    match tls {
                        None => {
                            let _ = http.serve_connection(TokioIo::new(stream), svc).await;
                        }
                        Some(cfg) => {
                            let acceptor = tokio_rustls::TlsAcceptor::from(cfg);
                            if let Ok(stream) = acceptor.accept(stream).await {
                                let _ = http.serve_connection(TokioIo::new(stream), svc).await;
                            }
                        }
                    }
                });
            }
        });
        Scripted {
            addr,
            seen,
            connections,
            task,
        }
    }

    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub(crate) fn port(&self) -> u16 {
        self.addr.port()
    }

    /// How many requests it received.
    pub(crate) fn count(&self) -> usize {
        self.seen.lock().expect("log").len()
    }

    /// How many connections it accepted.
    pub(crate) fn connections(&self) -> usize {
        self.connections.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The last request it received.
    pub(crate) fn last(&self) -> Seen {
        self.seen
            .lock()
            .expect("log")
            .last()
            .cloned()
            .expect("a request was received")
    }
}

impl Drop for Scripted {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A response with `status`, `headers` and `body`.
pub(crate) fn reply(status: u16, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut r = http::Response::builder().status(status);
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    r.body(Full::new(Bytes::from(body.to_string())))
        .expect("reply")
}

/// The values of `name` in `h`, as strings.
pub(crate) fn values(h: &http::HeaderMap, name: &str) -> Vec<String> {
    h.get_all(name)
        .iter()
        .map(|v| v.to_str().expect("ascii").to_string())
        .collect()
}
