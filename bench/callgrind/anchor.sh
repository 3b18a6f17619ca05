#!/usr/bin/env bash
# An anchor's instructions per proxied request, counted the way run.sh counts the gateway's
# (#15 compares them): the shared harness's configuration of nginx or HAProxy
# (../shared/bench/conf/nginx.conf, haproxy.cfg: Host route, upstream keep-alive reuse,
# X-Forwarded-For, no access log), one process and one thread, under callgrind, serving N1
# and then N2 keep-alive requests of scenario h1 (HTTP/1.1) or h2c (prior knowledge) to the
# gate's backend; (Ir(N2) - Ir(N1)) / (N2 - N1).
#
#   bench/callgrind/anchor.sh nginx|haproxy [h1|h2c]...        # default: h1 h2c
#
# GATE_KEEP=DIR, GATE_CACHE=1, GATE_CONNS and GATE_STREAMS as in run.sh (keep the profiles;
# simulate the caches; h2load's -c and -m).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
anchor=${1:-}
case $anchor in
  nginx) conf=$here/../../../shared/bench/conf/nginx.conf ;;
  haproxy) conf=$here/../../../shared/bench/conf/haproxy.cfg ;;
  *) echo "usage: anchor.sh nginx|haproxy [h1|h2c]..." >&2; exit 2 ;;
esac
shift
[ -f "$conf" ] || { echo "anchor.sh: the shared harness's $conf is missing" >&2; exit 1; }
exe=$(command -v "$anchor" || echo "/usr/sbin/$anchor")
[ -x "$exe" ] || { echo "anchor.sh: $anchor is required (../shared/bench/setup.sh)" >&2; exit 1; }
n1=${GATE_N1:-1000}
n2=${GATE_N2:-6000}
sim=()
[ "${GATE_CACHE:-0}" = 1 ] && sim=(--cache-sim=yes --branch-sim=yes)
# shellcheck source=lib.sh
. "$here/lib.sh"
callgrind_setup anchor.sh "$exe"

count() {
  local scenario=$1 n=$2 port h2c run out cfg
  port=$(free_port); h2c=$(free_port); run="$work/run.$scenario.$n"
  mkdir -p "$run/logs" "$run/tmp"
  cfg="$run/$(basename "$conf")"
  sed -e "s|@WORKERS@|1|; s|@RUN@|$run|g; s|@PORT@|$port|g; s|@H2C_PORT@|$h2c|g" \
    -e "s|@HOST@|bench.local|g; s|@BACKEND_ADDR@|127.0.0.1:$backend|g" "$conf" > "$cfg"
  out="$work/callgrind.$anchor.$scenario.$n"
  local cmd=("$exe" -p "$run" -c "$cfg" -g 'daemon off; master_process off;')
  [ "$anchor" = haproxy ] && cmd=("$exe" -db -f "$cfg")
  valgrind --tool=callgrind "${sim[@]}" --callgrind-out-file="$out" "${cmd[@]}" > "$run/out.log" 2>&1 &
  local pid=$! url args=(-c "${GATE_CONNS:-1}" -m "${GATE_STREAMS:-1}")
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
    echo "anchor.sh: $anchor $scenario: not every request succeeded:" >&2
    cat "$run/h2load.log" "$run/out.log" >&2
    exit 1
  fi
  # Both exit cleanly (callgrind writes its profile at exit): nginx on QUIT, HAProxy on USR1
  # (soft stop).
  if [ "$anchor" = haproxy ]; then kill -USR1 "$pid"; else kill -QUIT "$pid"; fi
  wait "$pid" 2>/dev/null || true
  if [ -n "${GATE_KEEP:-}" ]; then mkdir -p "$GATE_KEEP" && cp "$out" "$GATE_KEEP/"; fi
  grep -E '^(summary|totals):' "$out" | head -1 | awk '{print $2}'
}

printf '%-8s %-8s %12s\n' anchor scenario "instr/req"
for scenario in "${@:-h1 h2c}"; do
  for s in $scenario; do
    a=$(count "$s" "$n1")
    b=$(count "$s" "$n2")
    printf '%-8s %-8s %12s\n' "$anchor" "$s" $(( (b - a) / (n2 - n1) ))
  done
done
