//! DNS exchanges for the DNS-01 code: one message to one server over UDP, retried over TCP
//! when the answer is truncated (as lego's `dns.Client` does), with a deadline. Messages are
//! hickory-proto's; the sockets are tokio's.
//!
//! Server addresses are written as lego takes them: `host`, `host:port`, `[v6]:port` or a bare
//! IP; the port defaults to 53 and host names are resolved at each exchange.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query};
use hickory_proto::rr::{Name, RecordType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

/// lego's per-query timeout (`dns01` and `RFC2136_DNS_TIMEOUT` default).
pub(crate) const QUERY_TIMEOUT: Duration = Duration::from_secs(10);

/// A server as configured: `host[:port]`, always with a port.
pub(crate) fn with_default_port(server: &str) -> String {
    let server = server.trim();
    if server.parse::<SocketAddr>().is_ok() {
        return server.to_string();
    }
    if let Ok(ip) = server.trim_matches(['[', ']']).parse::<IpAddr>() {
        return SocketAddr::new(ip, 53).to_string();
    }
    match server.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && port.parse::<u16>().is_ok() => {
            server.to_string()
        }
        _ => format!("{server}:53"),
    }
}

/// Resolves `host:port` (see [`with_default_port`]) to its first address.
pub(crate) async fn resolve(server: &str) -> Result<SocketAddr, String> {
    let server = with_default_port(server);
    if let Ok(addr) = server.parse::<SocketAddr>() {
        return Ok(addr);
    }
    tokio::net::lookup_host(&server)
        .await
        .map_err(|e| format!("cannot resolve {server}: {e}"))?
        .next()
        .ok_or_else(|| format!("cannot resolve {server}: no address"))
}

/// A fresh message id from the system CSPRNG (ids are an anti-spoofing measure).
pub(crate) fn random_id() -> u16 {
    let mut id = [0u8; 2];
    // A failing system RNG leaves id 0: still a valid message, only more guessable.
    let _ = aws_lc_rs::rand::fill(&mut id);
    u16::from_be_bytes(id)
}

/// A query for `name`/`rtype` with EDNS (4096-byte UDP payload, like lego).
pub(crate) fn query_message(name: &Name, rtype: RecordType, recursive: bool) -> Message {
    let mut msg = Message::new(random_id(), MessageType::Query, OpCode::Query);
    msg.metadata.recursion_desired = recursive;
    msg.add_query(Query::query(name.clone(), rtype));
    let mut edns = Edns::new();
    edns.set_max_payload(4096);
    msg.set_edns(edns);
    msg
}

/// Asks `server` one question; the answer is returned whatever its RCODE.
pub(crate) async fn query(
    server: SocketAddr,
    name: &Name,
    rtype: RecordType,
    recursive: bool,
    timeout: Duration,
) -> Result<Message, String> {
    let msg = query_message(name, rtype, recursive);
    let bytes = msg
        .to_vec()
        .map_err(|e| format!("cannot encode query for {name}: {e}"))?;
    let answer = exchange(server, &bytes, timeout).await?;
    Message::from_vec(&answer).map_err(|e| format!("{server}: malformed answer: {e}"))
}

/// Sends one encoded message and returns the raw answer with the same id.
pub(crate) async fn exchange(
    server: SocketAddr,
    msg: &[u8],
    timeout: Duration,
) -> Result<Vec<u8>, String> {
    let run = async {
        let answer = udp(server, msg).await?;
        // TC bit: the answer did not fit in a datagram; ask again over TCP.
        if answer.len() > 2 && answer[2] & 0x02 != 0 {
            return tcp(server, msg).await;
        }
        Ok(answer)
    };
    match tokio::time::timeout(timeout, run).await {
        Ok(result) => result.map_err(|e| format!("{server}: {e}")),
        Err(_) => Err(format!(
            "{server}: no answer within {}s",
            timeout.as_secs_f32()
        )),
    }
}

async fn udp(server: SocketAddr, msg: &[u8]) -> Result<Vec<u8>, String> {
    let local: SocketAddr = match server {
        SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let sock = UdpSocket::bind(local).await.map_err(|e| e.to_string())?;
    sock.connect(server).await.map_err(|e| e.to_string())?;
    sock.send(msg).await.map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; 65535];
    loop {
        let n = sock.recv(&mut buf).await.map_err(|e| e.to_string())?;
        // Ignore stray datagrams: only an answer (QR) to our id counts.
        if n >= 12 && buf[..2] == msg[..2] && buf[2] & 0x80 != 0 {
            buf.truncate(n);
            return Ok(buf);
        }
    }
}

async fn tcp(server: SocketAddr, msg: &[u8]) -> Result<Vec<u8>, String> {
    let len = u16::try_from(msg.len()).map_err(|_| "message too large for TCP".to_string())?;
    let mut stream = TcpStream::connect(server)
        .await
        .map_err(|e| e.to_string())?;
    let mut framed = Vec::with_capacity(msg.len() + 2);
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(msg);
    stream.write_all(&framed).await.map_err(|e| e.to_string())?;
    let mut len = [0u8; 2];
    stream
        .read_exact(&mut len)
        .await
        .map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
    stream
        .read_exact(&mut buf)
        .await
        .map_err(|e| e.to_string())?;
    if buf.len() < 12 || buf[..2] != msg[..2] {
        return Err("TCP answer does not match the query id".into());
    }
    Ok(buf)
}

/// The RCODE mnemonic (RFC 6895 §2.3), e.g. `NXDOMAIN`, `NOTAUTH`.
pub(crate) fn rcode_name(code: u16) -> String {
    let name = match code {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        6 => "YXDOMAIN",
        7 => "YXRRSET",
        8 => "NXRRSET",
        9 => "NOTAUTH",
        10 => "NOTZONE",
        16 => "BADSIG",
        17 => "BADKEY",
        18 => "BADTIME",
        22 => "BADTRUNC",
        other => return format!("RCODE{other}"),
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_port_like_lego() {
        assert_eq!(with_default_port("ns.example.com"), "ns.example.com:53");
        assert_eq!(
            with_default_port("ns.example.com:5353"),
            "ns.example.com:5353"
        );
        assert_eq!(with_default_port("127.0.0.1"), "127.0.0.1:53");
        assert_eq!(with_default_port("127.0.0.1:5300"), "127.0.0.1:5300");
        assert_eq!(with_default_port("::1"), "[::1]:53");
        assert_eq!(with_default_port("[::1]"), "[::1]:53");
        assert_eq!(with_default_port("[::1]:5300"), "[::1]:5300");
    }

    #[test]
    fn rcode_names() {
        assert_eq!(rcode_name(3), "NXDOMAIN");
        assert_eq!(rcode_name(9), "NOTAUTH");
        assert_eq!(rcode_name(99), "RCODE99");
    }
}
