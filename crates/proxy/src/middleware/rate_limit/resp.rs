//! A small Redis client for the one thing `rateLimit.redis` does: run a script
//! (`EVALSHA`, falling back to `EVAL` once the server answers `NOSCRIPT`) over RESP2, on
//! pooled connections (plain TCP or TLS), with go-redis's options: `username`/`password`
//! (`AUTH`), `db` (`SELECT`), `poolSize`, `maxActiveConns`, `dialTimeout`, `readTimeout`,
//! `writeTimeout`. Several endpoints are a seed list, as go-redis's universal client takes
//! them for a cluster: the first that answers is used and `MOVED`/`ASK` redirects are
//! followed.
//!
//! Why not the `redis` crate: it and its parser (`combine`) cost ~20 s of a cold build on two
//! cores (`/work/shared/reference/crates.md`), for one command; this file uses tokio and
//! rustls, which the gateway already has.
//!
//! The password is kept in a [`Secret`], whose `Debug` prints nothing of it.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rustls::ClientConfig;
use rustls_pki_types::ServerName;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio::time::timeout;
use tokio_rustls::TlsConnector;

/// Longest reply line or bulk string accepted (the script answers three short strings).
const MAX_REPLY: usize = 64 * 1024;
/// Redirects followed for one command.
const MAX_REDIRECTS: usize = 3;

/// Connection settings, as go-redis's options.
#[derive(Debug, Clone, Default)]
pub(crate) struct Options {
    pub(crate) endpoints: Vec<String>,
    pub(crate) username: String,
    pub(crate) password: Secret,
    pub(crate) db: i64,
    /// Idle connections kept.
    pub(crate) pool_size: usize,
    /// 0: no limit.
    pub(crate) max_active_conns: usize,
    pub(crate) dial_timeout: Option<Duration>,
    pub(crate) read_timeout: Option<Duration>,
    pub(crate) write_timeout: Option<Duration>,
    pub(crate) tls: Option<Arc<ClientConfig>>,
}

/// A string that is never printed.
#[derive(Clone, Default)]
pub(crate) struct Secret(pub(crate) String);

/// A RESP2 reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reply {
    Status(String),
    Error(String),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Array(Option<Vec<Reply>>),
}

/// Why a command failed (never the password).
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0} timed out")]
    Timeout(&'static str),
    #[error("redis: {0}")]
    Server(String),
    #[error("protocol error: {0}")]
    Protocol(&'static str),
}

/// A pool of connections to the endpoints.
pub(crate) struct Client {
    options: Options,
    idle: Mutex<Vec<Conn>>,
    /// `maxActiveConns`, when set.
    active: Option<Arc<Semaphore>>,
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send + Sync {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + Sync> Stream for T {}

struct Conn {
    addr: String,
    io: BufReader<Box<dyn Stream>>,
}

// === impl Secret ===

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { "\"***\"" })
    }
}

