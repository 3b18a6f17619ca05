//! Copying a routed connection's bytes both ways (Traefik `pkg/tcp/proxy.go`): each
//! direction through one bounded buffer; when one side ends its stream the other side's
//! write half is shut down (half-close travels on), and the opposite direction may go on for
//! `terminationDelay` (for ever when `None`) before the connection is closed.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tracing::debug;

/// Bytes buffered per direction.
const BUFFER: usize = 16 * 1024;

/// Bytes copied client → server and server → client.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Copied {
    pub(crate) up: u64,
    pub(crate) down: u64,
}

/// Copies until both directions end (or the second is cut by `termination_delay`).
pub(crate) async fn forward<C, S>(
    client: C,
    server: S,
    termination_delay: Option<Duration>,
) -> Copied
where
    C: AsyncRead + AsyncWrite + Unpin,
    S: AsyncRead + AsyncWrite + Unpin,
{
    let (client_r, mut client_w) = tokio::io::split(client);
    let (server_r, mut server_w) = tokio::io::split(server);
    let mut client_r = BufReader::with_capacity(BUFFER, client_r);
    let mut server_r = BufReader::with_capacity(BUFFER, server_r);
    let up = async {
        let n = tokio::io::copy_buf(&mut client_r, &mut server_w).await;
        let _ = server_w.shutdown().await;
        n
    };
    let down = async {
        let n = tokio::io::copy_buf(&mut server_r, &mut client_w).await;
        let _ = client_w.shutdown().await;
        n
    };
    tokio::pin!(up, down);
    let mut copied = Copied::default();
    tokio::select! {
        n = &mut up => {
            copied.up = bytes(n, "client to server");
            copied.down = finish(down, termination_delay, "server to client").await;
        }
        n = &mut down => {
            copied.down = bytes(n, "server to client");
            copied.up = finish(up, termination_delay, "client to server").await;
        }
    }
    copied
}

async fn finish(
    rest: impl Future<Output = io::Result<u64>>,
    delay: Option<Duration>,
    what: &'static str,
) -> u64 {
    match delay {
        None => bytes(rest.await, what),
        Some(d) => match tokio::time::timeout(d, rest).await {
            Ok(n) => bytes(n, what),
            Err(_) => {
                debug!(direction = what, "terminationDelay elapsed: closing");
                0
            }
        },
    }
}

fn bytes(n: io::Result<u64>, what: &'static str) -> u64 {
    n.inspect_err(|e| debug!(direction = what, error = %e, "copy ended with an error"))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt, duplex};

    use super::forward;

    #[tokio::test]
    async fn half_close_travels_and_the_reply_still_comes_back() {
        let (client, mut client_peer) = duplex(1024);
        let (server, mut server_peer) = duplex(1024);
        let task = tokio::spawn(forward(client, server, Some(Duration::from_secs(5))));
        client_peer.write_all(b"QUIT").await.expect("write");
        client_peer.shutdown().await.expect("half-close");
        let mut got = Vec::new();
        server_peer
            .read_to_end(&mut got)
            .await
            .expect("server reads to EOF");
        assert_eq!(got, b"QUIT");
        server_peer.write_all(b"221 bye").await.expect("reply");
        drop(server_peer);
        let mut reply = Vec::new();
        client_peer
            .read_to_end(&mut reply)
            .await
            .expect("client reads");
        assert_eq!(reply, b"221 bye");
        let copied = task.await.expect("task");
        assert_eq!((copied.up, copied.down), (4, 7));
    }

    #[tokio::test]
    async fn termination_delay_cuts_the_other_direction() {
        let (client, mut client_peer) = duplex(1024);
        let (server, _server_peer) = duplex(1024);
        let task = tokio::spawn(forward(client, server, Some(Duration::from_millis(50))));
        client_peer.shutdown().await.expect("half-close");
        // The server never answers: the copy ends after the delay anyway.
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("ends")
            .expect("task");
    }
}
