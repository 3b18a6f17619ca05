//! The compatibility corpus (#16): small Traefik configurations of our own under `cases/`,
//! each standing for an integration fixture or a documentation page of Traefik (named in its
//! `case.toml`), covering the layouts (one file for both kinds, split files, directories,
//! TOML and YAML, templated files, flags, environment), key spellings and value forms
//! Traefik accepts. Every case goes through `waygate check` and a short serve; the test
//! fails on a valid configuration rejected, a crash, an unsupported feature not reported,
//! or an invalid configuration accepted. It ends with the counts and the unsupported
//! features ranked by how many cases need them (`--no-capture` shows them).
//!
//! `CORPUS_FILTER=<substring>` runs only the matching cases; `CORPUS_VERBOSE=1` prints what
//! each case reported; `CORPUS_KEEP=1` keeps the prepared directories (as a failure does).

mod case;
mod certs;
mod features;
mod outcome;
mod prepare;
mod report;
mod run;

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use case::{Case, Expect};
use outcome::Outcome;

/// One case's result.
pub(crate) struct Ran {
    pub(crate) name: String,
    pub(crate) outcome: Option<Outcome>,
    pub(crate) failures: Vec<String>,
}

#[test]
fn corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/cases");
    let filter = std::env::var("CORPUS_FILTER").unwrap_or_default();
    let cases: Vec<Case> = case::load_all(&root)
        .into_iter()
        .filter(|c| c.name.contains(&filter))
        .collect();
    assert!(!cases.is_empty(), "no corpus case matches `{filter}`");
    let work = std::env::temp_dir().join(format!("waygate-corpus-{}", std::process::id()));
    let certs = work.join("certs");
    certs::generate(&certs);

    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    // Serving mostly waits; a few cases per core keep the run short.
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()) * 4;
    std::thread::scope(|s| {
        for _ in 0..workers.min(cases.len()) {
            s.spawn(|| {
                while let Some(case) = cases.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let ran = run_case(case, &certs, &work);
                    results.lock().expect("results").push(ran);
                }
            });
        }
    });
    let mut results = results.into_inner().expect("results");
    results.sort_by(|a, b| a.name.cmp(&b.name));
    let verbose = std::env::var_os("CORPUS_VERBOSE").is_some();
    report::print(&cases, &results, verbose);
    let failed: Vec<&Ran> = results.iter().filter(|r| !r.failures.is_empty()).collect();
    if failed.is_empty() && std::env::var_os("CORPUS_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&work);
    }
    assert!(
        failed.is_empty(),
        "{} corpus case(s) failed (files kept in {}):\n{}",
        failed.len(),
        work.display(),
        failed
            .iter()
            .map(|r| format!("{}:\n  {}", r.name, r.failures.join("\n  ")))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

fn run_case(case: &Case, certs: &Path, work: &Path) -> Ran {
    let prepared = match prepare::prepare(case, certs, work.join(&case.name)) {
        Ok(p) => p,
        Err(e) => {
            return Ran {
                name: case.name.clone(),
                outcome: None,
                failures: vec![format!("cannot prepare the case: {e}")],
            };
        }
    };
    let checked = run::check(&prepared);
    let served = case.meta.serve.then(|| run::serve(&prepared));
    let outcome = outcome::outcome(&checked, served.as_ref());
    let log = served.map(|s| s.lines).unwrap_or_default();
    let mut failures = outcome::judge(case, &outcome, &log);
    if case.meta.expect != Expect::Rejected && !case.meta.serve {
        failures.push("a valid case must be served (serve = false is for rejected ones)".into());
    }
    Ran {
        name: case.name.clone(),
        outcome: Some(outcome),
        failures,
    }
}
