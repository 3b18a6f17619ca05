#!/usr/bin/env bash
# Instructions per request of each traffic protection middleware, counted as the gate does
# (bench/callgrind/run.sh: callgrind, one worker, h2load on one HTTP/1.1 keep-alive
# connection, (Ir(N2) - Ir(N1)) / (N2 - N1)), one route per middleware (callgrind.yml).
#
#   bench/resilience/callgrind.sh [BINARY] [HOST...]
#
# BINARY: target/release/waygate by default; HOSTs: every route of callgrind.yml by default.
# The `plain` row is the same request without middlewares; subtract it for a middleware's
# cost. Figures are not budgets: the gate's `resil` scenario is.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${1:-$root/target/release/waygate}
[ $# -gt 0 ] && shift
hosts=("$@")
[ ${#hosts[@]} -gt 0 ] || hosts=(bench.local rate-limit.local breaker.local breaker-latency.local
  retry.local buffering.local resil.local)
n1=${GATE_N1:-1000}
n2=${GATE_N2:-6000}

# shellcheck source=../callgrind/lib.sh
. "$root/bench/callgrind/lib.sh"
callgrind_setup callgrind.sh "$bin"
sed -e "s|@BACKEND@|$backend|" "$here/callgrind.yml" > "$work/dynamic.yml"

# One gateway under callgrind serving `n` requests for `host`; prints its total Ir.
count() {
  local host=$1 n=$2 web out
  web=$(free_port)
  printf 'entryPoints:\n  web:\n    address: 127.0.0.1:%s\nproviders:\n  file:\n    filename: %s\n    watch: false\n' \
    "$web" "$work/dynamic.yml" > "$work/static.yml"
  out="$work/callgrind.$host.$n"
  WAYGATE_WORKERS=1 valgrind --tool=callgrind --callgrind-out-file="$out" \
    "$bin" --configFile="$work/static.yml" > "$work/gateway.log" 2>&1 &
  local gw=$! ready=0
  for _ in $(seq 1 300); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $host" "http://127.0.0.1:$web/")" = 200 ]; then
      ready=1; break
    fi
    sleep 0.2
  done
  if [ $ready = 0 ]; then
    kill "$gw" 2>/dev/null || true
    echo "callgrind.sh: the gateway did not serve $host; its log:" >&2
    cat "$work/gateway.log" >&2
    exit 1
  fi
  if ! h2load -c 1 -m 1 --h1 -n "$n" -H ":authority: $host" "http://127.0.0.1:$web/" > "$work/h2load.log" 2>&1 \
    || ! grep -qE "status codes: $n 2xx" "$work/h2load.log"; then
    kill "$gw" 2>/dev/null || true
    echo "callgrind.sh: $host: not every request succeeded:" >&2
    cat "$work/h2load.log" >&2
    exit 1
  fi
  kill -TERM "$gw"
  wait "$gw" 2>/dev/null || true
  grep -E '^(summary|totals):' "$out" | head -1 | awk '{print $2}'
}

printf '%-22s %10s %8s\n' route "instr/req" "vs plain"
plain=""
for host in "${hosts[@]}"; do
  a=$(count "$host" "$n1")
  b=$(count "$host" "$n2")
  per=$(( (b - a) / (n2 - n1) ))
  [ "$host" = bench.local ] && plain=$per
  delta="-"
  if [ -n "$plain" ] && [ "$host" != bench.local ]; then
    delta=$(awk -v p="$per" -v b="$plain" 'BEGIN { printf "%+.1f%%", (p - b) * 100 / b }')
  fi
  printf '%-22s %10s %8s\n' "${host%.local}" "$per" "$delta"
done
