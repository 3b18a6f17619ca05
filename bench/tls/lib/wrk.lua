-- wrk script for the keep-alive HTTPS scenario.
--  * Connects to $BENCH_CONNECT (default 127.0.0.1) whatever the URL's host, so the URL
--    can name the virtual host (https://bench.local:PORT/): wrk sends it as the TLS SNI,
--    and every proxy then picks the benchmark certificate by name, without /etc/hosts.
--  * Adds one machine-readable line (prefix WRKJSON) after wrk's own report, as
--    ../shared/bench/lib/report.lua does. Only done() is defined, so wrk keeps its fast
--    static-request path. Latencies are in microseconds.
local connect_to = os.getenv("BENCH_CONNECT") or "127.0.0.1"
local resolve = wrk.resolve
wrk.resolve = function(_, service)
  resolve(connect_to, service)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%.0f,"duration_us":%.0f,"bytes":%.0f,' ..
    '"err_connect":%.0f,"err_read":%.0f,"err_write":%.0f,"err_status":%.0f,"err_timeout":%.0f,' ..
    '"p50_us":%.0f,"p90_us":%.0f,"p99_us":%.0f,"max_us":%.0f,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
