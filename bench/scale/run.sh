#!/usr/bin/env bash
# The scale bench (issue #15, item 5): memory and reload time with 10,000 routers and
# services, memory and time to the first handshake with 10,000 TLS certificates. Each scenario
# also checks correctness (a random Host reaches its own service; a random SNI gets its own
# certificate, verified by curl against the bench CA) and fails when it does not hold.
#
#   bench/scale/run.sh [BINARY]        # BINARY: target/release/waygate by default
#   SCALE_ROUTES=10000 SCALE_CERTS=10000 SCALE_RELOADS=5 bench/scale/run.sh
#   SCALE_CERTS=0 bench/scale/run.sh   # the routes scenario only
#
# Figures, not a gate: compare them with the targets printed beside them. Needs python3 with
# `cryptography` (installed with pip when missing), curl and h2load.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${1:-$root/target/release/waygate}
routes=${SCALE_ROUTES:-10000}
ncerts=${SCALE_CERTS:-10000}
reloads=${SCALE_RELOADS:-5}
for tool in curl h2load python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "scale: $tool is required" >&2; exit 1; }
done
python3 -c 'import cryptography' 2>/dev/null || pip install -q cryptography
[ -x "$bin" ] || { echo "scale: $bin is not built (cargo build --release -p waygate)" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "${SCALE_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
fail() { echo "scale: $*" >&2; exit 1; }
# Seconds between two log lines' timestamps (RFC 3339, UTC).
log_delta() {
  python3 - "$1" "$2" <<'PY'
import datetime, sys
t = lambda s: datetime.datetime.fromisoformat(s.rstrip("Z").split(" ")[0][:26])
print("%.1f" % ((t(sys.argv[2]) - t(sys.argv[1])).total_seconds() * 1000))
PY
}
# Waits until `pattern` appears `count` times in the log (patience in 0.1 s steps).
wait_log() {
  local log=$1 pattern=$2 count=$3 steps=$4
  for _ in $(seq 1 "$steps"); do
    [ "$(grep -c -- "$pattern" "$log" || true)" -ge "$count" ] && return 0
    sleep 0.1
  done
  cat "$log" >&2
  fail "timed out waiting for '$pattern' ($count) in $log"
}

backends=()
for b in 0 1 2 3 4 5 6 7 8 9; do
  p=$(free_port)
  python3 "$here/../callgrind/backend.py" "$p" "b$b" &
  pids+=($!)
  backends+=("$p")
done

printf '%-44s %12s %12s\n' figure value target
report() { printf '%-44s %12s %12s\n' "$1" "$2" "$3"; }

# --- 10,000 routers and services ---------------------------------------------------------
web=$(free_port)
python3 "$here/gen.py" routes "$routes" "$work/routes.yml" "${backends[@]}"
cat > "$work/routes-static.yml" <<YML
entryPoints:
  web:
    address: 127.0.0.1:$web
providers:
  providersThrottleDuration: 0s
  file:
    filename: $work/routes.yml
    watch: true
log:
  level: INFO
YML
RUST_LOG=info "$bin" --configFile="$work/routes-static.yml" > "$work/routes.log" 2>&1 &
gw=$!
pids+=($gw)
wait_log "$work/routes.log" "configuration applied generation=[0-9]* routers=$routes " 1 600
read_line=$(grep "file provider configuration read" "$work/routes.log" | tail -1)
applied=$(grep "configuration applied generation=[0-9]* routers=$routes " "$work/routes.log" | tail -1)
report "routes: first merge+compile+swap (ms)" "$(log_delta "$read_line" "$applied")" "-"
applied_at=$SECONDS
sleep 1
report "routes: RSS after first apply (MiB)" "$(( $(rss_kib $gw) / 1024 ))" "<= 50"
# Correctness: random hosts reach their own service's backend.
for _ in $(seq 1 50); do
  k=$(( RANDOM * 32768 % routes + RANDOM % routes ))
  k=$(( k % routes ))
  got=$(curl -s -H "Host: h$k.scale.test" "http://127.0.0.1:$web/")
  [ "$got" = "b$(( k % 10 ))" ] || fail "routes: Host h$k.scale.test reached '$got', expected b$(( k % 10 ))"
done
report "routes: 50 random hosts reach their service" "ok" "ok"
# At rest: the gateway gives back the pages only its start used (waygate/src/trim.rs) a few
# seconds after starting, so the first figure includes them.
sleep $(( SECONDS < applied_at + 10 ? applied_at + 10 - SECONDS : 0 ))
report "routes: RSS at rest, 10 s after (MiB)" "$(( $(rss_kib $gw) / 1024 ))" "<= 50"
# Traffic during reloads: one-router changes while h2load keeps 4 connections busy.
h2load --h1 -c 4 -D $(( reloads * 2 + 2 )) -H ":authority: h1.scale.test" "http://127.0.0.1:$web/" \
  > "$work/h2load.log" 2>&1 &
load=$!
sleep 1
deltas=()
for j in $(seq 1 "$reloads"); do
  before=$(grep -c "configuration applied" "$work/routes.log")
  sed -i "0,/Host(\`h0[-a-z0-9]*\.scale\.test\`)/s//Host(\`h0-v$j.scale.test\`)/" "$work/routes.yml"
  wait_log "$work/routes.log" "configuration applied" $(( before + 1 )) 300
  read_line=$(grep "file provider configuration read" "$work/routes.log" | tail -1)
  applied=$(grep "configuration applied" "$work/routes.log" | tail -1)
  deltas+=("$(log_delta "$read_line" "$applied")")
  sleep 1
done
wait $load || true
report "routes: one-router change, read→applied (ms)" "$(printf '%s ' "${deltas[@]}")" "<= 100"
grep -q "succeeded, 0 failed, 0 errored" "$work/h2load.log" || { cat "$work/h2load.log"; fail "routes: requests failed during reloads"; }
report "routes: requests during reloads" "$(awk '/^requests:/ {print $2}' "$work/h2load.log") ok" "0 failed"
report "routes: max request time during reloads" "$(awk '/^time for request:/ {print $5}' "$work/h2load.log")" "-"
got=$(curl -s -H "Host: h0-v$reloads.scale.test" "http://127.0.0.1:$web/")
[ "$got" = b0 ] || fail "routes: the changed router does not serve ('$got')"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: h0.scale.test' "http://127.0.0.1:$web/")" = 404 ] \
  || fail "routes: the old rule still serves"
report "routes: RSS after reloads (MiB)" "$(( $(rss_kib $gw) / 1024 ))" "<= 50"
kill -TERM "$gw"; wait "$gw" 2>/dev/null || true
[ "$ncerts" -gt 0 ] || exit 0

# --- 10,000 TLS certificates ---------------------------------------------------------------
tls=$(free_port)
start=$(date +%s.%N)
python3 "$here/gen.py" certs "$ncerts" "$work/certs" "${backends[0]}"
report "certs: generated (s)" "$(echo "$(date +%s.%N) - $start" | bc | cut -c1-5)" "-"
cat > "$work/certs-static.yml" <<YML
entryPoints:
  websecure:
    address: 127.0.0.1:$tls
providers:
  providersThrottleDuration: 0s
  file:
    filename: $work/certs/dynamic.yml
log:
  level: INFO
YML
k=$(( (RANDOM * 32768 + RANDOM) % ncerts ))
start=$(date +%s.%N)
RUST_LOG=info "$bin" --configFile="$work/certs-static.yml" > "$work/certs.log" 2>&1 &
gw=$!
pids+=($gw)
served=0
for _ in $(seq 1 2000); do
  if [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$work/certs/ca.pem" \
      --resolve "c$k.scale.test:$tls:127.0.0.1" "https://c$k.scale.test:$tls/")" = 200 ]; then
    served=1; break
  fi
  sleep 0.01
done
[ $served = 1 ] || { cat "$work/certs.log"; fail "certs: c$k.scale.test was never served"; }
report "certs: start → first verified handshake (s)" "$(echo "$(date +%s.%N) - $start" | bc | cut -c1-5)" "< 1"
sleep 1
report "certs: RSS (MiB)" "$(( $(rss_kib $gw) / 1024 ))" "<= 150"
for _ in $(seq 1 50); do
  k=$(( (RANDOM * 32768 + RANDOM) % ncerts ))
  code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$work/certs/ca.pem" \
    --resolve "c$k.scale.test:$tls:127.0.0.1" "https://c$k.scale.test:$tls/")
  [ "$code" = 200 ] || fail "certs: SNI c$k.scale.test did not get its certificate (curl: $code)"
done
report "certs: 50 random SNIs get their certificate" "ok" "ok"
kill -TERM "$gw"; wait "$gw" 2>/dev/null || true
