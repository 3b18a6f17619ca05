//! `metrics.otlp`: the registry's series as OTLP metrics, with Traefik's names (its OTLP
//! registry uses the Prometheus names). The snapshot is read from the text exposition the
//! registry already writes for `/metrics`: one place decides names, labels and values, and
//! the push (every `pushInterval`, 10 s) costs the request path nothing.

use std::collections::HashMap;

use waygate_otel::{HistogramPoint, Metric, NumberPoint, Points};

/// The registry's series now.
pub(crate) fn snapshot(registry: &super::Prometheus) -> Vec<Metric> {
    from_text(&registry.render())
}

type Labels = Vec<(String, String)>;

/// A histogram being read: cumulative bucket counts by bound, sum and count.
#[derive(Default)]
struct Hist {
    labels: Labels,
    bounds: Vec<f64>,
    cumulative: Vec<u64>,
    sum: f64,
    count: u64,
}

/// Parses the text exposition format (as `expose.rs` writes it).
fn from_text(text: &str) -> Vec<Metric> {
    let mut out: Vec<Metric> = Vec::new();
    let mut help = String::new();
    let mut hists: Vec<Hist> = Vec::new();
    let mut index: HashMap<Labels, usize> = HashMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            help = rest.split_once(' ').map_or("", |(_, h)| h).to_string();
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            finish_histograms(&mut out, &mut hists, &mut index);
            let (name, kind) = rest.split_once(' ').unwrap_or((rest, ""));
            let points = match kind {
                "counter" => Points::Sum(Vec::new()),
                "histogram" => Points::Histogram(Vec::new()),
                _ => Points::Gauge(Vec::new()),
            };
            out.push(Metric {
                name: name.to_string(),
                description: std::mem::take(&mut help),
                unit: if name.ends_with("_seconds") { "s" } else { "1" },
                points,
            });
            continue;
        }
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let Some((name, labels, value)) = sample(line) else {
            continue;
        };
        let Some(metric) = out.last_mut() else {
            continue;
        };
        match &mut metric.points {
            Points::Sum(points) | Points::Gauge(points) => {
                points.push(NumberPoint {
                    attributes: labels,
                    value,
                });
            }
            Points::Histogram(_) => {
                let suffix = name.strip_prefix(metric.name.as_str()).unwrap_or("");
                let mut labels = labels;
                let le = labels
                    .iter()
                    .position(|(k, _)| k == "le")
                    .map(|i| labels.remove(i).1);
                let i = *index.entry(labels.clone()).or_insert_with(|| {
                    hists.push(Hist {
                        labels,
                        ..Hist::default()
                    });
                    hists.len() - 1
                });
                let h = &mut hists[i];
                match (suffix, le) {
                    ("_bucket", Some(le)) if le != "+Inf" => {
                        if let Ok(bound) = le.parse() {
                            h.bounds.push(bound);
                            h.cumulative.push(value as u64);
                        }
                    }
                    ("_sum", _) => h.sum = value,
                    ("_count", _) => h.count = value as u64,
                    _ => {}
                }
            }
        }
    }
    finish_histograms(&mut out, &mut hists, &mut index);
    out
}

/// Moves the histograms read into the last metric (a histogram family), with per-bucket
/// counts (OTLP's) from the cumulative ones (Prometheus').
fn finish_histograms(
    out: &mut [Metric],
    hists: &mut Vec<Hist>,
    index: &mut HashMap<Labels, usize>,
) {
    index.clear();
    let Some(Metric {
        points: Points::Histogram(points),
        ..
    }) = out.last_mut()
    else {
        hists.clear();
        return;
    };
    for h in hists.drain(..) {
        let mut counts = Vec::with_capacity(h.cumulative.len() + 1);
        let mut previous = 0;
        for c in &h.cumulative {
            counts.push(c.saturating_sub(previous));
            previous = *c;
        }
        counts.push(h.count.saturating_sub(previous));
        points.push(HistogramPoint {
            attributes: h.labels,
            count: h.count,
            sum: h.sum,
            bounds: h.bounds,
            bucket_counts: counts,
        });
    }
}

/// `name{k="v",…} value` (labels optional).
fn sample(line: &str) -> Option<(&str, Labels, f64)> {
    let (head, value) = line.rsplit_once(' ')?;
    let value: f64 = value.parse().ok()?;
    let Some((name, rest)) = head.split_once('{') else {
        return Some((head, Vec::new(), value));
    };
    let body = rest.strip_suffix('}')?;
    Some((name, labels(body)?, value))
}

/// `k="v",k2="v2"` with `\\`, `\"` and `\n` escapes.
fn labels(mut s: &str) -> Option<Labels> {
    let mut out = Vec::new();
    while !s.is_empty() {
        let (k, rest) = s.split_once("=\"")?;
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            let (i, c) = chars.next()?;
            match c {
                '\\' => match chars.next()?.1 {
                    'n' => value.push('\n'),
                    other => value.push(other),
                },
                '"' => break i,
                c => value.push(c),
            }
        };
        out.push((k.to_string(), value));
        s = rest[end + 1..]
            .strip_prefix(',')
            .unwrap_or(&rest[end + 1..]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_counters_gauges_and_histograms() {
        let text = "# HELP a_total Things.\n# TYPE a_total counter\na_total{code=\"200\",x=\"q\\\"u\"} 3\n\
            # HELP up_g Up.\n# TYPE up_g gauge\nup_g 1\n\
            # HELP d_seconds How long.\n# TYPE d_seconds histogram\n\
            d_seconds_bucket{code=\"200\",le=\"0.1\"} 1\nd_seconds_bucket{code=\"200\",le=\"1\"} 3\n\
            d_seconds_bucket{code=\"200\",le=\"+Inf\"} 4\nd_seconds_sum{code=\"200\"} 2.5\n\
            d_seconds_count{code=\"200\"} 4\n";
        let m = from_text(text);
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].description, "Things.");
        let Points::Sum(p) = &m[0].points else {
            panic!("{m:?}")
        };
        assert_eq!(p[0].value, 3.0);
        assert_eq!(p[0].attributes[1], ("x".to_string(), "q\"u".to_string()));
        assert!(matches!(&m[1].points, Points::Gauge(p) if p[0].value == 1.0));
        let Points::Histogram(h) = &m[2].points else {
            panic!("{m:?}")
        };
        assert_eq!(m[2].unit, "s");
        assert_eq!(
            h[0].attributes,
            vec![("code".to_string(), "200".to_string())]
        );
        assert_eq!(h[0].bounds, vec![0.1, 1.0]);
        assert_eq!(h[0].bucket_counts, vec![1, 2, 1]);
        assert_eq!((h[0].count, h[0].sum), (4, 2.5));
    }
}
