#!/usr/bin/env python3
"""Round-by-round req/s ratios of two targets from one ../shared/bench/run.sh results dir.

    bench/pgo/paired.py RESULTS_DIR [TARGET [ANCHOR [SCENARIO]]]   # default pgo haproxy h2c

The harness interleaves its targets within each round, so the ratio of two targets in the
same round cancels what drifts between rounds (a busy host's neighbours); the harness's
own "vs" column is the ratio of the two medians. Prints each round's ratio, their median
and their geometric mean, one line.
"""

import csv
import os
import re
import statistics
import sys


def rps(path):
    """req/s of one run's output (wrk or h2load), or None."""
    text = open(path).read() if os.path.exists(path) else ""
    m = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M) or re.search(
        r"finished in [\d.]+s, ([\d.]+) req/s", text
    )
    return float(m.group(1)) if m else None


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    target, anchor, scenario = (sys.argv[2:] + ["pgo", "haproxy", "h2c"][len(sys.argv) - 2 :])[:3]
    by = {}
    with open(os.path.join(out, "raw.tsv")) as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row["scenario"] == scenario and row["rc"] == "0":
                by[(row["target"], row["pin"], row["round"])] = rps(os.path.join(out, row["out"]))
    ratios = [
        v / by[(anchor, pin, rnd)]
        for (t, pin, rnd), v in sorted(by.items(), key=lambda kv: (kv[0][1], int(kv[0][2])))
        if t == target and v and by.get((anchor, pin, rnd))
    ]
    if not ratios:
        sys.exit(f"paired.py: no round has both {target} and {anchor} for {scenario} in {out}")
    print(
        f"{scenario} {target}/{anchor}: "
        + " ".join(f"{r:.2f}" for r in ratios)
        + f"; median {statistics.median(ratios):.3f}, geometric mean {statistics.geometric_mean(ratios):.3f}"
    )


if __name__ == "__main__":
    main()
