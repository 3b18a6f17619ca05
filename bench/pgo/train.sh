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
for tool in h2load curl python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "train.sh: $tool is required" >&2; exit 1; }
done
mkdir -p "$prof"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
backend=$(free_port)
python3 "$cg/backend.py" "$backend" &
pids+=($!)

load() { # args for h2load...
  local log=$work/h2load.log
  if ! h2load "$@" > "$log" 2>&1 || ! grep -q "succeeded, 0 failed" "$log"; then
    echo "train.sh: h2load $* failed:" >&2; cat "$log" >&2; exit 1
  fi
}

run() { # obs(0|1)
  local web tls traefik gw
  web=$(free_port); tls=$(free_port); traefik=$(free_port)
  sed -e "s|@DIR@|$work|; s|@WEB@|$web|; s|@TLS@|$tls|" "$cg/static.yml" > "$work/static.yml"
  sed -e "s|@BACKEND@|$backend|" "$cg/dynamic.yml" > "$work/dynamic.yml"
  if [ "$1" = 1 ]; then
    sed -i -e "s|^entryPoints:|entryPoints:\n  traefik:\n    address: 127.0.0.1:$traefik|" "$work/static.yml"
    cat >> "$work/static.yml" <<YML
metrics:
  prometheus:
    addEntryPointsLabels: true
    addRoutersLabels: true
    addServicesLabels: true
accessLog:
  filePath: $work/access.log
  format: json
tracing:
  sampleRate: 0.1
  otlp:
    http:
      endpoint: http://127.0.0.1:$backend/v1/traces
YML
  fi
  WAYGATE_WORKERS=1 LLVM_PROFILE_FILE="$prof/waygate-%p-%m.profraw" \
    "$bin" --configFile="$work/static.yml" > "$work/gateway.log" 2>&1 &
  gw=$!
  for _ in $(seq 1 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: bench.local' "http://127.0.0.1:$web/")" = 200 ] && break
    sleep 0.1
  done
  local h="http://127.0.0.1:$web" s="https://127.0.0.1:$tls" n=${PGO_REQUESTS:-40000}
  load --h1 -c 16 -m 1 -n "$n" -H ':authority: bench.local' "$h/"
  load -c 16 -m 4 -n "$n" -H ':authority: bench.local' "$h/"
  load --h1 -c 16 -m 1 -n "$((n / 2))" -H ':authority: bench.local' "$s/"
  load -c 16 -m 4 -n "$((n / 2))" -H ':authority: bench.local' "$s/"
  load --h1 -c 16 -m 1 -n "$((n / 2))" -H ':authority: chain.local' "$h/api/x"
  load --h1 -c 16 -m 1 -n "$((n / 2))" -H ':authority: resil.local' "$h/"
  [ "$1" = 1 ] && curl -s -o /dev/null "http://127.0.0.1:$traefik/metrics"
  kill -TERM "$gw"
  wait "$gw" || { echo "train.sh: the gateway did not exit cleanly; its log:" >&2; cat "$work/gateway.log" >&2; exit 1; }
}

run 0
run 1
ls "$prof"/*.profraw > /dev/null
