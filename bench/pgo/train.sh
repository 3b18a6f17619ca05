#!/usr/bin/env bash
# PGO training run: drives an instrumented gateway (built with -Cprofile-generate) through the
# gate's workloads so its profile reflects the request paths the benchmarks measure.
#
#   bench/pgo/train.sh BINARY PROFDIR
#
# Two gateway processes run one after the other: the gate's routes (bench/callgrind/static.yml,
# dynamic.yml: plain, three-middleware chain, rateLimit+circuitBreaker+retry) served over
# HTTP/1.1, h2c, HTTP/1.1 over TLS and HTTP/2 over TLS; then the same with the observability of
# bench/observability/on.yml (Prometheus metrics, JSON access log to a file, OTLP tracing at
# sampleRate 0.1). Each exits on SIGTERM and writes a .profraw into PROFDIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cg=$here/../callgrind
bin=${1:?usage: train.sh BINARY PROFDIR}
prof=${2:?usage: train.sh BINARY PROFDIR}
mkdir -p "$prof"
# shellcheck source=../callgrind/lib.sh
. "$cg/lib.sh"
backend_setup train.sh "$bin"

load() { # N, then args for h2load: every request must get a 2xx
  h2load_ok "$@" || { echo "train.sh: h2load $* failed:" >&2; cat "$work/h2load.log" >&2; exit 1; }
}

run() { # scenario: h1 (the gate's routes) or obs (with bench/observability/on.yml's set)
  local web tls traefik gw
  gate_config "$1" train
  WAYGATE_WORKERS=1 LLVM_PROFILE_FILE="$prof/waygate-%p-%m.profraw" \
    "$bin" --configFile="$work/static.yml" > "$work/gateway.log" 2>&1 &
  gw=$!
  for _ in $(seq 1 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: bench.local' "http://127.0.0.1:$web/")" = 200 ] && break
    sleep 0.1
  done
  local h="http://127.0.0.1:$web" s="https://127.0.0.1:$tls" n=${PGO_REQUESTS:-40000}
  load "$n" --h1 -c 16 -m 1 -H ':authority: bench.local' "$h/"
  load "$n" -c 16 -m 4 -H ':authority: bench.local' "$h/"
  load "$((n / 2))" --h1 -c 16 -m 1 -H ':authority: bench.local' "$s/"
  load "$((n / 2))" -c 16 -m 4 -H ':authority: bench.local' "$s/"
  load "$((n / 2))" --h1 -c 16 -m 1 -H ':authority: chain.local' "$h/api/x"
  load "$((n / 2))" --h1 -c 16 -m 1 -H ':authority: resil.local' "$h/"
  [ -n "$traefik" ] && curl -s -o /dev/null "http://127.0.0.1:$traefik/metrics"
  kill -TERM "$gw"
  wait "$gw" || { echo "train.sh: the gateway did not exit cleanly; its log:" >&2; cat "$work/gateway.log" >&2; exit 1; }
}

run h1
run obs
ls "$prof"/*.profraw > /dev/null
