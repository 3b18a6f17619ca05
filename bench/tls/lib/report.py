#!/usr/bin/env python3
"""Tables of a bench/tls/run.sh results folder (standard library only).

  report.py OUTDIR    parse OUTDIR/raw.tsv and the per-run outputs in OUTDIR/runs/,
                      print the tables and write table.md and summary.json

Can be re-run on an existing results folder at any time.
"""
import csv
import json
import os
import re
import statistics
import sys

SCENARIO_TEXT = {
    "handshake": "a new connection and a full TLS 1.3 handshake per request (ab, no "
                 "resumption), GET / (2-byte body)",
    "keepalive": "HTTPS keep-alive: HTTP/1.1 over TLS 1.3, connections reused (wrk), "
                 "GET / (2-byte body)",
}


def fnum(x):
    try:
        return None if x is None or x == "" else float(x)
    except ValueError:
        return None


def parse_wrk(text):
    m = re.search(r"^WRKJSON (\{.*\})\s*$", text, re.M)
    if not m:
        return None
    j = json.loads(m.group(1))
    dur = j["duration_us"] / 1e6
    return {
        "requests": j["requests"],
        "rps": j["requests"] / dur if dur > 0 else None,
        "p50_ms": j["p50_us"] / 1000.0,
        "p99_ms": j["p99_us"] / 1000.0,
        "errors": j["err_connect"] + j["err_read"] + j["err_write"] + j["err_timeout"],
        "non2xx": j["err_status"],
    }


