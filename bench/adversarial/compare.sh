#!/usr/bin/env bash
# Runs the adversarial comparison (not part of CI): the same raw cases against waygate, nginx
# and haproxy in front of the same recording backends, printed as one markdown table.
#
#   bench/adversarial/compare.sh            # installs nginx/haproxy if missing (apt-get)
#   WAYGATE_BIN=target/debug/waygate bench/adversarial/compare.sh   # another waygate build
#
# The cases live in waygate/tests/adversarial/compare.rs (an ignored test this script runs);
# the proxies' configurations are the files beside this script. Ports: proxies on
# 127.0.0.1:18211 (waygate), :18212 (nginx), :18213 (haproxy); backends on :18201-18205
# (started by the test). Logs and the table are left in $COMPARE_DIR (/tmp/waygate-compare).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
run=${COMPARE_DIR:-/tmp/waygate-compare}
bin=${WAYGATE_BIN:-$root/target/release/waygate}
case "$bin" in /*) ;; *) bin="$root/$bin" ;; esac

# 1. nginx and haproxy, from Debian's packages, once.
missing=()
command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)
command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
if ((${#missing[@]})); then
    echo "installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# 2. The release gateway (several minutes on a small machine when missing).
if [ ! -x "$bin" ]; then
    echo "building $bin" >&2
    (cd "$root" && cargo build --release -p waygate)
fi

# 3. Nothing may already listen on our ports.
for port in 18201 18202 18203 18204 18205 18211 18212 18213; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "127.0.0.1:$port is in use; stop whatever listens there first" >&2
        exit 1
    fi
done

# 4. Start the three proxies; stop exactly these processes on exit.
rm -rf "$run"
mkdir -p "$run/nginx/tmp"
cp "$here/waygate.yml" "$here/waygate-dynamic.yml" "$run/"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

(cd "$run" && exec "$bin" --configFile="$run/waygate.yml") 2>"$run/waygate.log" &
waygate_pid=$!
pids+=("$waygate_pid")
nginx -p "$run/nginx/" -c "$here/nginx.conf" -e "$run/nginx.log" 2>>"$run/nginx.log" &
nginx_pid=$!
pids+=("$nginx_pid")
haproxy -db -f "$here/haproxy.cfg" 2>"$run/haproxy.log" &
haproxy_pid=$!
pids+=("$haproxy_pid")

for port in 18211 18212 18213; do
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.1
    done
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "nothing listens on 127.0.0.1:$port; logs in $run" >&2
        exit 1
    fi
done
sleep 0.5 # waygate applies its file configuration just after it listens

# 5. The cases.
echo "waygate: $bin ($(date -r "$bin" '+%F %T')); $(nginx -v 2>&1); $(haproxy -v | head -1)" >&2
cd "$root"
COMPARE_TARGETS="waygate=127.0.0.1:18211,nginx=127.0.0.1:18212,haproxy=127.0.0.1:18213" \
COMPARE_PIDS="waygate=$waygate_pid,nginx=$nginx_pid,haproxy=$haproxy_pid" \
COMPARE_OUT="$run/table.md" \
    cargo nextest run -p waygate --test adversarial --run-ignored only compare --no-capture \
    >"$run/nextest.log" 2>&1 || { tail -40 "$run/nextest.log" >&2; exit 1; }
cat "$run/table.md"
