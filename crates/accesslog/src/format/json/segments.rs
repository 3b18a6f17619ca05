//! The runs of entries a plain line (every field kept, no header entry) copies from the
//! [`Memo`] when their values are the last line's: the client's (a connection's requests),
//! the router's names and server, the entry point's tail. Each is written entry by entry
//! otherwise, and remembered when the line is plain.

use std::net::SocketAddr;
use std::sync::Arc;

use super::memo::{Memo, Names};
use super::{Line, key};
use crate::field::Field;
use crate::format::digits::{Ascii, push_addr, push_ip, push_u64};
use crate::record::Record;

// === impl Line ===

impl<const PLAIN: bool> Line<'_, PLAIN> {
    /// `ClientAddr`, `ClientHost`, `ClientPort` and `ClientUsername`. A plain line from the
    /// address of the last one (a connection's requests), without `X-Forwarded-For` or user
    /// name, copies the text it wrote.
    pub(super) fn client(&mut self, rec: &Record, memo: &mut Memo) {
        let no_forwarded = rec.forwarded_for.as_ref().is_none_or(|v| v.is_empty());
        if PLAIN && no_forwarded && rec.username.is_none() {
            match &memo.head {
                Some((addr, text)) if *addr == rec.client => self.out.extend_from_slice(text),
                _ => {
                    let from = self.out.len();
                    self.client_each(rec, memo);
                    let text = self.out[from..].to_vec();
                    memo.head = Some((rec.client, text));
                }
            }
            return;
        }
        self.client_each(rec, memo);
    }

    fn client_each(&mut self, rec: &Record, memo: &mut Memo) {
        let v4 = match rec.client {
            SocketAddr::V4(a) => Some(memo.ipv4(*a.ip())),
            SocketAddr::V6(_) => None,
        };
        let port = u64::from(rec.client.port());
        if self.field(Field::ClientAddr, key!("ClientAddr")) {
            match &v4 {
                Some((ip, len)) => self.quoted(|o| {
                    o.ascii_head(ip, *len);
                    o.push(b':');
                    push_u64(o, port);
                }),
                None => self.quoted(|o| push_addr(o, rec.client)),
            }
        }
        if self.field(Field::ClientHost, key!("ClientHost")) {
            match (&rec.forwarded_for, &v4) {
                (Some(v), _) if !v.is_empty() => self.bytes(v.as_bytes()),
                (_, Some((ip, len))) => self.quoted(|o| o.ascii_head(ip, *len)),
                _ => self.quoted(|o| push_ip(o, rec.client.ip())),
            }
        }
        if self.field(Field::ClientPort, key!("ClientPort")) {
            self.quoted(|o| push_u64(o, port));
        }
        if self.field(Field::ClientUsername, key!("ClientUsername")) {
            match rec.username.as_deref() {
                Some(user) => self.str(user),
                None => self.out.extend_from_slice(b"\"-\""),
            }
        }
    }

    /// `RouterName`, `ServiceAddr`, `ServiceName` and `ServiceURL`. A plain line with all
    /// four copies the text the last one wrote for the same names.
    pub(super) fn names(&mut self, rec: &Record, memo: &mut Memo) {
        let origin = rec.origin.as_ref();
        if PLAIN && let (Some(router), Some(o), Some(service)) = (&rec.router, origin, &rec.service)
        {
            match &memo.names {
                Some(n) if n.of(router, &o.addr, service, &o.url) => {
                    self.out.extend_from_slice(&n.text);
                }
                _ => {
                    let from = self.out.len();
                    self.names_each(rec, memo);
                    let text = &self.out[from..];
                    memo.names = Some(Names::new(router, &o.addr, service, &o.url, text));
                }
            }
            return;
        }
        self.names_each(rec, memo);
    }

    fn names_each(&mut self, rec: &Record, memo: &mut Memo) {
        let (plain, origin) = (&mut memo.plain, rec.origin.as_ref());
        if let Some(router) = &rec.router
            && self.field(Field::RouterName, key!("RouterName"))
        {
            self.shared(&mut plain[0], router);
        }
        if let Some(o) = origin
            && self.field(Field::ServiceAddr, key!("ServiceAddr"))
        {
            self.shared(&mut plain[1], &o.addr);
        }
        if let Some(service) = &rec.service
            && self.field(Field::ServiceName, key!("ServiceName"))
        {
            self.shared(&mut plain[2], service);
        }
        if let Some(o) = origin
            && self.field(Field::ServiceUrl, key!("ServiceURL"))
        {
            self.shared(&mut plain[3], &o.url);
        }
    }

    /// `entryPointName`, `level` and `msg`: on a plain line, the text the last one wrote
    /// for the same entry point.
    pub(super) fn tail(&mut self, rec: &Record, memo: &mut Memo) {
        if PLAIN {
            match &memo.tail {
                Some((ep, text)) if Arc::ptr_eq(ep, &rec.entry_point) => {
                    self.out.extend_from_slice(text);
                }
                _ => {
                    let from = self.out.len();
                    self.tail_each(rec, memo);
                    let text = self.out[from..].to_vec();
                    memo.tail = Some((rec.entry_point.clone(), text));
                }
            }
            return;
        }
        self.tail_each(rec, memo);
    }

    fn tail_each(&mut self, rec: &Record, memo: &mut Memo) {
        if self.field(Field::EntryPointName, key!("entryPointName")) {
            self.shared(&mut memo.plain[4], &rec.entry_point);
        }
        self.key("level", key!("level"));
        self.out.extend_from_slice(b"\"info\"");
        self.key("msg", key!("msg"));
        self.out.extend_from_slice(b"\"\"");
    }
}
