//! A private Knot DNS server for tests: `Knot::start()` runs `knotd` on a free 127.0.0.1
//! port (UDP and TCP) in a temporary directory of its own, serving `waygate.test.` (SOA, NS,
//! `*.waygate.test. A 127.0.0.1` and a delegated challenge name,
//! `_acme-challenge.cname CNAME _acme-challenge.delegated`) and accepting RFC 2136 updates signed with its TSIG key
//! (hmac-sha256; [`EXTRA_KEYS`] adds hmac-sha1, lego's default, and hmac-sha512). The server
//! is killed and its directory removed on drop.
//!
//! Self-contained (std only) so any test binary can use it with
//! `#[path = ".../support/knot.rs"] mod knot;`. A missing `knotd` is a test failure, never a
//! silent skip: CI installs the Debian packages `knot knot-dnsutils`.
#![allow(dead_code)]

use std::fs;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

const KNOTD: &str = "/usr/sbin/knotd";
const INSTALL_HINT: &str =
    "install the Debian packages `knot knot-dnsutils` (apt-get install knot knot-dnsutils)";

/// A running `knotd`; see the module doc.
pub(crate) struct Knot {
    /// UDP and TCP address of the server (`127.0.0.1:<port>`).
    pub(crate) addr: SocketAddr,
    /// The zone served, absolute: `waygate.test.`.
    pub(crate) zone: &'static str,
    /// Name of the TSIG key allowed to update the zone, absolute.
    pub(crate) key_name: &'static str,
    /// The key's secret, base64 (as in `RFC2136_TSIG_SECRET`).
    pub(crate) key_secret: &'static str,
    /// The key's algorithm, as lego and Knot name it.
    pub(crate) algorithm: &'static str,
    /// The server's private directory (config, zone file, rundir, storage, log).
    pub(crate) dir: PathBuf,
    child: Child,
}

// === impl Knot ===

impl Knot {
    /// Starts a server and waits until it answers; panics with the reason (and the server's
    /// log) when it cannot.
    pub(crate) fn start() -> Knot {
        let Some(knotd) = knotd() else {
            panic!(
                "knotd not found ({KNOTD} or on PATH): the DNS-01 tests need Knot DNS; {INSTALL_HINT}"
            );
        };
        let mut last = String::new();
        for _ in 0..5 {
            match Self::try_start(&knotd) {
                Ok(knot) => return knot,
                // Another process may take the port between probing and knotd binding it.
                Err(e) => last = e,
            }
        }
        panic!("knotd did not start: {last}");
    }

    /// `127.0.0.1:<port>`, the form `RFC2136_NAMESERVER` and `dnsChallenge.resolvers` take.
    pub(crate) fn nameserver(&self) -> String {
        self.addr.to_string()
    }

    pub(crate) fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `kdig @127.0.0.1 -p PORT +short TXT <name>`: the TXT values (unquoted) as Knot's own
    /// client sees them.
    pub(crate) fn kdig_txt(&self, name: &str) -> Vec<String> {
        let out = Command::new("kdig")
            .args([
                "@127.0.0.1",
                "-p",
                &self.port().to_string(),
                "+short",
                "TXT",
                name,
            ])
            .output()
            .unwrap_or_else(|e| panic!("cannot run kdig ({e}); {INSTALL_HINT}"));
        assert!(
            out.status.success(),
            "kdig failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l.trim().trim_matches('"').to_string())
            .filter(|l| !l.is_empty())
            .collect()
    }

    /// The server's log so far (for assertion messages).
    pub(crate) fn log(&self) -> String {
        fs::read_to_string(self.dir.join("knotd.log")).unwrap_or_default()
    }

    fn try_start(knotd: &Path) -> Result<Knot, String> {
        let port = free_port()?;
        let dir = temp_dir();
        fs::create_dir_all(dir.join("run")).map_err(|e| e.to_string())?;
        fs::create_dir_all(dir.join("storage")).map_err(|e| e.to_string())?;
        fs::write(dir.join("waygate.test.zone"), ZONE).map_err(|e| e.to_string())?;
        fs::write(dir.join("knot.conf"), config(&dir, port)).map_err(|e| e.to_string())?;
        let log = fs::File::create(dir.join("knotd.log")).map_err(|e| e.to_string())?;
        let err = log.try_clone().map_err(|e| e.to_string())?;
        let child = Command::new(knotd)
            .arg("-c")
            .arg(dir.join("knot.conf"))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}; {INSTALL_HINT}", knotd.display()))?;
        let mut knot = Knot {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            zone: "waygate.test.",
            key_name: "waygate-key.",
            key_secret: SECRET,
            algorithm: "hmac-sha256",
            dir,
            child,
        };
        knot.wait_ready()?;
        Ok(knot)
    }

