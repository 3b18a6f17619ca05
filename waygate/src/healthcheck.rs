//! `waygate healthcheck`: exit 0 when the ping endpoint answers 200 (reference §1.9), so a
//! container's HEALTHCHECK works as with `traefik healthcheck`. Reads the same static
//! configuration as the gateway (file, flags or environment).

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::process::ExitCode;
use std::time::Duration;

use crate::args::Args;

pub(crate) fn run(args: &Args) -> ExitCode {
    match check(args) {
        Ok(url) => {
            println!("OK: {url}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("waygate healthcheck: {e}");
            ExitCode::from(1)
        }
    }
}

fn check(args: &Args) -> Result<String, String> {
    let st = crate::static_load::load(args)?.config;
    let ping = st
        .ping
        .as_ref()
        .ok_or("ping is not enabled (add `ping: {}` to the static configuration)")?;
    let eps = st.effective_entry_points();
    let ep = eps
        .get(&ping.entry_point)
        .ok_or_else(|| format!("the ping entry point `{}` does not exist", ping.entry_point))?;
    let (addr, _) =
        waygate_proxy::entrypoint::parse_address(&ep.address).map_err(|e| e.to_string())?;
    // Listening on every interface: ask over loopback.
    let addr = if addr.ip().is_unspecified() {
        SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
    } else {
        addr
    };
    let url = format!("http://{addr}/ping");
    let timeout = Duration::from_secs(5);
    let mut stream =
        TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("{url}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    stream
        .set_write_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(b"GET /ping HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .map_err(|e| format!("{url}: {e}"))?;
    let mut head = [0u8; 64];
    let n = stream.read(&mut head).map_err(|e| format!("{url}: {e}"))?;
    let line = String::from_utf8_lossy(&head[..n]);
    let status = line.split_whitespace().nth(1).unwrap_or("no status");
    if status == "200" {
        Ok(url)
    } else {
        Err(format!("{url} answered {status}"))
    }
}
