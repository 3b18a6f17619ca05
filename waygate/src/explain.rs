//! `waygate explain --configFile=F 'GET https://app.example.com/api?x=1' -H 'X-Env: canary'`:
//! which router takes a request and why. Loads the static configuration and the file
//! provider's dynamic files as `check` does, merges them as serving does, compiles the
//! runtime table (`waygate_proxy::dry_table`), and asks it (`RuntimeTable::explain`).
//!
//! Exit 0 when a router takes the request on some entry point, 1 when none does, 2 on a bad
//! command line or request.

mod args;
mod text;

use std::process::ExitCode;
use std::sync::Arc;

use waygate_provider::{Aggregator, FileProvider, internal};
use waygate_proxy::table::ExplainRequest;

pub(crate) fn run(argv: &[String]) -> ExitCode {
    let usage = |e: String| {
        eprintln!("waygate explain: {e}");
        ExitCode::from(2)
    };
    let ex = match args::split(argv) {
        Ok(a) => a,
        Err(e) => return usage(e),
    };
    let common = match crate::args::parse(&ex.rest) {
        Ok(a) => a,
        Err(e) => return usage(e),
    };
    let json = match common.format.as_deref() {
        None | Some("text") => false,
        Some("json") => true,
        Some(other) => return usage(format!("unknown --format `{other}` (use text or json)")),
    };
    let Some(url) = ex.url else {
        return usage("which request? e.g. 'GET https://app.example.com/api'".to_string());
    };
    let client_ip = match ex.client_ip.as_deref().map(str::parse) {
        None => None,
        Some(Ok(ip)) => Some(ip),
        Some(Err(_)) => return usage("--clientIP needs an IP address".to_string()),
    };
    let request = ExplainRequest {
        method: ex.method.unwrap_or_else(|| "GET".to_string()),
        url,
        headers: ex.headers,
        entry_point: ex.entry_point,
        client_ip,
    };
    let st = match crate::static_load::load(&common) {
        Ok(st) => st.config,
        Err(e) => {
            eprintln!("waygate explain: {e}");
            return ExitCode::from(1);
        }
    };
    let mut snapshots = vec![internal(&st)];
    if let Some(fp) = st.providers.as_ref().and_then(|p| p.file.as_ref()) {
        snapshots.push(FileProvider::new(fp).load());
    }
    if st.providers.as_ref().is_some_and(|p| p.docker.is_some()) {
        eprintln!("waygate explain: note: the Docker provider's routers are not read");
    }
    let merged = Aggregator::merge_once(Arc::new(st.clone()), snapshots);
    let (table, issues) = waygate_proxy::dry_table(&st, &merged.config, &merged.issues);
    let errors = issues.iter().filter(|i| i.is_error()).count();
    if errors > 0 {
        eprintln!(
            "waygate explain: note: {errors} configuration error(s) disable some items \
             (`waygate check` lists them); disabled routers are not candidates"
        );
    }
    let explanation = match table.explain(&st, &request) {
        Ok(e) => e,
        Err(e) => return usage(e),
    };
    if json {
        match serde_json::to_string_pretty(&explanation) {
            Ok(text) => crate::out::outln!("{text}"),
            Err(e) => eprintln!("waygate explain: {e}"),
        }
    } else {
        crate::out::print(&text::render(&explanation));
    }
    if explanation.entry_points.iter().any(|e| e.winner.is_some()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
