#!/usr/bin/env bash
# What the jwt middleware costs per request, in user-space instructions (valgrind's
# callgrind, as bench/callgrind/run.sh counts them: (Ir(N2) - Ir(N1)) / (N2 - N1), one worker,
# one keep-alive HTTP/1.1 connection from h2load). Fresh keys and tokens each run (gen.py).
#
#   bench/jwt/run.sh [BINARY]        # BINARY: target/release/waygate by default
#
# Scenarios (routers by Host, see gen.py):
#   plain        a headers middleware adds a bearer token (the baseline of rs/es)
#   rs, es       the same, then jwt with an RS256 / ES256 public key: the token is the same
#                on every request, so it is verified once and then remembered
#   bare         no middleware, a different ?t=<token> on every request (baseline of rsv/esv)
#   rsv, esv     jwt reading that token: every request is a full RS256 / ES256 verification
#
# Measured December 2026 (2 cores, release build, glibc, this machine kind), instructions per
# request and the difference with the scenario's baseline:
#   plain 42,065 | rs 46,162 (+4,097, +9.7 %) | es 45,118 (+3,053, +7.3 %)
#   bare  45,686 | rsv 394,854 (+349,168)     | esv 811,439 (+765,753)
# A remembered token costs its SipHash tag, a clock check, the header copy; with the earlier
# HMAC-SHA256 tag the previous build gave rs +24,532 and es +15,592 (plain 41,492). A verification is the
# signature itself (aws-lc-rs; under valgrind without the CPU's SHA extensions), done once
# per token and minute: RS256 (e = 65537) is half the price of ES256.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${1:-$root/target/release/waygate}
python3 -c 'import cryptography' 2>/dev/null || { echo "run.sh: python3-cryptography is required" >&2; exit 1; }
# shellcheck source=../callgrind/lib.sh
. "$root/bench/callgrind/lib.sh"
callgrind_setup run.sh "$bin"
python3 "$here/gen.py" "$work" "$backend" "${JWT_TOKENS:-1300}"

# One gateway under callgrind serving `n` requests for `host`; prints its total Ir.
count() {
  local host=$1 n=$2 web out uris=()
  web=$(free_port)
  printf 'entryPoints:\n  web:\n    address: 127.0.0.1:%s\nlog:\n  level: ERROR\nproviders:\n  file:\n    filename: %s/dynamic.yml\n    watch: false\n' \
    "$web" "$work" > "$work/static.yml"
  out="$work/callgrind.$host.$n"
  WAYGATE_WORKERS=1 valgrind --tool=callgrind --callgrind-out-file="$out" \
    "$bin" --configFile="$work/static.yml" > "$work/gateway.log" 2>&1 &
  local gw=$!
  local probe=/ ready=0
  case $host in
    rsv.*|esv.*|bare.*)
      local alg=RS256
      [ "${host%%.*}" = esv ] && alg=ES256
      uris=(-i "$work/uris.$alg")
      probe=$(tail -1 "$work/uris.$alg") ;;
  esac
  for _ in $(seq 1 300); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $host" "http://127.0.0.1:$web$probe")" = 200 ]; then
      ready=1; break
    fi
    sleep 0.2
  done
  if [ $ready = 0 ]; then
    kill "$gw" 2>/dev/null || true
    echo "run.sh: the gateway did not serve $host; its log:" >&2
    cat "$work/gateway.log" >&2
    exit 1
  fi
  local target=("http://127.0.0.1:$web/")
  [ ${#uris[@]} -gt 0 ] && target=(-B "http://127.0.0.1:$web" "${uris[@]}")
  if ! h2load --h1 -c 1 -m 1 -n "$n" -H ":authority: $host" "${target[@]}" > "$work/h2load.log" 2>&1 \
    || ! grep -qE "status codes: $n 2xx" "$work/h2load.log"; then
    kill "$gw" 2>/dev/null || true
    echo "run.sh: $host: not every request succeeded:" >&2
    cat "$work/h2load.log" >&2
    exit 1
  fi
  kill -TERM "$gw"
  wait "$gw" 2>/dev/null || true
  grep -E '^(summary|totals):' "$out" | head -1 | awk '{print $2}'
}

per_request() {
  local host=$1 n1=$2 n2=$3 a b
  a=$(count "$host" "$n1")
  b=$(count "$host" "$n2")
  echo $(( (b - a) / (n2 - n1) ))
}

printf '%-6s %12s %12s\n' scenario "instr/req" "vs baseline"
plain=$(per_request plain.local "${GATE_N1:-1000}" "${GATE_N2:-6000}")
printf '%-6s %12s %12s\n' plain "$plain" -
for s in rs es; do
  v=$(per_request "$s.local" "${GATE_N1:-1000}" "${GATE_N2:-6000}")
  printf '%-6s %12s %+12d\n' "$s" "$v" $(( v - plain ))
done
# Each verified request uses a token of its own: N2 must not exceed JWT_TOKENS.
bare=$(per_request bare.local "${VERIFY_N1:-200}" "${VERIFY_N2:-1200}")
printf '%-6s %12s %12s\n' bare "$bare" -
for s in rsv esv; do
  v=$(per_request "$s.local" "${VERIFY_N1:-200}" "${VERIFY_N2:-1200}")
  printf '%-6s %12s %+12d\n' "$s" "$v" $(( v - bare ))
done