// === impl Client ===

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Client {
    pub(crate) fn new(options: Options) -> Self {
        let active = (options.max_active_conns > 0)
            .then(|| Arc::new(Semaphore::new(options.max_active_conns)));
        Self {
            options,
            idle: Mutex::new(Vec::new()),
            active,
        }
    }

    /// Runs `script` (whose SHA-1 is `sha`) with `keys` and `args`: `EVALSHA`, then `EVAL`
    /// when the server does not know the script yet.
    pub(crate) async fn eval(
        &self,
        script: &str,
        sha: &str,
        keys: &[&[u8]],
        args: &[&[u8]],
    ) -> Result<Reply, Error> {
        let _permit = match &self.active {
            Some(s) => Some(
                s.acquire()
                    .await
                    .map_err(|_| Error::Protocol("pool closed"))?,
            ),
            None => None,
        };
        let mut cmd = encode(b"EVALSHA", sha.as_bytes(), keys, args);
        let mut target: Option<String> = None;
        for _ in 0..=MAX_REDIRECTS {
            let reply = self.run(target.as_deref(), &cmd).await?;
            let Reply::Error(e) = &reply else {
                return Ok(reply);
            };
            if e.starts_with("NOSCRIPT") {
                cmd = encode(b"EVAL", script.as_bytes(), keys, args);
            } else if let Some(to) = redirect(e) {
                target = Some(to.to_string());
            } else {
                return Err(Error::Server(e.clone()));
            }
        }
        Err(Error::Protocol("too many redirects"))
    }

    /// Sends `cmd` on a pooled connection (to `to`, or any endpoint) and reads one reply. A
    /// pooled connection the server closed meanwhile is replaced once.
    async fn run(&self, to: Option<&str>, cmd: &[u8]) -> Result<Reply, Error> {
        if let Some(mut conn) = self.checkout(to) {
            match self.exchange(&mut conn, cmd).await {
                Ok(reply) => {
                    self.checkin(conn);
                    return Ok(reply);
                }
                // Closed meanwhile (EOF, reset): try a new connection. A timeout is not
                // retried: the script may have run.
                Err(Error::Io(_)) => {}
                Err(e) => return Err(e),
            }
        }
        let mut conn = match to {
            Some(addr) => self.dial(addr).await?,
            None => self.dial_any().await?,
        };
        let reply = self.exchange(&mut conn, cmd).await?;
        self.checkin(conn);
        Ok(reply)
    }

    async fn exchange(&self, conn: &mut Conn, cmd: &[u8]) -> Result<Reply, Error> {
        with(self.options.write_timeout, "write", async {
            conn.io.get_mut().write_all(cmd).await?;
            conn.io.get_mut().flush().await.map_err(Error::from)
        })
        .await?;
        with(self.options.read_timeout, "read", read_reply(&mut conn.io)).await
    }

    fn checkout(&self, to: Option<&str>) -> Option<Conn> {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        match to {
            None => idle.pop(),
            Some(addr) => {
                let i = idle.iter().rposition(|c| c.addr == addr)?;
                Some(idle.swap_remove(i))
            }
        }
    }

    fn checkin(&self, conn: Conn) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < self.options.pool_size {
            idle.push(conn);
        }
    }

    async fn dial_any(&self) -> Result<Conn, Error> {
        let mut last = Error::Protocol("no endpoint");
        for addr in &self.options.endpoints {
            match self.dial(addr).await {
                Ok(c) => return Ok(c),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// A new connection to `addr`: TCP (and TLS) within `dialTimeout`, then `AUTH` and
    /// `SELECT` as configured.
    async fn dial(&self, addr: &str) -> Result<Conn, Error> {
        let o = &self.options;
        let io: Box<dyn Stream> = with(o.dial_timeout, "dial", async {
            let tcp = TcpStream::connect(addr).await?;
            let _ = tcp.set_nodelay(true);
            let Some(tls) = &o.tls else {
                return Ok(Box::new(tcp) as Box<dyn Stream>);
            };
            let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h);
            let host = host.trim_start_matches('[').trim_end_matches(']');
            let name = ServerName::try_from(host.to_string())
                .map_err(|_| Error::Protocol("endpoint host is not a valid TLS server name"))?;
            let stream = TlsConnector::from(tls.clone()).connect(name, tcp).await?;
            Ok(Box::new(stream) as Box<dyn Stream>)
        })
        .await?;
        let mut conn = Conn {
            addr: addr.to_string(),
            io: BufReader::new(io),
        };
        let mut hello = Vec::new();
        let mut expected = 0;
        if !o.password.0.is_empty() {
            let auth: Vec<&[u8]> = if o.username.is_empty() {
                vec![b"AUTH", o.password.0.as_bytes()]
            } else {
                vec![b"AUTH", o.username.as_bytes(), o.password.0.as_bytes()]
            };
            hello.extend(encode_args(&auth));
            expected += 1;
        }
        if o.db != 0 {
            hello.extend(encode_args(&[b"SELECT", o.db.to_string().as_bytes()]));
            expected += 1;
        }
        if expected > 0 {
            with(o.write_timeout, "write", async {
                conn.io.get_mut().write_all(&hello).await?;
                conn.io.get_mut().flush().await.map_err(Error::from)
            })
            .await?;
            for _ in 0..expected {
                if let Reply::Error(e) =
                    with(o.read_timeout, "read", read_reply(&mut conn.io)).await?
                {
                    return Err(Error::Server(e));
                }
            }
        }
        Ok(conn)
    }
}

/// `MOVED <slot> <addr>` or `ASK <slot> <addr>`: the address to ask instead.
fn redirect(e: &str) -> Option<&str> {
    let mut words = e.split(' ');
    matches!(words.next(), Some("MOVED" | "ASK"))
        .then(|| words.nth(1))
        .flatten()
}

async fn with<T>(
    limit: Option<Duration>,
    what: &'static str,
    fut: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    match limit {
        Some(d) => timeout(d, fut).await.map_err(|_| Error::Timeout(what))?,
        None => fut.await,
    }
}

/// `<verb> <first> <numkeys> keys… args…` as a RESP array of bulk strings.
fn encode(verb: &[u8], first: &[u8], keys: &[&[u8]], args: &[&[u8]]) -> Vec<u8> {
    let numkeys = keys.len().to_string();
    let mut all: Vec<&[u8]> = vec![verb, first, numkeys.as_bytes()];
    all.extend_from_slice(keys);
    all.extend_from_slice(args);
    encode_args(&all)
}

fn encode_args(args: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + args.iter().map(|a| a.len() + 16).sum::<usize>());
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// One RESP2 reply (arrays nest; boxed to recurse).
fn read_reply<'a, R: AsyncBufReadExt + Unpin + Send>(
    r: &'a mut R,
) -> std::pin::Pin<Box<dyn Future<Output = Result<Reply, Error>> + Send + 'a>> {
    Box::pin(async move {
        let line = read_line(r).await?;
        let (tag, rest) = line.split_at(1);
        let int =
            || -> Result<i64, Error> { rest.parse().map_err(|_| Error::Protocol("bad integer")) };
        Ok(match tag {
            "+" => Reply::Status(rest.to_string()),
            "-" => Reply::Error(rest.to_string()),
            ":" => Reply::Int(int()?),
            "$" => match usize::try_from(int()?) {
                Err(_) => Reply::Bulk(None),
                Ok(n) if n > MAX_REPLY => return Err(Error::Protocol("reply too long")),
                Ok(n) => {
                    let mut buf = vec![0; n + 2];
                    r.read_exact(&mut buf).await?;
                    buf.truncate(n);
                    Reply::Bulk(Some(buf))
                }
            },
            "*" => match usize::try_from(int()?) {
                Err(_) => Reply::Array(None),
                Ok(n) if n > MAX_REPLY => return Err(Error::Protocol("reply too long")),
                Ok(n) => {
                    let mut items = Vec::with_capacity(n);
                    for _ in 0..n {
                        items.push(read_reply(r).await?);
                    }
                    Reply::Array(Some(items))
                }
            },
            _ => return Err(Error::Protocol("unknown reply type")),
        })
    })
}

