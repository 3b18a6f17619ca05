//! What the JSON writer keeps from line to line. A connection's requests share their client
//! address, a router's share their names and server, an entry point's its name, a batch
//! its `time`: the text of each is made once and copied into the next lines while the same values come back
//! (the same `Arc`s, compared by address and held here so an address is never reused while
//! it is remembered).

use std::net::{SocketAddr, SocketAddrV4};
use std::sync::Arc;
use std::time::SystemTime;

use super::super::digits::{ipv4_text, push_u64};
use crate::time::Stamps;

/// The writer's memory of the last lines.
#[derive(Debug, Default)]
pub(crate) struct Memo {
    pub(crate) stamps: Stamps,
    /// Shared names last seen needing no escaping, by position: the router, the server's
    /// address, the service, the server's URL, the entry point.
    pub(crate) plain: [Option<Arc<str>>; 5],
    /// The last client IPv4 address and port, as text.
    client: Option<Client>,
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

/// A client address's text: the IPv4 address and the port, each the first bytes of its
/// buffer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Client {
    addr: SocketAddrV4,
    pub(crate) ip: ([u8; 16], usize),
    pub(crate) port: ([u8; 24], usize),
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
    /// The text of `addr`, made again only when it is not the last one.
    pub(crate) fn client(&mut self, addr: SocketAddrV4) -> Client {
        match self.client {
            Some(c) if c.addr == addr => c,
            _ => {
                let mut port = Vec::with_capacity(24);
                push_u64(&mut port, u64::from(addr.port()));
                let mut text = [0u8; 24];
                let len = port.len().min(text.len());
                text[..len].copy_from_slice(&port[..len]);
                let c = Client {
                    addr,
                    ip: ipv4_text(*addr.ip()),
                    port: (text, len),
                };
                self.client = Some(c);
                c
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
