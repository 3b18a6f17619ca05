#!/usr/bin/env bash
# TCP proxying side by side: Waygate's TCP router (HostSNI(`*`), no TLS) and HAProxy in
# `mode tcp` (nbthread 1), both in front of one nginx backend (1 worker), on loopback.
#
#   bench/tcp/run.sh [BINARY]     # BINARY: target/release/waygate by default
#
# - bulk: curl downloading a 64 MiB file over one connection (median of 5): bytes/s through
#   the proxy (the copy loop);
# - connections/s: ab without keep-alive, 50 concurrent, 20,000 requests: every request is
#   a new TCP connection through the proxy (accept, dispatch, dial, copy, close).
# Both figures also for the backend directly (the machine's limit). Waygate runs with
# WAYGATE_WORKERS=1 so both proxies use one core.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${1:-$root/target/release/waygate}
for tool in nginx haproxy curl ab python3; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || { echo "run.sh: $tool is required" >&2; exit 1; }
done
[ -x "$bin" ] || { echo "run.sh: $bin is not built (cargo build --release -p waygate)" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do python3 -c "import socket; socket.create_connection(('127.0.0.1',$1)).close()" 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 not listening" >&2; cat "$work"/*.log >&2; exit 1; }

backend=$(free_port); gw=$(free_port); hap=$(free_port)
mkdir -p "$work/www" "$work/tmp"
chmod 755 "$work" "$work/www"  # nginx workers run unprivileged
head -c $((64 * 1024 * 1024)) /dev/zero > "$work/www/big"
echo ok > "$work/www/index.html"
chmod 644 "$work/www/big" "$work/www/index.html"
cat > "$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx.error.log warn;
events { worker_connections 8000; }
http {
  access_log off; sendfile on; tcp_nopush on;
  keepalive_requests 100000000;
  client_body_temp_path $work/tmp/cb; proxy_temp_path $work/tmp/p; fastcgi_temp_path $work/tmp/f;
  uwsgi_temp_path $work/tmp/u; scgi_temp_path $work/tmp/s;
  server { listen 127.0.0.1:$backend; root $work/www; }
}
NGINX
nginx -c "$work/nginx.conf" -e "$work/nginx.error.log"
cat > "$work/haproxy.cfg" <<HAP
global
  nbthread 1
  maxconn 8000
defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend f
  bind 127.0.0.1:$hap
  default_backend b
backend b
  server s 127.0.0.1:$backend
HAP
haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
pids+=($!)
cat > "$work/dynamic.yml" <<DYN
tcp:
  routers:
    bench:
      rule: HostSNI(\`*\`)
      service: bench
  services:
    bench:
      loadBalancer:
        servers: [{address: "127.0.0.1:$backend"}]
DYN
cat > "$work/traefik.yml" <<ST
entryPoints:
  tcp:
    address: 127.0.0.1:$gw
providers:
  file:
    filename: $work/dynamic.yml
log:
  level: ERROR
ST
WAYGATE_WORKERS=1 "$bin" --configFile="$work/traefik.yml" >"$work/waygate.log" 2>&1 &
pids+=($!)
wait_port "$backend"; wait_port "$hap"; wait_port "$gw"
sleep 0.5

# Median of 5 single-connection downloads of the 64 MiB file (curl's average bytes/s).
bulk() { for _ in 1 2 3 4 5; do curl -s -o /dev/null -w '%{speed_download}\n' "http://127.0.0.1:$1/big"; done | sort -n | sed -n 3p; }
conns() { ab -q -n 20000 -c 50 "http://127.0.0.1:$1/" 2>/dev/null | awk '/Requests per second/ {print $4}'; }

printf "%-10s %16s %16s\n" target "bulk (bytes/s)" "connections/s"
for t in "direct:$backend" "haproxy:$hap" "waygate:$gw"; do
  name=${t%%:*}; port=${t##*:}
  printf "%-10s %16s %16s\n" "$name" "$(bulk "$port")" "$(conns "$port")"
done