def parse_ab(text, csv_path):
    m = re.search(r"^Requests per second:\s+([0-9.]+)", text, re.M)
    if not m:
        return None
    r = {"rps": float(m.group(1))}
    m = re.search(r"^Complete requests:\s+(\d+)", text, re.M)
    r["requests"] = int(m.group(1)) if m else None
    m = re.search(r"^Failed requests:\s+(\d+)", text, re.M)
    r["errors"] = int(m.group(1)) if m else 0
    m = re.search(r"^Non-2xx responses:\s+(\d+)", text, re.M)
    r["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"^SSL/TLS Protocol:\s+(\S+)", text, re.M)
    r["tls"] = m.group(1) if m else None
    # ab -e: "Percentage served,Time in ms" for 0..100 %; time from the start of the TCP
    # connect to the end of the response, so it includes the handshake.
    if os.path.exists(csv_path):
        pct = {}
        with open(csv_path) as f:
            for row in csv.reader(f):
                if len(row) == 2 and row[0].isdigit():
                    pct[int(row[0])] = float(row[1])
        r["p50_ms"], r["p99_ms"] = pct.get(50), pct.get(99)
    return r


def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def fmt(v, nd=0, suffix=""):
    if v is None:
        return "-"
    if nd == 0:
        return "{:,.0f}{}".format(v, suffix)
    return "{:.{}f}{}".format(v, nd, suffix)


def read_kv(path, sep=": "):
    env = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if sep in line:
                    k, v = line.rstrip("\n").split(sep, 1)
                    env[k] = v
    return env


def load_runs(outdir):
    runs = []
    with open(os.path.join(outdir, "raw.tsv")) as f:
        for row in csv.DictReader(f, delimiter="\t"):
            out_file = os.path.join(outdir, row["out"])
            text = open(out_file).read() if os.path.exists(out_file) else ""
            if row["tool"] == "ab":
                parsed = parse_ab(text, out_file[: -len(".txt")] + ".csv")
            else:
                parsed = parse_wrk(text)
            run = dict(row)
            run["parsed_ok"] = parsed is not None
            run.update(parsed or {})
            hz, el = float(row["hz"]), float(row["elapsed_s"])
            pt = fnum(row["proxy_ticks"]) or 0.0
            bt = fnum(row["backend_ticks"]) or 0.0
            lt = fnum(row["loadgen_ticks"]) or 0.0
            busy = fnum(row["busy_ticks"]) or 0.0
            reqs = run.get("requests")
            run["proxy_cpu_pct"] = pt / hz / el * 100.0 if el > 0 else None
            run["proxy_us_per_req"] = pt / hz * 1e6 / reqs if reqs else None
            run["lg_backend_cpu_pct"] = (lt + bt) / hz / el * 100.0 if el > 0 else None
            run["other_cpu_pct"] = max(0.0, (busy - pt - bt - lt) / hz / el * 100.0) if el > 0 else None
            # Time the hypervisor gave this VM's CPUs to others: invisible noise otherwise.
            st = fnum(row.get("steal_ticks"))
            run["steal_pct"] = st / hz / el * 100.0 if st is not None and el > 0 else None
            kb = fnum(row["proxy_hwm_kb"])
            run["peak_rss_mib"] = kb / 1024.0 if kb else None
            run["upstream_conns"] = fnum(row["upstream_conns"])
            runs.append(run)
    return runs


def summarize(runs):
    groups, order = {}, []
    for r in runs:
        key = (r["scenario"], r["target"])
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(r)
    summary = []
    for scen, target in order:
        rs = groups[(scen, target)]
        rps = [r["rps"] for r in rs if r.get("rps") is not None]
        m = med(rps)
        us = med([r.get("proxy_us_per_req") for r in rs])
        summary.append({
            "scenario": scen, "target": target, "rounds": len(rs),
            "rps_median": m, "rps_rounds": rps,
            "spread_pct": (max(rps) - min(rps)) / m * 100.0 if rps and m else None,
            "p50_ms": med([r.get("p50_ms") for r in rs]),
            "p99_ms": med([r.get("p99_ms") for r in rs]),
            "errors": sum(r.get("errors") or 0 for r in rs),
            "non2xx": sum(r.get("non2xx") or 0 for r in rs),
            "failed_runs": sum(1 for r in rs if not r["parsed_ok"] or r.get("rc") != "0"),
            "proxy_cpu_pct": med([r.get("proxy_cpu_pct") for r in rs]),
            "proxy_us_per_req": us,
            # What one core could do at this CPU cost: the figure to compare when the load
            # generator, not the proxy, is the bottleneck.
            "per_core": 1e6 / us if us else None,
            "peak_rss_mib": max([r["peak_rss_mib"] for r in rs if r.get("peak_rss_mib")], default=None),
            "upstream_conns": med([r.get("upstream_conns") for r in rs]),
            "lg_backend_cpu_pct": med([r.get("lg_backend_cpu_pct") for r in rs]),
            "other_cpu_pct": med([r.get("other_cpu_pct") for r in rs]),
            "steal_pct": med([r.get("steal_pct") for r in rs]),
        })
    base = {(g["scenario"]): g for g in summary if g["target"] == "nginx"}
    for g in summary:
        b = base.get(g["scenario"])
        g["vs_nginx"] = g["rps_median"] / b["rps_median"] if b and b["rps_median"] and g["rps_median"] else None
        g["per_core_vs_nginx"] = g["per_core"] / b["per_core"] if b and b["per_core"] and g["per_core"] else None
    return summary


def render(outdir, runs, summary):
    env = read_kv(os.path.join(outdir, "env.txt"))
    tls = {}
    p = os.path.join(outdir, "tls-params.tsv")
    if os.path.exists(p):
        with open(p) as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) == 5:
                    tls[parts[0]] = "%s %s, %s, %s" % tuple(parts[1:])
    L = ["# TLS benchmark results", ""]
    for k in ("date", "command", "uptime_start", "uptime_end", "other_builds_start",
              "other_builds_end", "host", "cpu_model", "pin", "load", "certificate",
              "version.nginx", "version.haproxy", "version.caddy", "version.openssl",
              "version.ab", "version.wrk", "repo_head"):
        if k in env:
            L.append("- %s: `%s`" % (k, env[k]))
    for k in sorted(env):
        if k.startswith("binary."):
            L.append("- %s: `%s`" % (k, env[k]))
    other = med([r.get("other_cpu_pct") for r in runs])
    builds = " ".join(env.get(k, "") for k in ("other_builds_start", "other_builds_end"))
    if (other is not None and other > 10.0) or re.search(r"[1-9]\d* (cargo|rustc)", builds):
        L += ["", "**NOISY RUN**: other programs used a median %s%% of a core during the "
              "measured runs (or cargo/rustc were running). Compare ratios within this run, "
              "and proxy µs/req first." % fmt(other)]

    by = {(g["scenario"], g["target"]): g for g in summary}
    targets = []
    for g in summary:
        if g["target"] not in targets:
            targets.append(g["target"])
    L += ["", "## Summary", "",
          "Medians over rounds, one worker per proxy. handshakes/s: ab, a new connection and a "
          "full TLS 1.3 handshake per request; p99 includes connect + handshake + response. "
          "keep-alive: wrk, 64 reused connections. hs/s per core = 10^6 / proxy µs per "
          "handshake: what one core of that proxy could sustain (the load generator, not the "
          "proxy, limits the measured rate when the proxy CPU % is below ~95).", "",
          "| proxy | handshakes/s | vs nginx | p99 ms | proxy CPU % | µs/handshake | hs/s per core | vs nginx "
          "| keep-alive req/s | vs nginx | p99 ms | proxy CPU % | µs/req |",
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for t in targets:
        h, k = by.get(("handshake", t), {}), by.get(("keepalive", t), {})
        L.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            t, fmt(h.get("rps_median")), fmt(h.get("vs_nginx"), 2), fmt(h.get("p99_ms"), 1),
            fmt(h.get("proxy_cpu_pct")), fmt(h.get("proxy_us_per_req"), 0),
            fmt(h.get("per_core")), fmt(h.get("per_core_vs_nginx"), 2),
            fmt(k.get("rps_median")), fmt(k.get("vs_nginx"), 2), fmt(k.get("p99_ms"), 2),
            fmt(k.get("proxy_cpu_pct")), fmt(k.get("proxy_us_per_req"), 1)))

    for scen in [s for s in SCENARIO_TEXT if any(g["scenario"] == s for g in summary)]:
        L += ["", "## %s — %s" % (scen, SCENARIO_TEXT[scen]), "",
              "| target | req/s | rounds | spread | vs nginx | p50 ms | p99 ms | errors | non-2xx "
              "| proxy CPU % | proxy µs/req | per core | vs nginx | peak RSS MiB | upstream conns "
              "| lg+backend CPU % | other CPU % | steal % |",
              "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for g in [g for g in summary if g["scenario"] == scen]:
            name = g["target"] + (" (!%d failed runs)" % g["failed_runs"] if g["failed_runs"] else "")
            L.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                name, fmt(g["rps_median"]), " ".join(fmt(v) for v in g["rps_rounds"]),
                fmt(g["spread_pct"], 0, "%"), fmt(g["vs_nginx"], 2),
                fmt(g["p50_ms"], 2), fmt(g["p99_ms"], 2), fmt(g["errors"]), fmt(g["non2xx"]),
                fmt(g["proxy_cpu_pct"]), fmt(g["proxy_us_per_req"], 1), fmt(g["per_core"]),
                fmt(g["per_core_vs_nginx"], 2), fmt(g["peak_rss_mib"], 1),
                fmt(g["upstream_conns"]), fmt(g["lg_backend_cpu_pct"]), fmt(g["other_cpu_pct"]),
                fmt(g["steal_pct"], 1)))
    if tls:
        L += ["", "## Negotiated (openssl s_client -tls1_3)", ""]
        L += ["- %s: %s" % (t, tls[t]) for t in targets if t in tls]
    return "\n".join(L) + "\n"


def main():
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__)
        sys.exit(2)
    outdir = sys.argv[1]
    runs = load_runs(outdir)
    summary = summarize(runs)
    table = render(outdir, runs, summary)
    with open(os.path.join(outdir, "table.md"), "w") as f:
        f.write(table)
    keys = ["scenario", "target", "round", "tool", "out", "rps", "requests", "p50_ms", "p99_ms",
            "errors", "non2xx", "proxy_cpu_pct", "proxy_us_per_req", "peak_rss_mib",
            "upstream_conns", "lg_backend_cpu_pct", "other_cpu_pct", "steal_pct", "elapsed_s", "load1", "rc"]
    with open(os.path.join(outdir, "summary.json"), "w") as f:
        json.dump({"env": read_kv(os.path.join(outdir, "env.txt")), "summary": summary,
                   "runs": [{k: r.get(k) for k in keys} for r in runs]}, f, indent=1)
    sys.stdout.write("\n" + table)


if __name__ == "__main__":
    main()
