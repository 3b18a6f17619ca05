//! Upgraded connections (WebSocket and friends), tunnelled both ways once the backend
//! answered `101`. Each direction is copied with a bounded buffer. When the gateway shuts
//! down the tunnel is drained instead of cut: a WebSocket gets a Close frame (1001, going
//! away) in each direction at the next frame boundary, then the tunnel waits for the peers'
//! Close replies; any other protocol is half-closed both ways. The gateway waits for
//! tunnels up to `graceTimeOut`.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::watch;
use tracing::debug;

use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;

/// Bytes copied per read, per direction.
const BUFFER: usize = 16 * 1024;

/// How long a drained WebSocket waits for each peer's Close reply.
const CLOSE_REPLY_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Close frame, status 1001 (going away), as a server sends it (unmasked).
const CLOSE_TO_CLIENT: [u8; 4] = [0x88, 0x02, 0x03, 0xE9];

/// Runs the tunnel to its end. `drain` turns true when the gateway shuts down; the tunnel
/// holds it until it is done, so the gateway's shutdown waits for it.
pub(crate) async fn run(
    client: OnUpgrade,
    upstream: OnUpgrade,
    websocket: bool,
    drain: Option<watch::Receiver<bool>>,
) {
    let (client, upstream) = match tokio::try_join!(client, upstream) {
        Ok(pair) => pair,
        Err(e) => {
            debug!(error = %e, "upgrade failed");
            return;
        }
    };
    let (client_r, client_w) = tokio::io::split(TokioIo::new(client));
    let (up_r, up_w) = tokio::io::split(TokioIo::new(upstream));
    let frames = || websocket.then(Frames::default);
    let to_upstream = pump(client_r, up_w, frames(), drain.clone(), close_to_server());
    let to_client = pump(up_r, client_w, frames(), drain, CLOSE_TO_CLIENT.to_vec());
    let (a, b) = tokio::join!(to_upstream, to_client);
    if let Err(e) = a.and(b) {
        debug!(error = %e, "upgraded connection closed");
    }
}

/// Close frame, status 1001, as a client sends it (masked, RFC 6455 §5.3).
fn close_to_server() -> Vec<u8> {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0x5a17_c0de, |d| d.subsec_nanos());
    let mask = seed.to_be_bytes();
    vec![
        0x88,
        0x82,
        mask[0],
        mask[1],
        mask[2],
        mask[3],
        0x03 ^ mask[0],
        0xE9 ^ mask[1],
    ]
}

/// Copies `from` to `to` until EOF. On drain: a WebSocket direction finishes the frame in
/// flight, sends `close`, then reads (and drops) until the peer's Close or EOF; any other
/// direction is half-closed.
async fn pump<R, W>(
    mut from: R,
    mut to: W,
    mut frames: Option<Frames>,
    mut drain: Option<watch::Receiver<bool>>,
    close: Vec<u8>,
) -> std::io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut buf = vec![0u8; BUFFER];
    let mut draining = false;
    loop {
        if draining && frames.as_ref().is_none_or(Frames::at_boundary) {
            return finish(from, to, frames, &close, &mut buf).await;
        }
        let n = tokio::select! {
            read = from.read(&mut buf) => read?,
            () = drained(&mut drain), if !draining => {
                draining = true;
                continue;
            }
        };
        if n == 0 {
            return to.shutdown().await;
        }
        let forward = match &mut frames {
            Some(f) => f.feed(&buf[..n], draining),
            None => n,
        };
        to.write_all(&buf[..forward]).await?;
    }
}

/// The drain signal (never, without one).
async fn drained(drain: &mut Option<watch::Receiver<bool>>) {
    match drain {
        Some(d) => {
            let _ = d.wait_for(|v| *v).await;
        }
        None => std::future::pending().await,
    }
}

