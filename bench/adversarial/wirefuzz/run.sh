#!/usr/bin/env bash
# Black-box fuzz of the release gateway's wire handling (not part of CI): mutated HTTP/1.1
# requests and HTTP/2 frame sequences from `client.py`, answered by `backend.py` with mutated
# (or malformed on purpose) HTTP/1.1 responses chosen by the request's path, through a
# router with no middleware and one with headers + stripPrefix + compress. Deterministic:
# case N is the same bytes every run. Every 100 cases the gateway must still answer a plain
# request; at the end its log must hold no panic. Exit 1 otherwise, with the seed.
#
#   bench/adversarial/wirefuzz/run.sh [BIN] [CASES_PER_WORKER] [WORKERS] [FIRST_SEED]
#   (defaults: target/release/waygate 2000 4 1)
#
# Ports 18190 (gateway) and 18188 (backend); logs in $FUZZ_DIR (/tmp/waygate-wirefuzz).
# Read the log lines it prints too: what 19c1f8bf fixed (backend transfer codings and
# Connection-listed fields forwarded, unasked 101s passed on) showed there as warnings
# ("Connection header illegal in HTTP/2"), not as a failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
bin=${1:-$root/target/release/waygate}
cases=${2:-2000} workers=${3:-4} seed=${4:-1}
dir=${FUZZ_DIR:-/tmp/waygate-wirefuzz}
[ -x "$bin" ] || { echo "run.sh: no gateway binary at $bin (cargo build --release)" >&2; exit 1; }
rm -rf "$dir" && mkdir -p "$dir"
sed "s#@DIR@#$dir#g" "$here/static.yml" >"$dir/static.yml"
cp "$here/dynamic.yml" "$dir/dynamic.yml"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
(cd "$here" && exec python3 backend.py) >"$dir/backend.log" 2>&1 & pids+=($!)
"$bin" --configFile="$dir/static.yml" >"$dir/gateway.log" 2>&1 & gw=$!; pids+=($gw)
for _ in $(seq 50); do
  curl -s -o /dev/null -H 'Host: f.local' http://127.0.0.1:18190/alive && break
  sleep 0.1
done
fail=0 runs=()
for ((k = 0; k < workers; k++)); do
  (cd "$here" && exec python3 client.py $((seed + k * 1000000)) "$cases") >"$dir/client$k.log" 2>&1 & runs+=($!)
done
for p in "${runs[@]}"; do wait "$p" || fail=1; done
cat "$dir"/client*.log
kill -0 "$gw" 2>/dev/null || { echo "run.sh: the gateway exited" >&2; fail=1; }
if grep -n -i 'panick' "$dir/gateway.log" >&2; then fail=1; fi
echo "gateway log: $(wc -l <"$dir/gateway.log") lines; most frequent:"
awk '{$1=""; print substr($0, 1, 140)}' "$dir/gateway.log" | sort | uniq -c | sort -rn | head -5
exit $fail
