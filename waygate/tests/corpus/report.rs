//! The corpus summary: counts by verdict and the unsupported features ranked by how many
//! cases need them (printed with `eprintln!`, shown by `--no-capture`).

use std::collections::BTreeMap;

use crate::Ran;
use crate::case::{Case, Expect};

pub(crate) fn print(cases: &[Case], results: &[Ran], verbose: bool) {
    let outcomes: Vec<_> = results.iter().filter_map(|r| r.outcome.as_ref()).collect();
    let count = |v: Expect| outcomes.iter().filter(|o| o.verdict == v).count();
    let exit1 = outcomes
        .iter()
        .filter(|o| o.verdict == Expect::Unsupported && o.check_failed_on_unsupported)
        .count();
    let deprecated = outcomes
        .iter()
        .filter(|o| !o.deprecations.is_empty())
        .count();
    let crashes: usize = outcomes.iter().map(|o| o.crashes.len()).sum();
    let failed = results.iter().filter(|r| !r.failures.is_empty()).count();
    eprintln!(
        "\ncorpus: {} cases: {} accepted, {} reported as unsupported ({exit1} of them make \
         `check` exit 3: unsupported features only, the items that need them are disabled), {} correctly \
         rejected; {deprecated} with deprecation notices; {crashes} crashes; {failed} failed",
        results.len(),
        count(Expect::Accepted),
        count(Expect::Unsupported),
        count(Expect::Rejected),
    );
    let mut features: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    // Valid cases only: what a rejected case also uses is not what keeps it from working.
    for r in results {
        let valid = r
            .outcome
            .iter()
            .filter(|o| o.verdict == Expect::Unsupported);
        for (f, _) in valid.flat_map(|o| o.unsupported.iter()) {
            features
                .entry(f.as_str())
                .or_default()
                .push(r.name.as_str());
        }
    }
    let mut ranked: Vec<_> = features.into_iter().collect();
    ranked.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    eprintln!("unsupported features, by the number of cases needing them:");
    for (f, names) in &ranked {
        eprintln!("  {:3}  {f}", names.len());
    }
    if verbose {
        for (case, r) in cases.iter().zip(results) {
            let Some(o) = &r.outcome else { continue };
            eprintln!(
                "\n{} ({:?}, expected {:?}; {})",
                r.name,
                o.verdict,
                case.meta.expect,
                case.meta.stands_for.join(", ")
            );
            for e in &o.errors {
                eprintln!("  error: {e}");
            }
            for (f, t) in &o.unsupported {
                eprintln!("  unsupported [{f}]: {t}");
            }
            for d in &o.deprecations {
                eprintln!("  deprecated: {d}");
            }
            for e in &o.serve_errors {
                eprintln!("  serve error: {e}");
            }
        }
    }
}