/// The end of a drained direction.
async fn finish<R, W>(
    mut from: R,
    mut to: W,
    frames: Option<Frames>,
    close: &[u8],
    buf: &mut [u8],
) -> std::io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let Some(mut frames) = frames else {
        return to.shutdown().await;
    };
    to.write_all(close).await?;
    to.flush().await?;
    // Wait (a bounded time) for the peer's Close reply or EOF; what it sends meanwhile is
    // dropped.
    frames.saw_close = false;
    let reply = async {
        while !frames.saw_close {
            let n = from.read(buf).await?;
            if n == 0 {
                break;
            }
            frames.feed(&buf[..n], false);
        }
        Ok::<_, std::io::Error>(())
    };
    if tokio::time::timeout(CLOSE_REPLY_WAIT, reply).await.is_err() {
        debug!("no WebSocket close reply; closing anyway");
    }
    to.shutdown().await
}

/// Where a WebSocket byte stream is between frames (RFC 6455 §5.2).
#[derive(Debug, Default)]
struct Frames {
    /// Payload bytes of the current frame still to pass.
    payload: u64,
    /// Header bytes of the next frame seen so far.
    head: [u8; 14],
    have: usize,
    /// A Close frame's header has passed.
    saw_close: bool,
}

// === impl Frames ===

impl Frames {
    fn at_boundary(&self) -> bool {
        self.payload == 0 && self.have == 0
    }

    /// Follows `data` through the frame structure; returns how many bytes to forward: all of
    /// them, or (with `stop`) up to the first frame boundary.
    fn feed(&mut self, data: &[u8], stop: bool) -> usize {
        let mut i = 0;
        while i < data.len() {
            if stop && self.at_boundary() {
                return i;
            }
            if self.payload > 0 {
                let take = usize::try_from(self.payload)
                    .unwrap_or(usize::MAX)
                    .min(data.len() - i);
                self.payload -= take as u64;
                i += take;
                continue;
            }
            self.head[self.have] = data[i];
            self.have += 1;
            i += 1;
            if let Some(len) = self.header_len()
                && self.have == len
            {
                self.payload = self.payload_len();
                self.saw_close |= self.head[0] & 0x0F == 0x8;
                self.have = 0;
            }
        }
        data.len()
    }

    fn header_len(&self) -> Option<usize> {
        if self.have < 2 {
            return None;
        }
        let ext = match self.head[1] & 0x7F {
            126 => 2,
            127 => 8,
            _ => 0,
        };
        let mask = if self.head[1] & 0x80 != 0 { 4 } else { 0 };
        Some(2 + ext + mask)
    }

    fn payload_len(&self) -> u64 {
        match self.head[1] & 0x7F {
            126 => u64::from(u16::from_be_bytes([self.head[2], self.head[3]])),
            127 => {
                let mut b = [0u8; 8];
                b.copy_from_slice(&self.head[2..10]);
                u64::from_be_bytes(b)
            }
            n => u64::from(n),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Frames;

    #[test]
    fn follows_frames_and_stops_at_boundaries() {
        // A 5-byte text frame, a 126-length frame header (300 bytes), then a close.
        let mut stream = vec![0x81, 0x05, b'h', b'e', b'l', b'l', b'o'];
        stream.extend([0x82, 0x7E, 0x01, 0x2C]);
        stream.extend(vec![0u8; 300]);
        stream.extend([0x88, 0x00]);
        let mut f = Frames::default();
        assert_eq!(f.feed(&stream[..3], false), 3);
        assert!(!f.at_boundary());
        // Stopping mid-frame forwards the rest of that frame only.
        assert_eq!(f.feed(&stream[3..], true), 4);
        assert!(f.at_boundary());
        assert_eq!(f.feed(&stream[7..], false), stream.len() - 7);
        assert!(f.saw_close);
        assert!(f.at_boundary());
    }

    #[test]
    fn masked_frames_and_split_headers() {
        // Masked 2-byte frame, header split across reads.
        let frame = [0x81, 0x82, 1, 2, 3, 4, 0xAA, 0xBB];
        let mut f = Frames::default();
        for b in frame {
            assert_eq!(f.feed(&[b], false), 1);
        }
        assert!(f.at_boundary());
        // A 64-bit length.
        let mut big = vec![0x82, 0x7F];
        big.extend(70_000u64.to_be_bytes());
        f.feed(&big, false);
        assert_eq!(f.payload, 70_000);
    }
}