async fn read_line<R: AsyncBufReadExt + Unpin>(r: &mut R) -> Result<String, Error> {
    let mut line = Vec::new();
    let n = (&mut *r)
        .take(MAX_REPLY as u64)
        .read_until(b'\n', &mut line)
        .await?;
    if n == 0 {
        return Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof).into());
    }
    if line.len() < 3 || !line.ends_with(b"\r\n") {
        return Err(Error::Protocol("bad reply line"));
    }
    line.truncate(line.len() - 2);
    String::from_utf8(line).map_err(|_| Error::Protocol("reply line is not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn parses_replies() {
        let mut input: &[u8] =
            b"*3\r\n$4\r\ntrue\r\n$1\r\n0\r\n$-1\r\n+OK\r\n-NOSCRIPT No matching\r\n:42\r\n";
        let mut r = BufReader::new(&mut input);
        assert_eq!(
            read_reply(&mut r).await.expect("array"),
            Reply::Array(Some(vec![
                Reply::Bulk(Some(b"true".to_vec())),
                Reply::Bulk(Some(b"0".to_vec())),
                Reply::Bulk(None),
            ]))
        );
        assert_eq!(
            read_reply(&mut r).await.expect("ok"),
            Reply::Status("OK".into())
        );
        assert_eq!(
            read_reply(&mut r).await.expect("err"),
            Reply::Error("NOSCRIPT No matching".into())
        );
        assert_eq!(read_reply(&mut r).await.expect("int"), Reply::Int(42));
        assert!(read_reply(&mut r).await.is_err(), "end of input");
    }

    #[test]
    fn encodes_commands_and_reads_redirects() {
        assert_eq!(
            encode(b"EVALSHA", b"ab", &[b"k"], &[b"1", b"2"]),
            b"*6\r\n$7\r\nEVALSHA\r\n$2\r\nab\r\n$1\r\n1\r\n$1\r\nk\r\n$1\r\n1\r\n$1\r\n2\r\n"
        );
        assert_eq!(
            redirect("MOVED 3999 127.0.0.1:6381"),
            Some("127.0.0.1:6381")
        );
        assert_eq!(redirect("ASK 3999 10.0.0.1:6379"), Some("10.0.0.1:6379"));
        assert_eq!(redirect("ERR wrong"), None);
    }

    #[test]
    fn the_password_is_never_printed() {
        let o = Options {
            password: Secret("hunter2".into()),
            ..Options::default()
        };
        let printed = format!("{:?}", Client::new(o));
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("***"));
    }
}