    /// Polls with a SOA query until the zone is served (bounded: 10 s).
    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        let sock = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| e.to_string())?;
        sock.set_read_timeout(Some(Duration::from_millis(200)))
            .map_err(|e| e.to_string())?;
        let query = soa_query(0x5747, "waygate.test.");
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("knotd exited ({status}): {}", self.log()));
            }
            let _ = sock.send_to(&query, self.addr);
            let mut buf = [0u8; 512];
            if let Ok((n, _)) = sock.recv_from(&mut buf) {
                // Same id, a response, RCODE NOERROR, at least one answer: the zone is loaded.
                if n >= 12
                    && buf[..2] == query[..2]
                    && buf[2] & 0x80 != 0
                    && buf[3] & 0x0f == 0
                    && buf[7] > 0
                {
                    return Ok(());
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!(
            "knotd did not answer on {} within 10s: {}",
            self.addr,
            self.log()
        ))
    }
}

impl Drop for Knot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// A fixed test-only key (32 bytes, base64): the server listens on loopback only.
const SECRET: &str = "d2F5Z2F0ZS10ZXN0LWtleS1vbmx5LWZvci1rbm90ZDE=";

/// More keys allowed to update the zone: (name, algorithm, base64 secret).
pub(crate) const EXTRA_KEYS: &[(&str, &str, &str)] = &[
    (
        "waygate-sha1.",
        "hmac-sha1",
        "c2hhMS10ZXN0LWtleS1mb3Itd2F5Z2F0ZQ==",
    ),
    (
        "waygate-sha512.",
        "hmac-sha512",
        "c2hhNTEyLXRlc3Qta2V5LWZvci13YXlnYXRl",
    ),
];

const ZONE: &str = "$ORIGIN waygate.test.
$TTL 60
@   SOA ns hostmaster 1 3600 900 604800 1
@   NS  ns
ns  A   127.0.0.1
*   A   127.0.0.1
_acme-challenge.cname CNAME _acme-challenge.delegated
";

fn config(dir: &Path, port: u16) -> String {
    let dir = dir.display();
    let mut keys =
        format!("  - id: waygate-key.\n    algorithm: hmac-sha256\n    secret: {SECRET}\n");
    let mut names = vec!["waygate-key."];
    for (name, algorithm, secret) in EXTRA_KEYS {
        keys.push_str(&format!(
            "  - id: {name}\n    algorithm: {algorithm}\n    secret: {secret}\n"
        ));
        names.push(name);
    }
    let names = names.join(", ");
    format!(
        "server:
    rundir: \"{dir}/run\"
    listen: 127.0.0.1@{port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: info
database:
    storage: \"{dir}/storage\"
key:
{keys}acl:
  - id: update
    key: [{names}]
    action: update
zone:
  - domain: waygate.test.
    storage: \"{dir}\"
    file: \"waygate.test.zone\"
    acl: update
"
    )
}

/// Debian installs knotd in /usr/sbin, which may not be on a test runner's PATH.
fn knotd() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::iter::once(PathBuf::from(KNOTD))
        .chain(std::env::split_paths(&path).map(|dir| dir.join("knotd")))
        .find(|p| p.is_file())
}

/// A port free for both TCP and UDP on 127.0.0.1 right now.
fn free_port() -> Result<u16, String> {
    for _ in 0..20 {
        let tcp = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| e.to_string())?;
        let port = tcp.local_addr().map_err(|e| e.to_string())?.port();
        if UdpSocket::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return Ok(port);
        }
    }
    Err("no port free for both TCP and UDP".into())
}

fn temp_dir() -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    std::env::temp_dir().join(format!(
        "waygate-knot-{}-{}-{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ))
}

/// A minimal DNS query (RFC 1035 §4.1) for `name` SOA, class IN, no recursion.
fn soa_query(id: u16, name: &str) -> Vec<u8> {
    let mut q = Vec::with_capacity(64);
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name.trim_end_matches('.').split('.') {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.extend_from_slice(&[0, 0, 6, 0, 1]);
    q
}
