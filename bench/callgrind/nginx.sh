#!/usr/bin/env bash
# nginx's instructions per proxied request, counted the way run.sh counts the gateway's
# (#15 compares the two): the shared harness's nginx anchor configuration
# (../shared/bench/conf/nginx.conf: Host route, upstream keep-alive pool, X-Forwarded-For,
# no access log), one process (master_process off), under callgrind, serving N1 and then N2
# keep-alive requests of scenario h1 (HTTP/1.1) or h2c (prior knowledge) to the gate's
# backend; (Ir(N2) - Ir(N1)) / (N2 - N1).
#
#   bench/callgrind/nginx.sh [h1|h2c]...        # default: h1 h2c
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
conf=$here/../../../shared/bench/conf/nginx.conf
[ -f "$conf" ] || { echo "nginx.sh: the shared harness's $conf is missing" >&2; exit 1; }
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx" ] || { echo "nginx.sh: nginx is required (../shared/bench/setup.sh)" >&2; exit 1; }
n1=${GATE_N1:-1000}
n2=${GATE_N2:-6000}
# shellcheck source=lib.sh
. "$here/lib.sh"
callgrind_setup nginx.sh "$nginx"

count() {
  local scenario=$1 n=$2 port h2c run out
  port=$(free_port); h2c=$(free_port); run="$work/run.$scenario.$n"
  mkdir -p "$run/logs" "$run/tmp"
  sed -e "s|@WORKERS@|1|; s|@RUN@|$run|g; s|@PORT@|$port|g; s|@H2C_PORT@|$h2c|g" \
    -e "s|@HOST@|bench.local|g; s|@BACKEND_ADDR@|127.0.0.1:$backend|g" "$conf" > "$run/nginx.conf"
  out="$work/callgrind.nginx.$scenario.$n"
  valgrind --tool=callgrind --callgrind-out-file="$out" "$nginx" -p "$run" -c "$run/nginx.conf" \
    -g 'daemon off; master_process off;' > "$run/out.log" 2>&1 &
  local pid=$! url args=(-c 1 -m 1)
  case $scenario in
    h1) url="http://127.0.0.1:$port/"; args+=(--h1) ;;
    h2c) url="http://127.0.0.1:$h2c/" ;;
  esac
  for _ in $(seq 1 300); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: bench.local' "http://127.0.0.1:$port/")" = 200 ] && break
    sleep 0.2
  done
  if ! h2load "${args[@]}" -n "$n" -H ":authority: bench.local" "$url" > "$run/h2load.log" 2>&1 \
    || ! grep -q "status codes: $n 2xx" "$run/h2load.log"; then
    kill "$pid" 2>/dev/null || true
    echo "nginx.sh: $scenario: not every request succeeded:" >&2
    cat "$run/h2load.log" "$run/out.log" >&2
    exit 1
  fi
  kill -QUIT "$pid"
  wait "$pid" 2>/dev/null || true
  grep -E '^(summary|totals):' "$out" | head -1 | awk '{print $2}'
}

printf '%-8s %12s\n' scenario "instr/req"
for scenario in "${@:-h1 h2c}"; do
  for s in $scenario; do
    a=$(count "$s" "$n1")
    b=$(count "$s" "$n2")
    printf '%-8s %12s\n' "$s" $(( (b - a) / (n2 - n1) ))
  done
done
