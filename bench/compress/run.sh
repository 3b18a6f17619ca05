#!/usr/bin/env bash
# compress side by side: Waygate's `compress` middleware and nginx's gzip filter (level 5 on
# both: Traefik's gzip level, see crates/proxy/src/middleware/compress/encoder.rs), each a
# reverse proxy (one worker) in front of one nginx backend serving a 1 MiB text file, on
# loopback.
#
#   bench/compress/run.sh [BINARY]     # BINARY: target/release/waygate by default
#
# Prints, per proxy and encoding: the bytes a client receives, the ratio to the original,
# and requests/s (wrk, 1 thread, 8 connections, 10 s) for the whole compressed download;
# identity rows give the same proxies without compression. Each encoded answer is checked
# to decode (curl --compressed) to the original. Needs nginx, wrk, curl, python3
# (../shared/bench/setup.sh installs them). req/s on a shared machine is indicative only.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${1:-$root/target/release/waygate}
secs=${SECS:-10}
for tool in nginx wrk curl python3; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || { echo "run.sh: $tool is required" >&2; exit 1; }
done
[ -x "$bin" ] || { echo "run.sh: $bin is not built (cargo build --release -p waygate)" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for f in "$work"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do python3 -c "import socket; socket.create_connection(('127.0.0.1',$1)).close()" 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 not listening" >&2; cat "$work"/*.log >&2; exit 1; }

backend=$(free_port); ngx=$(free_port); gw=$(free_port)
mkdir -p "$work/www" "$work/tmp"
chmod 755 "$work" "$work/www"  # nginx workers run unprivileged
# 1 MiB of access-log-like text (deterministic): compresses about as real text does.
python3 - "$work/www/text.txt" <<'PY'
import random, sys
r = random.Random(7)
paths = ["/", "/api/v1/users", "/api/v1/orders", "/static/app.js", "/login", "/health", "/img/logo.png"]
agents = ["Mozilla/5.0 (X11; Linux x86_64)", "curl/7.88.1", "Go-http-client/1.1", "python-requests/2.31"]
out = []
size = 0
while size < 1 << 20:
    line = '10.%d.%d.%d - - [03/Dec/2026:%02d:%02d:%02d +0000] "GET %s?id=%d HTTP/1.1" %d %d "-" "%s" %dms\n' % (
        r.randrange(256), r.randrange(256), r.randrange(256), r.randrange(24), r.randrange(60),
        r.randrange(60), r.choice(paths), r.randrange(100000), r.choice([200, 200, 200, 304, 404]),
        r.randrange(50000), r.choice(agents), r.randrange(900))
    out.append(line)
    size += len(line)
open(sys.argv[1], "w").write("".join(out)[: 1 << 20])
PY
chmod 644 "$work/www/text.txt"
orig=$(stat -c %s "$work/www/text.txt")

common="access_log off; keepalive_requests 100000000;
  client_body_temp_path $work/tmp/cb; proxy_temp_path $work/tmp/p; fastcgi_temp_path $work/tmp/f;
  uwsgi_temp_path $work/tmp/u; scgi_temp_path $work/tmp/s;"
cat > "$work/backend.conf" <<NGINX
worker_processes 1;
pid $work/backend.pid;
error_log $work/backend.error.log warn;
events { worker_connections 8000; }
http { $common sendfile on; default_type text/plain;
  server { listen 127.0.0.1:$backend; root $work/www; } }
NGINX
cat > "$work/proxy.conf" <<NGINX
worker_processes 1;
pid $work/proxy.pid;
error_log $work/proxy.error.log warn;
events { worker_connections 8000; }
http { $common
  upstream b { server 127.0.0.1:$backend; keepalive 64; }
  gzip on; gzip_comp_level 5; gzip_types text/plain; gzip_proxied any; gzip_min_length 1024; gzip_vary on;
  server { listen 127.0.0.1:$ngx;
    location / { proxy_pass http://b; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
NGINX
nginx -c "$work/backend.conf" -e "$work/backend.error.log"
nginx -c "$work/proxy.conf" -e "$work/proxy.error.log"
cat > "$work/dynamic.yml" <<DYN
http:
  routers:
    r:
      rule: PathPrefix(\`/\`)
      service: s
      middlewares: [c]
  middlewares:
    c:
      compress: {}
  services:
    s:
      loadBalancer:
        servers: [{url: "http://127.0.0.1:$backend"}]
DYN
cat > "$work/traefik.yml" <<ST
entryPoints:
  web:
    address: 127.0.0.1:$gw
providers:
  file:
    filename: $work/dynamic.yml
log:
  level: ERROR
ST
WAYGATE_WORKERS=1 "$bin" --configFile="$work/traefik.yml" >"$work/waygate.log" 2>&1 &
pids+=($!)
wait_port "$backend"; wait_port "$ngx"; wait_port "$gw"
sleep 0.5

# bytes received for one download, after checking it decodes to the original.
bytes() {
  local port=$1 coding=$2
  local url="http://127.0.0.1:$port/text.txt"
  if [ "$coding" = identity ]; then
    curl -s -o "$work/out" "$url"
  else
    curl -s -o "$work/out" -H "Accept-Encoding: $coding" "$url"
    curl -s -D "$work/hdr" -o /dev/null -H "Accept-Encoding: $coding" "$url"
    grep -qi "^content-encoding: $coding" "$work/hdr" || { echo "run.sh: :$port did not answer $coding" >&2; cat "$work/hdr" >&2; exit 1; }
    curl -s --compressed -H "Accept-Encoding: $coding" "$url" | cmp -s - "$work/www/text.txt" \
      || { echo "run.sh: :$port $coding does not decode to the original" >&2; exit 1; }
  fi
  stat -c %s "$work/out"
}
rps() {
  local port=$1 coding=$2 hdr=()
  [ "$coding" = identity ] || hdr=(-H "Accept-Encoding: $coding")
  wrk -t1 -c8 -d"${secs}s" "${hdr[@]}" "http://127.0.0.1:$port/text.txt" | awk '/Requests\/sec/ {print $2}'
}

echo "original body: $orig bytes"
printf "%-8s %-9s %10s %8s %10s\n" proxy encoding bytes ratio "req/s"
for row in "nginx:$ngx:gzip" "waygate:$gw:gzip" "waygate:$gw:br" "waygate:$gw:zstd" "nginx:$ngx:identity" "waygate:$gw:identity"; do
  IFS=: read -r name port coding <<<"$row"
  b=$(bytes "$port" "$coding")
  printf "%-8s %-9s %10s %8s %10s\n" "$name" "$coding" "$b" "$(python3 -c "print(f'{$orig/$b:.2f}')")" "$(rps "$port" "$coding")"
done
