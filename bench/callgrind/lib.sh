# Set-up shared by the callgrind counting scripts (bench/callgrind/run.sh,
# bench/resilience/callgrind.sh, bench/jwt/run.sh). Sourced after `set -euo pipefail`;
# `callgrind_setup NAME BIN` checks the tools and the binary (errors say NAME), makes $work
# (removed on exit, with the processes listed in pids), defines free_port and starts the
# gate's backend (bench/callgrind/backend.py) on $backend.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

callgrind_setup() {
  local name=$1 bin=$2 tool
  for tool in valgrind h2load curl python3; do
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
