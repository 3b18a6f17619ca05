//! `whoami [--port N] [--name NAME] [--host IP]`: run the whoami backend until SIGINT/SIGTERM.
//!
//! Defaults: port 8080, host 0.0.0.0, name = `$HOSTNAME`, `/etc/hostname` or `whoami`.
//! `--flag=value` forms are accepted too. All behaviour lives in the library.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use whoami::{Config, Server};

fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("health") {
        return probe(std::env::args().nth(2).as_deref().unwrap_or("127.0.0.1:80"));
    }
    let config = match parse_args(std::env::args().skip(1)) {
        Ok(config) => config,
        Err(msg) => {
            eprintln!("whoami: {msg}\nusage: whoami [--port N] [--name NAME] [--host IP]");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("whoami: starting runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let server = match Server::start(config).await {
            Ok(server) => server,
            Err(err) => {
                eprintln!("whoami: listen: {err}");
                return ExitCode::FAILURE;
            }
        };
        println!("whoami {} listening on {}", server.name(), server.addr());
        shutdown_signal().await;
        server.stop();
        ExitCode::SUCCESS
    })
}

/// `whoami health [HOST:PORT]`: exit 0 when `GET /health` answers 2xx. A container
/// HEALTHCHECK for images without a shell.
fn probe(addr: &str) -> ExitCode {
    use std::io::{Read, Write};
    let timeout = std::time::Duration::from_secs(3);
    let Ok(addr) = addr.parse::<SocketAddr>() else {
        eprintln!("whoami health: `{addr}` is not HOST:PORT");
        return ExitCode::from(2);
    };
    let answer = std::net::TcpStream::connect_timeout(&addr, timeout).and_then(|mut s| {
        s.set_read_timeout(Some(timeout))?;
        s.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")?;
        let mut head = [0u8; 32];
        let n = s.read(&mut head)?;
        Ok(String::from_utf8_lossy(&head[..n]).into_owned())
    });
    match answer {
        Ok(head)
            if head
                .split_whitespace()
                .nth(1)
                .is_some_and(|c| c.starts_with('2')) =>
        {
            ExitCode::SUCCESS
        }
        Ok(head) => {
            eprintln!(
                "whoami health: {}",
                head.lines().next().unwrap_or("no answer")
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("whoami health: {e}");
            ExitCode::FAILURE
        }
    }
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Config, String> {
    let mut port: u16 = 8080;
    let mut host = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
    let mut name = default_name();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag.to_owned(), Some(value.to_owned())),
            None => (arg, None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or(format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--port" | "-port" => {
                let v = value()?;
                port = v.parse().map_err(|_| format!("invalid port {v:?}"))?;
            }
            "--host" | "-host" => {
                let v = value()?;
                host = v.parse().map_err(|_| format!("invalid host IP {v:?}"))?;
            }
            "--name" | "-name" => name = value()?,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Config {
        name,
        addr: SocketAddr::new(host, port),
    })
}

fn default_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "whoami".to_owned())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Config, String> {
        parse_args(args.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn flags_in_both_forms() {
        let config = parse(&["--port", "9000", "--name=web-1", "--host=127.0.0.1"]);
        assert_eq!(
            config,
            Ok(Config {
                name: "web-1".to_owned(),
                addr: SocketAddr::from(([127, 0, 0, 1], 9000)),
            })
        );
        let defaults = parse(&[]).map(|c| c.addr);
        assert_eq!(defaults, Ok(SocketAddr::from(([0, 0, 0, 0], 8080))));
    }

    #[test]
    fn rejects_bad_flags() {
        assert!(parse(&["--port"]).is_err());
        assert!(parse(&["--port=http"]).is_err());
        assert!(parse(&["--host", "localhost"]).is_err());
        assert!(parse(&["--verbose"]).is_err());
    }
}
