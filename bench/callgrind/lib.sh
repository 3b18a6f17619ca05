# Set-up shared by the scripts that drive a gateway on the gate's configuration
# (bench/callgrind/run.sh and anchor.sh, bench/resilience/callgrind.sh, bench/jwt/run.sh,
# bench/pgo/train.sh). Sourced after `set -euo pipefail`; `backend_setup NAME BIN` checks the
# tools and the binary (errors say NAME), makes $work (removed on exit, with the processes
# listed in pids), defines free_port and starts the gate's backend
# (bench/callgrind/backend.py) on $backend; `callgrind_setup` also needs valgrind;
# `gate_config SCENARIO TAG` writes the gateway's configuration for a scenario;
# `h2load_ok N ARGS...` loads N requests and fails unless every one got a 2xx.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

callgrind_setup() {
  command -v valgrind >/dev/null 2>&1 || { echo "$1: valgrind is required" >&2; exit 1; }
  backend_setup "$@"
}

backend_setup() {
  local name=$1 bin=$2 tool
  for tool in h2load curl python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$name: $tool is required" >&2; exit 1; }
  done
  [ -x "$bin" ] || { echo "$name: $bin is not built (cargo build --release -p waygate)" >&2; exit 1; }
  work=$(mktemp -d)
  pids=()
  trap callgrind_cleanup EXIT
  backend=$(free_port)
  python3 "$(dirname "${BASH_SOURCE[0]}")/backend.py" "$backend" &
  pids+=($!)
}

callgrind_cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}

# The gateway's configuration for SCENARIO in $work/static.yml and dynamic.yml
# (bench/callgrind/static.yml, dynamic.yml): sets $web and $tls (and $traefik, the metrics
# entry point, when the scenario has metrics). TAG names the access log file.
# json: the JSON access log to a file; metrics: Prometheus at the three levels; otel0,
# otel1: OTLP/HTTP tracing at sampleRate 0 and 1 to the backend; obs: json + metrics +
# tracing at 0.1 (bench/observability/on.yml's set).
gate_config() {
  local scenario=$1 tag=$2 dir
  dir=$(dirname "${BASH_SOURCE[0]}")
  web=$(free_port); tls=$(free_port); traefik=""
  sed -e "s|@DIR@|$work|; s|@WEB@|$web|; s|@TLS@|$tls|" "$dir/static.yml" > "$work/static.yml"
  if [ "$scenario" = json ] || [ "$scenario" = obs ]; then
    printf 'accessLog:\n  filePath: %s/access.%s.log\n  format: json\n' "$work" "$tag" >> "$work/static.yml"
  fi
  if [ "$scenario" = metrics ] || [ "$scenario" = obs ]; then
    # /metrics on its own entry point (`traefik`, else :8080 would be bound).
    traefik=$(free_port)
    sed -i -e "s|^entryPoints:|entryPoints:\n  traefik:\n    address: 127.0.0.1:$traefik|" "$work/static.yml"
    printf 'metrics:\n  prometheus:\n    addEntryPointsLabels: true\n    addRoutersLabels: true\n    addServicesLabels: true\n' \
      >> "$work/static.yml"
  fi
  case $scenario in
    otel0|otel1|obs)
      local rate=${scenario#otel}
      [ "$scenario" = obs ] && rate=0.1
      printf 'tracing:\n  sampleRate: %s\n  otlp:\n    http:\n      endpoint: http://127.0.0.1:%s/v1/traces\n' \
        "$rate" "$backend" >> "$work/static.yml" ;;
  esac
  sed -e "s|@BACKEND@|$backend|" "$dir/dynamic.yml" > "$work/dynamic.yml"
}

# h2load -n N ARGS..., its output in $work/h2load.log: true only when all N requests
# succeeded with a 2xx status.
h2load_ok() {
  local n=$1; shift
  h2load -n "$n" "$@" > "$work/h2load.log" 2>&1 \
    && grep -q "succeeded, 0 failed" "$work/h2load.log" \
    && grep -qE "status codes: $n 2xx" "$work/h2load.log"
}
