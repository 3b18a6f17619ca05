//! `explain`'s output for people: per entry point, the request as routed, every router in
//! match order with ✓/✗ per matcher (`·` for routers after the winner, which the data plane
//! never evaluates), then the winner's middlewares, service and server, or the nearest
//! routers and what failed.

use std::fmt::Write;

use waygate_proxy::table::{EntryPointExplanation, Explanation, ServiceExplanation};
use waygate_rules::TraceNode;

pub(super) fn render(e: &Explanation) -> String {
    let mut out = format!("{} {}\n", e.method, e.url);
    if e.entry_points.is_empty() {
        let what = if e.tls { "TLS routers" } else { "routers" };
        let _ = writeln!(out, "\nno entry point has {what} for this request");
    }
    for ep in &e.entry_points {
        out.push('\n');
        entry_point(&mut out, ep);
    }
    out
}

fn entry_point(out: &mut String, ep: &EntryPointExplanation) {
    let _ = writeln!(out, "entry point {}", ep.entry_point);
    if let Some(tls) = &ep.tls {
        let sni = tls.sni.as_deref().unwrap_or("(none)");
        let _ = write!(out, "  tls: SNI {sni} → option {}", tls.option);
        if let Some(c) = &tls.certificate {
            let _ = write!(out, "; certificate CN={}", c.subject);
            if !c.sans.is_empty() {
                let _ = write!(out, " SANs={}", c.sans.join(","));
            }
            let _ = write!(out, " issuer={} notAfter={}", c.issuer, c.not_after);
            if c.generated_default {
                out.push_str(" (the generated default certificate: none covers the SNI)");
            } else if !c.covers_sni {
                out.push_str(" (does not cover the SNI)");
            }
        }
        out.push('\n');
    }
    if let Some(refused) = &ep.refused {
        let _ = writeln!(out, "  refused: {refused}");
        return;
    }
    if let Some(seen) = &ep.seen {
        let host = if seen.host.is_empty() {
            "(none)"
        } else {
            &seen.host
        };
        let _ = write!(out, "  routed as: host {host}, path {}", seen.raw_path);
        if let Some(cleaned) = &seen.cleaned_path {
            let _ = write!(out, " → cleaned {cleaned}");
        }
        if let Some(routing) = &seen.routing_path {
            let _ = write!(out, " → matched as {routing}");
        }
        if !seen.query.is_empty() {
            let _ = write!(out, ", query {}", seen.query);
        }
        match seen.client_ip {
            Some(ip) => drop(write!(out, ", client IP {ip}")),
            None => out.push_str(", client IP unknown (--clientIP)"),
        }
        out.push('\n');
    }
    if ep.candidates.is_empty() {
        out.push_str("  no routers\n");
    } else {
        out.push_str("  routers, in match order (priority, then name):\n");
    }
    for c in &ep.candidates {
        let mark = match (c.reached, c.matched) {
            (false, _) => "·",
            (true, true) => "✓",
            (true, false) => "✗",
        };
        let _ = write!(out, "    {mark} {} (priority {})", c.router, c.priority);
        let is_winner = ep.winner.as_ref().is_some_and(|w| w.router == c.router);
        if is_winner {
            out.push_str("  ← takes the request");
        } else if !c.reached {
            out.push_str(if c.matched {
                "  not reached (would match)"
            } else {
                "  not reached"
            });
        }
        let _ = writeln!(out, "\n        rule: {}", c.trace.rule);
        if c.reached {
            node(out, &c.trace.tree, 8);
        }
    }
    match &ep.winner {
        Some(w) => {
            let _ = writeln!(out, "  winner: {}", w.router);
            if let Some(tie) = ep
                .candidates
                .iter()
                .find(|c| !c.reached && c.matched && c.priority == w.priority)
            {
                let _ = writeln!(
                    out,
                    "    priority tie with {} ({}): the first name wins, as routers are ordered",
                    tie.router, w.priority
                );
            }
            let chain: Vec<String> = w
                .middlewares
                .iter()
                .map(|m| {
                    let mut s = format!("{} ({}", m.name, m.kind);
                    if m.entry_point {
                        s.push_str(", entry point");
                    }
                    if !m.via.is_empty() {
                        let _ = write!(s, ", via {}", m.via.join(" → "));
                    }
                    s.push(')');
                    s
                })
                .collect();
            let chain = if chain.is_empty() {
                "none".to_string()
            } else {
                chain.join(" → ")
            };
            let _ = writeln!(out, "    middlewares: {chain}");
            service(out, &w.service, 4, "service");
        }
        None if !ep.candidates.is_empty() => {
            out.push_str("  no router matches: 404\n  nearest:\n");
            for n in &ep.nearest {
                let _ = writeln!(out, "    {}:", n.router);
                for m in &n.failed {
                    let want = if m.matched {
                        "must not match"
                    } else {
                        "failed"
                    };
                    let _ = writeln!(out, "      {} {want}: {}", m.text, m.reason);
                }
            }
        }
        None => {}
    }
}

fn node(out: &mut String, n: &TraceNode, indent: usize) {
    let mark = |ok: bool| if ok { "✓" } else { "✗" };
    let pad = " ".repeat(indent);
    match n {
        TraceNode::Matcher(m) => {
            let _ = writeln!(out, "{pad}{} {}: {}", mark(m.matched), m.text, m.reason);
        }
        TraceNode::Not { matched, operand } => {
            let _ = writeln!(out, "{pad}{} not", mark(*matched));
            node(out, operand, indent + 2);
        }
        TraceNode::And { matched, operands } | TraceNode::Or { matched, operands } => {
            let op = if matches!(n, TraceNode::And { .. }) {
                "all of"
            } else {
                "any of"
            };
            let _ = writeln!(out, "{pad}{} {op}", mark(*matched));
            for o in operands {
                node(out, o, indent + 2);
            }
        }
    }
}

fn service(out: &mut String, s: &ServiceExplanation, indent: usize, label: &str) {
    let pad = " ".repeat(indent);
    let _ = write!(out, "{pad}{label}: {} ({})", s.name, s.kind);
    if !s.members.is_empty() {
        let members: Vec<String> = s
            .members
            .iter()
            .map(|m| {
                let health = if m.up { "" } else { ", down" };
                match s.kind.as_str() {
                    "mirroring" => format!("{} {}%{health}", m.name, m.weight),
                    "failover" => format!("{}{health}", m.name),
                    _ => format!("{} weight {}{health}", m.name, m.weight),
                }
            })
            .collect();
        let _ = write!(out, " [{}]", members.join("; "));
    }
    out.push('\n');
    if let Some(note) = &s.note {
        let _ = writeln!(out, "{pad}  {note}");
    }
    match (&s.next, &s.pick) {
        (Some(next), Some(pick)) => {
            let _ = writeln!(out, "{pad}  → {} ({})", pick.name, pick.how);
            service(out, next, indent + 2, "service");
        }
        (None, Some(pick)) => {
            let _ = writeln!(out, "{pad}  server: {} ({})", pick.name, pick.how);
        }
        _ => {}
    }
}
