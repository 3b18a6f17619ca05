//! What the JSON writer keeps from line to line. A connection's requests share their client
//! address, a router's share their names and server, an entry point's its name, a batch
//! its `time`: the text of each is made once and copied into the next lines while the same
//! values come back (the same `Arc`s, compared by address and held here so an address is
//! never reused while it is remembered).

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::SystemTime;

use super::super::digits::ipv4_text;
use crate::time::Stamps;

/// The writer's memory of the last lines.
#[derive(Debug, Default)]
pub(crate) struct Memo {
    pub(crate) stamps: Stamps,
    /// Shared names last seen needing no escaping, by position: the router, the server's
    /// address, the service, the server's URL, the entry point.
    pub(crate) plain: [Option<Arc<str>>; 5],
    /// The last client IPv4 address and its text (a connection's requests share it; the
    /// plain lines' [`Memo::head`] covers the port too).
    client: Option<(Ipv4Addr, [u8; 16], usize)>,
    /// The entries from `ClientAddr` to `ClientUsername` of the last plain line without
    /// `X-Forwarded-For` or user name, and its client's address.
    pub(crate) head: Option<(SocketAddr, Vec<u8>)>,
    /// The entries from `RouterName` to `ServiceURL` of the last line that had them all.
    pub(crate) names: Option<Names>,
    /// `,"entryPointName":…,"level":"info","msg":""` of the last entry point.
    pub(crate) tail: Option<(Arc<str>, Vec<u8>)>,
    /// The last `time` value (quoted): the lines of a batch share it.
    time: Option<(SystemTime, [u8; TIME_LEN])>,
}

/// The `RouterName`, `ServiceAddr`, `ServiceName` and `ServiceURL` entries as written for
/// these names (held: compared by address).
#[derive(Debug)]
pub(crate) struct Names {
    router: Arc<str>,
    addr: Arc<str>,
    service: Arc<str>,
    url: Arc<str>,
    pub(crate) text: Vec<u8>,
}

/// `"2006-01-02T15:04:05Z"`, quotes included.
const TIME_LEN: usize = 22;

// === impl Memo ===

impl Memo {
    /// The text of `ip`, made again only when it is not the last one.
    pub(crate) fn ipv4(&mut self, ip: Ipv4Addr) -> ([u8; 16], usize) {
        match self.client {
            Some((last, text, len)) if last == ip => (text, len),
            _ => {
                let (text, len) = ipv4_text(ip);
                self.client = Some((ip, text, len));
                (text, len)
            }
        }
    }

    /// The quoted `time` of `now` (seconds), made again only for another instant.
    pub(crate) fn time(&mut self, now: SystemTime) -> [u8; TIME_LEN] {
        if let Some((t, text)) = self.time
            && t == now
        {
            return text;
        }
        let mut text = Vec::with_capacity(TIME_LEN);
        text.push(b'"');
        self.stamps.now.rfc3339(now, &mut text);
        text.push(b'"');
        let mut fixed = [0u8; TIME_LEN];
        // Always 22 bytes: the year is cut to four digits.
        let len = text.len().min(TIME_LEN);
        fixed[..len].copy_from_slice(&text[..len]);
        self.time = Some((now, fixed));
        fixed
    }
}

// === impl Names ===

impl Names {
    pub(crate) fn new(
        router: &Arc<str>,
        addr: &Arc<str>,
        service: &Arc<str>,
        url: &Arc<str>,
        text: &[u8],
    ) -> Self {
        Self {
            router: router.clone(),
            addr: addr.clone(),
            service: service.clone(),
            url: url.clone(),
            text: text.to_vec(),
        }
    }

    /// Whether these are the names the text was written for.
    pub(crate) fn of(
        &self,
        router: &Arc<str>,
        addr: &Arc<str>,
        service: &Arc<str>,
        url: &Arc<str>,
    ) -> bool {
        Arc::ptr_eq(&self.router, router)
            && Arc::ptr_eq(&self.addr, addr)
            && Arc::ptr_eq(&self.service, service)
            && Arc::ptr_eq(&self.url, url)
    }
}
