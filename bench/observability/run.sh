#!/usr/bin/env bash
# Issue #13's observability bench, on the shared side-by-side harness
# (../shared/bench/run.sh, see its README): the same binary three times, in one run,
# interleaved rounds, each pinned to the proxy core:
#   off  (18090, h2c 18190): no access log, no metrics, no tracing (off.yml);
#   metrics (18094, h2c 18194): Prometheus metrics at the three levels only (metrics.yml),
#        the row to hold against Traefik's loss of about a third with metrics on;
#   on   (18092, h2c 18192): Prometheus metrics at the three levels, the JSON access log
#        written to a file (on.yml; the file is in a temp dir, removed at the end) and
#        OpenTelemetry traces at sampleRate 0.1 over OTLP/HTTP to the bench's receiver
#        (receiver-nginx.conf: nginx answering 200 and discarding each export's body, so
#        that it takes little of the load generator's side of the machine, on whose CPUs
#        it runs; RECEIVER=python uses receiver.py instead, which keeps the bodies and
#        counts their spans, at ~0.3 ms of Python an export; the tests keep the real
#        protobuf receiver, waygate/tests/otel/receiver.py).
#   nglog (18096, h2c 18196): nginx, the harness's anchor configuration with a JSON access
#        log of Traefik's fields to a file (nginx-log.conf), against the harness's own
#        `nginx` row (access log off) in the same run: what such a log costs a C proxy here.
# Compare the off and on rows' req/s and p99 (the issue asks for at most 5 % fewer req/s and
# a p99 within 10 %), and `proxy µs/req` when the machine is noisy; nginx/nglog is the
# same comparison for nginx's access log alone.
#
#   bench/observability/run.sh [BINARY] [harness options...]   # from anywhere
#
# BINARY: target/release/waygate by default (`cargo build --release -p waygate`).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$root/target/release/waygate
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then bin=$(realpath "$1"); shift; fi
[ -x "$bin" ] || { echo "run.sh: $bin is not built (cargo build --release -p waygate)" >&2; exit 1; }
harness=$root/../shared/bench/run.sh
[ -x "$harness" ] || { echo "run.sh: the shared harness is not at $harness" >&2; exit 1; }

# The span receiver stands for a collector on another machine: it runs on the load
# generator's CPUs (the harness's --loadgen-cpus, 0 by default), never on the proxy's, where
# its bursts of work would be counted against the gateway. (Interleaved runs of `on`,
# receiver pinned or not, did not differ beyond this machine's noise.) Unpinned with --pin off.
lg_cpus=0 pin=on prev=""
for a in "$@"; do
  case $prev in --loadgen-cpus) lg_cpus=$a ;; --pin) pin=$a ;; esac
  prev=$a
done
pin_receiver=(taskset -c "$lg_cpus")
[ "$pin" = off ] && pin_receiver=()

work=$(mktemp -d)
receiver=""
trap 'if [ -n "$receiver" ]; then kill $receiver 2>/dev/null || true; wait $receiver 2>/dev/null || true; fi; rm -rf "$work"' EXIT
receiver_kind=${RECEIVER:-nginx}
up=0
if [ "$receiver_kind" = python ]; then
  "${pin_receiver[@]}" python3 "$here/receiver.py" "$work/spans.count" > "$work/receiver.out" &
  receiver=$!
  for _ in $(seq 1 100); do [ -s "$work/receiver.out" ] && { up=1; break; }; sleep 0.1; done
else
  otlp_port=18098
  if (exec 3<>"/dev/tcp/127.0.0.1/$otlp_port") 2>/dev/null; then
    echo "run.sh: port $otlp_port (the span receiver's) is taken" >&2; exit 1
  fi
  sed -e "s|@DIR@|$work|g" -e "s|@PORT@|$otlp_port|" "$here/receiver-nginx.conf" > "$work/receiver.conf"
  "${pin_receiver[@]}" nginx -c "$work/receiver.conf" -g 'daemon off; master_process off;' \
    > "$work/receiver.out" 2>&1 &
  receiver=$!
  for _ in $(seq 1 100); do
    curl -s -o /dev/null -X POST --data x "http://127.0.0.1:$otlp_port/v1/traces" && { up=1; break; }
    sleep 0.1
  done
fi
[ $up = 1 ] || { echo "run.sh: the span receiver ($receiver_kind) did not start:" >&2; cat "$work/receiver.out" >&2; exit 1; }
if [ "$receiver_kind" = python ]; then
  otlp_port=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["http"])' "$work/receiver.out")
fi
sed -e "s|@LOG@|$work/access.log|" -e "s|@OTLP@|http://127.0.0.1:$otlp_port/v1/traces|" \
  "$here/on.yml" > "$work/on.yml"
# nginx with the access log: its configuration is filled in when the harness starts it (the
# backend's address comes in BENCH_BACKEND).
sed -e "s|@DIR@|$work|g" -e "s|@PORT@|18096|" -e "s|@H2C_PORT@|18196|" \
  "$here/nginx-log.conf" > "$work/nginx-log.conf.in"
cat > "$work/nginx-log.sh" <<EOS
#!/usr/bin/env bash
backend=\${BENCH_BACKEND#http://}
sed -e "s|@BACKEND@|\${backend%/}|" "$work/nginx-log.conf.in" > "$work/nginx-log.conf"
exec nginx -c "$work/nginx-log.conf" -g 'daemon off; master_process off;'
EOS
chmod +x "$work/nginx-log.sh"
cd "$root"
"$harness" --only direct,off,metrics,on,nginx,nglog --scenarios h1,h2c \
  --candidate off=http://127.0.0.1:18090 --candidate-h2c off=http://127.0.0.1:18190 \
  --candidate-cmd "off=WAYGATE_WORKERS=\$BENCH_WORKERS exec $bin --configFile=$here/off.yml" \
  --candidate metrics=http://127.0.0.1:18094 --candidate-h2c metrics=http://127.0.0.1:18194 \
  --candidate-cmd "metrics=WAYGATE_WORKERS=\$BENCH_WORKERS exec $bin --configFile=$here/metrics.yml" \
  --candidate on=http://127.0.0.1:18092 --candidate-h2c on=http://127.0.0.1:18192 \
  --candidate-cmd "on=WAYGATE_WORKERS=\$BENCH_WORKERS exec $bin --configFile=$work/on.yml" \
  --candidate nglog=http://127.0.0.1:18096 --candidate-h2c nglog=http://127.0.0.1:18196 \
  --candidate-cmd "nglog=exec $work/nginx-log.sh" \
  --label observability "$@"
echo "access log lines written by 'on': $(wc -l < "$work/access.log" 2>/dev/null || echo 0)"
echo "access log lines written by 'nglog': $(wc -l < "$work/nginx-access.log" 2>/dev/null || echo 0)"
if [ "$receiver_kind" = python ]; then
  curl -s -o /dev/null "http://127.0.0.1:$otlp_port/count" || true
  echo "spans received from 'on': $(cat "$work/spans.count" 2>/dev/null || echo 0)"
else
  # The log is written when nginx stops (64 KiB buffer); the first line is the probe above.
  kill "$receiver" 2>/dev/null || true; wait "$receiver" 2>/dev/null || true
  awk 'NR > 1 && $2 == 200 { n++; b += $1 } END { printf "exports received from '"'"'on'"'"': %d (%.1f MB)\n", n, b / 1e6 }' \
    "$work/exports.log" 2>/dev/null || echo "exports received from 'on': 0"
fi
