#!/usr/bin/env bash
# run.sh - TLS benchmark on loopback: nginx, HAProxy, Caddy and Waygate terminating TLS 1.3
# with one ECDSA P-256 certificate, HTTP/1.1 reverse proxy to one backend.
#
# Modelled on ../shared/bench/run.sh (same backend, one worker per proxy, same Host route,
# same pinning, interleaved rounds, medians). Two scenarios:
#   handshake  ab, a new connection + FULL TLS 1.3 handshake per request (never resumed:
#              ab starts every connection without a session; checked against a probe)
#   keepalive  wrk, HTTPS keep-alive (HTTP/1.1 over TLS, connections reused)
# See README.md.
#
#   ./run.sh                                       # waygate from /tmp/target-bench/release/waygate
#   ./run.sh --waygate target/release/waygate      # another binary
#   ./run.sh --candidate base=/tmp/old/waygate     # a second waygate build as an extra row
#   ./run.sh --help
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=${PYTHON:-python3}
export PYTHONDONTWRITEBYTECODE=1
ORIG_ARGS=("$@")

usage() {
  cat <<'EOF'
usage: run.sh [options]

Targets (default: nginx haproxy caddy waygate, plus every --candidate):
  --waygate PATH            waygate binary of the "waygate" row
                            (default: $WAYGATE_BIN, else /tmp/target-bench/release/waygate)
  --no-waygate              no "waygate" row
  --candidate NAME=PATH     another waygate binary, as row NAME (e.g. a baseline build)
  --candidate-cmd NAME=CMD  any other proxy: CMD runs through bash -c and must serve
                            https on 127.0.0.1:$BENCH_PORT with $BENCH_CERT/$BENCH_KEY
                            ($BENCH_PEM = both in one file), route Host $BENCH_HOST to
                            $BENCH_BACKEND and use $BENCH_WORKERS worker threads
  --only NAME[,NAME...]     run only these targets (include nginx for the ratios)

Load:
  --duration S              measured seconds per run (default 5)
  --warmup S                warm-up seconds before each measured run (default 1)
  --rounds N                interleaved rounds (default 3)
  --conns N                 concurrent connections (default 64)
  --threads N               wrk threads (keepalive; default 1; ab has one)
  --scenarios LIST          comma list of: handshake keepalive (default both)

CPU placement (2-core machine):
  --pin on|off              on (default): load generator + backend on --loadgen-cpus,
                            proxies on --proxy-cpus; off: the scheduler decides
  --loadgen-cpus LIST       default 0
  --proxy-cpus LIST         default 1
  --workers N               worker processes/threads of every proxy (default 1)

Output:
  --out DIR                 results folder (default results/<date>-<time>[-LABEL])
  --label LABEL             suffix of the default results folder
  --keep-tmp                keep the temporary folder (configs, certificate, logs)
  -h, --help
EOF
}

die() { echo "run.sh: $*" >&2; exit 2; }
log() { printf '%s\n' "$*" >&2; }

# ----------------------------------------------------------------- defaults
DURATION=5 WARMUP=1 ROUNDS=3 CONNS=64 THREADS=1
PIN=on LOADGEN_CPUS=0 PROXY_CPUS=1 WORKERS=1
SCENARIOS="handshake,keepalive" ONLY="" HOST=bench.local
OUT_DIR="" LABEL="" KEEP_TMP=0
WAYGATE_BIN=${WAYGATE_BIN:-/tmp/target-bench/release/waygate} WITH_WAYGATE=1

# Fixed loopback ports: the ../shared/bench port + 400 (18081 nginx -> 18481 ...).
BACKEND_PORT=18080 PROBE_PORT=18480
declare -A ANCHOR_PORT=([nginx]=18481 [haproxy]=18482 [caddy]=18483)
ANCHORS=(nginx haproxy caddy)
CAND_PORT0=18490

declare -a CAND_NAMES=()
declare -A CAND_BIN=() CAND_CMD=() CAND_PORT=()

need_val() { [[ $# -ge 2 && -n $2 ]] || die "$1 needs a value"; }
split_kv() {
  [[ $1 == *=* ]] || die "expected NAME=VALUE, got '$1'"
  KV_NAME=${1%%=*} KV_VAL=${1#*=}
  [[ $KV_NAME =~ ^[A-Za-z0-9_.-]+$ ]] || die "bad target name '$KV_NAME'"
  case $KV_NAME in nginx | haproxy | caddy | backend | probe | waygate) die "name '$KV_NAME' is reserved" ;; esac
  local n
  for n in "${CAND_NAMES[@]}"; do [[ $n == "$KV_NAME" ]] && die "candidate '$KV_NAME' given twice"; done
  CAND_NAMES+=("$KV_NAME")
}

while (($#)); do
  case $1 in
    --waygate) need_val "$@"; WAYGATE_BIN=$2; shift 2 ;;
    --no-waygate) WITH_WAYGATE=0; shift ;;
    --candidate) need_val "$@"; split_kv "$2"; CAND_BIN[$KV_NAME]=$KV_VAL; shift 2 ;;
    --candidate-cmd) need_val "$@"; split_kv "$2"; CAND_CMD[$KV_NAME]=$KV_VAL; shift 2 ;;
    --only) need_val "$@"; ONLY+=",$2"; shift 2 ;;
    --duration) need_val "$@"; DURATION=$2; shift 2 ;;
    --warmup) need_val "$@"; WARMUP=$2; shift 2 ;;
    --rounds) need_val "$@"; ROUNDS=$2; shift 2 ;;
    --conns) need_val "$@"; CONNS=$2; shift 2 ;;
    --threads) need_val "$@"; THREADS=$2; shift 2 ;;
    --scenarios) need_val "$@"; SCENARIOS=$2; shift 2 ;;
    --pin) need_val "$@"; PIN=$2; shift 2 ;;
    --loadgen-cpus) need_val "$@"; LOADGEN_CPUS=$2; shift 2 ;;
    --proxy-cpus) need_val "$@"; PROXY_CPUS=$2; shift 2 ;;
    --workers) need_val "$@"; WORKERS=$2; shift 2 ;;
    --out) need_val "$@"; OUT_DIR=$2; shift 2 ;;
    --label) need_val "$@"; LABEL=$2; shift 2 ;;
    --keep-tmp) KEEP_TMP=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option '$1'" ;;
  esac
done

# ----------------------------------------------------------------- validation
for v in DURATION WARMUP ROUNDS CONNS THREADS WORKERS; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "--${v,,} must be a whole number (got '${!v}')"
done
((DURATION >= 1 && ROUNDS >= 1 && THREADS >= 1 && CONNS >= THREADS && WORKERS >= 1)) ||
  die "need duration>=1, rounds>=1, threads>=1, workers>=1, conns>=threads"
[[ $PIN == on || $PIN == off ]] || die "--pin must be on or off"
IFS=, read -r -a SCEN_LIST <<<"$SCENARIOS"
for s in "${SCEN_LIST[@]}"; do
  case $s in handshake | keepalive) ;; *) die "unknown scenario '$s'" ;; esac
done
if [[ $PIN == on ]]; then
  taskset -c "$LOADGEN_CPUS" true 2>/dev/null || die "--loadgen-cpus '$LOADGEN_CPUS' not usable here"
  taskset -c "$PROXY_CPUS" true 2>/dev/null || die "--proxy-cpus '$PROXY_CPUS' not usable here"
fi

# ----------------------------------------------------------------- targets
declare -A T_PORT=() T_KIND=()
for a in "${ANCHORS[@]}"; do T_PORT[$a]=${ANCHOR_PORT[$a]} T_KIND[$a]=anchor; done
ALL_TARGETS=("${ANCHORS[@]}")
port=$CAND_PORT0
if ((WITH_WAYGATE)); then
  CAND_NAMES=(waygate "${CAND_NAMES[@]}")
  CAND_BIN[waygate]=$WAYGATE_BIN
fi
for n in "${CAND_NAMES[@]}"; do
  T_PORT[$n]=$port T_KIND[$n]=candidate CAND_PORT[$n]=$port
  port=$((port + 1))
  ALL_TARGETS+=("$n")
done
declare -a TARGETS=()
if [[ -n $ONLY ]]; then
  IFS=, read -r -a only_list <<<"${ONLY#,}"
  for o in "${only_list[@]}"; do
    [[ -z $o || -n ${T_KIND[$o]:-} ]] || die "--only: unknown target '$o' (known: ${ALL_TARGETS[*]})"
  done
  for t in "${ALL_TARGETS[@]}"; do
    for o in "${only_list[@]}"; do [[ $o == "$t" ]] && TARGETS+=("$t") && break; done
  done
else
  TARGETS=("${ALL_TARGETS[@]}")
fi
((${#TARGETS[@]})) || die "no targets selected"
has_target() { local t; for t in "${TARGETS[@]}"; do [[ $t == "$1" ]] && return 0; done; return 1; }
has_scen() { local s; for s in "${SCEN_LIST[@]}"; do [[ $s == "$1" ]] && return 0; done; return 1; }

for n in "${CAND_NAMES[@]}"; do
  has_target "$n" || continue
  if [[ -n ${CAND_BIN[$n]:-} ]]; then
    b=${CAND_BIN[$n]}
    [[ -x $b ]] || die "$n: no executable '$b' (build it: CARGO_TARGET_DIR=/tmp/target-bench cargo build --release -p waygate; or --waygate PATH / --no-waygate)"
    CAND_BIN[$n]=$(cd "$(dirname "$b")" && pwd)/$(basename "$b")
  fi
done

# ----------------------------------------------------------------- tools
need_tool() { command -v "$1" >/dev/null 2>&1 || die "'$1' not found: run ./setup.sh first (as root)"; }
for t in nginx openssl curl taskset ss ps "$PY"; do need_tool "$t"; done
has_scen handshake && need_tool ab
has_scen keepalive && need_tool wrk
has_target haproxy && need_tool haproxy
has_target caddy && need_tool caddy

port_owner() { ss -ltnpH "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -un | paste -sd' ' -; }
check_port_free() {
  [[ -z $(ss -ltnH "sport = :$1" 2>/dev/null) ]] ||
    die "port $1 is already in use (pid $(port_owner "$1")): a leftover instance? stop it first"
}
check_port_free $BACKEND_PORT
check_port_free $PROBE_PORT
for t in "${TARGETS[@]}"; do check_port_free "${T_PORT[$t]}"; done

# ----------------------------------------------------------------- process bookkeeping
declare -a OWN_PIDS=()   # processes run.sh started (stopped at exit)
declare -A OWN_START=()  # pid -> start time, guards against PID reuse
declare -A OWN_NAME=()
declare -A ROOT_PIDS=()  # target name (or "backend") -> root pid
LG_PID="" RUN_DIR="" OUT_DIR_FINAL=""

proc_start() {
  local s
  { s=$(<"/proc/$1/stat"); } 2>/dev/null || return 1
  s=${s##*) }
  local -a f
  read -r -a f <<<"$s"
  echo "${f[19]}"
}
is_ours() { [[ -e /proc/$1 && $(proc_start "$1" 2>/dev/null) == "${OWN_START[$1]:-x}" ]]; }
tree_pids() {
  local p c
  for p in "$@"; do
    [[ -e /proc/$p ]] || continue
    echo "$p"
    for c in $(ps -o pid= --ppid "$p" 2>/dev/null || true); do tree_pids "$c"; done
  done
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM ERR
  set +e
  if [[ -n $LG_PID ]] && kill -0 "$LG_PID" 2>/dev/null; then
    kill -TERM "$LG_PID" 2>/dev/null; wait "$LG_PID" 2>/dev/null
  fi
  local p i any
  local -a kids=() alive=() left=()
  for p in "${OWN_PIDS[@]}"; do
    is_ours "$p" || continue
    kids+=($(tree_pids "$p" | tail -n +2))
    kill -TERM "$p" 2>/dev/null && alive+=("$p")
  done
  for ((i = 0; i < 50; i++)); do
    any=0
    for p in "${alive[@]}"; do is_ours "$p" && any=1; done
    ((any)) || break
    sleep 0.1
  done
  for p in "${alive[@]}"; do
    if is_ours "$p"; then log "run.sh: ${OWN_NAME[$p]} (pid $p) did not stop, killing"; kill -KILL "$p" 2>/dev/null; fi
  done
  for p in "${kids[@]}"; do [[ -e /proc/$p ]] && kill -TERM "$p" 2>/dev/null && left+=("$p"); done
  if ((${#left[@]})); then
    sleep 1
    for p in "${left[@]}"; do [[ -e /proc/$p ]] && kill -KILL "$p" 2>/dev/null; done
  fi
  wait 2>/dev/null
  if [[ -n $RUN_DIR && -d $RUN_DIR ]]; then
    if [[ -n $OUT_DIR_FINAL && -d $OUT_DIR_FINAL ]]; then
      mkdir -p "$OUT_DIR_FINAL/logs"
      cp -r "$RUN_DIR"/logs/. "$OUT_DIR_FINAL/logs/" 2>/dev/null
    fi
    if ((KEEP_TMP)); then log "run.sh: kept $RUN_DIR"; else rm -rf "$RUN_DIR"; fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'log "run.sh: failed at line $LINENO: $BASH_COMMAND"' ERR

start_proc() { # name cpus logfile cmd...
  local name=$1 cpus=$2 logf=$3; shift 3
  local -a pre=()
  [[ -n $cpus ]] && pre=(taskset -c "$cpus")
  "${pre[@]}" "$@" >>"$logf" 2>&1 </dev/null &
  local pid=$!
  OWN_PIDS+=("$pid")
  OWN_NAME[$pid]=$name
  OWN_START[$pid]=$(proc_start "$pid" || echo gone)
  ROOT_PIDS[$name]=$pid
}

# ----------------------------------------------------------------- folders, certificate
STAMP=$(date +%Y%m%d-%H%M%S)
OUT_DIR=${OUT_DIR:-$HERE/results/$STAMP${LABEL:+-$LABEL}}
mkdir -p "$OUT_DIR/runs" "$OUT_DIR/config"
OUT_DIR_FINAL=$(cd "$OUT_DIR" && pwd)
OUT_DIR=$OUT_DIR_FINAL
RUN_DIR=$(mktemp -d -t tls-bench.XXXXXX)
chmod 755 "$RUN_DIR" # nginx workers run as nobody
mkdir -p "$RUN_DIR"/{logs,tmp,xdg,tls}
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# One ECDSA P-256 certificate for $HOST, served by every proxy (self-signed leaf).
CERT=$RUN_DIR/tls/cert.pem KEY=$RUN_DIR/tls/key.pem PEM=$RUN_DIR/tls/cert+key.pem
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 7 \
  -subj "/CN=$HOST" -addext "subjectAltName=DNS:$HOST" \
  -keyout "$KEY" -out "$CERT" 2>"$RUN_DIR/logs/openssl-req.log" ||
  die "openssl req failed: $(cat "$RUN_DIR/logs/openssl-req.log")"
cat "$CERT" "$KEY" >"$PEM"
chmod 644 "$CERT" "$KEY" "$PEM" # read by nginx workers (nobody); a throw-away key
cp "$CERT" "$OUT_DIR/config/cert.pem"

# Clients: TLS 1.3 only. ab: -f TLS1.3. wrk has no option: an OpenSSL config for it.
CLIENT_CNF=$RUN_DIR/client-openssl.cnf
cat >"$CLIENT_CNF" <<'EOF'
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
MinProtocol = TLSv1.3
EOF

render() { # template port [dynamic] > out
  sed -e "s|@RUN@|$RUN_DIR|g" -e "s|@HOST@|$HOST|g" -e "s|@WORKERS@|$WORKERS|g" \
    -e "s|@BACKEND_ADDR@|127.0.0.1:$BACKEND_PORT|g" -e "s|@BACKEND_PORT@|$BACKEND_PORT|g" \
    -e "s|@PROBE_PORT@|$PROBE_PORT|g" -e "s|@CERT@|$CERT|g" -e "s|@KEY@|$KEY|g" \
    -e "s|@PEM@|$PEM|g" -e "s|@PORT@|$2|g" -e "s|@DYNAMIC@|${3:-}|g" "$HERE/conf/$1"
}

if [[ $PIN == on ]]; then LG_SET=$LOADGEN_CPUS PX_SET=$PROXY_CPUS LG_PREFIX=(taskset -c "$LOADGEN_CPUS")
else LG_SET="" PX_SET="" LG_PREFIX=(); fi

# ----------------------------------------------------------------- start
render backend-nginx.conf 0 >"$RUN_DIR/backend.conf"
cp "$RUN_DIR/backend.conf" "$OUT_DIR/config/backend-nginx.conf"
start_proc backend "$LG_SET" "$RUN_DIR/logs/backend.out" \
  nginx -p "$RUN_DIR" -e "$RUN_DIR/logs/backend.error.log" -c "$RUN_DIR/backend.conf" -g 'daemon off;'

for t in "${TARGETS[@]}"; do
  p=${T_PORT[$t]}
  case $t in
    nginx)
      render nginx.conf "$p" >"$RUN_DIR/nginx.conf"
      cp "$RUN_DIR/nginx.conf" "$OUT_DIR/config/"
      start_proc nginx "$PX_SET" "$RUN_DIR/logs/nginx.out" \
        nginx -p "$RUN_DIR" -e "$RUN_DIR/logs/nginx.error.log" -c "$RUN_DIR/nginx.conf" -g 'daemon off;'
      ;;
    haproxy)
      render haproxy.cfg "$p" >"$RUN_DIR/haproxy.cfg"
      cp "$RUN_DIR/haproxy.cfg" "$OUT_DIR/config/"
      start_proc haproxy "$PX_SET" "$RUN_DIR/logs/haproxy.log" haproxy -db -f "$RUN_DIR/haproxy.cfg"
      ;;
    caddy)
      render Caddyfile "$p" >"$RUN_DIR/Caddyfile"
      cp "$RUN_DIR/Caddyfile" "$OUT_DIR/config/"
      start_proc caddy "$PX_SET" "$RUN_DIR/logs/caddy.log" \
        env GOMAXPROCS="$WORKERS" HOME="$RUN_DIR/xdg" XDG_CONFIG_HOME="$RUN_DIR/xdg" XDG_DATA_HOME="$RUN_DIR/xdg" \
        caddy run --config "$RUN_DIR/Caddyfile" --adapter caddyfile
      ;;
    *)
      cmd=${CAND_CMD[$t]:-}
      if [[ -n ${CAND_BIN[$t]:-} ]]; then
        render waygate-dynamic.yml "$p" >"$RUN_DIR/$t-dynamic.yml"
        render waygate.yml "$p" "$RUN_DIR/$t-dynamic.yml" >"$RUN_DIR/$t.yml"
        cp "$RUN_DIR/$t.yml" "$RUN_DIR/$t-dynamic.yml" "$OUT_DIR/config/"
        cmd="WAYGATE_WORKERS=\$BENCH_WORKERS exec $(printf '%q' "${CAND_BIN[$t]}") --configFile=$(printf '%q' "$RUN_DIR/$t.yml")"
      fi
      echo "$t: $cmd" >>"$OUT_DIR/config/candidates.txt"
      start_proc "$t" "$PX_SET" "$RUN_DIR/logs/$t.log" \
        env BENCH_PORT="$p" BENCH_CERT="$CERT" BENCH_KEY="$KEY" BENCH_PEM="$PEM" BENCH_HOST="$HOST" \
        BENCH_BACKEND="http://127.0.0.1:$BACKEND_PORT" BENCH_WORKERS="$WORKERS" BENCH_RUN="$RUN_DIR" \
        bash -c "$cmd"
      ;;
  esac
done

# curl to https://$HOST:port, resolved to loopback, certificate verified against ours.
https_curl() { # port path [curl args...]
  local port=$1 path=$2; shift 2
  curl -s --max-time 3 --tlsv1.3 --cacert "$CERT" --resolve "$HOST:$port:127.0.0.1" "$@" "https://$HOST:$port$path"
}
wait_ready() { # name check-command...
  local name=$1 i code pid=${ROOT_PIDS[$1]:-}
  shift
  for ((i = 0; i < 200; i++)); do
    code=$("$@" 2>/dev/null || true)
    [[ $code == 200 ]] && return 0
    if [[ -n $pid ]] && ! is_ours "$pid"; then
      log "run.sh: $name exited during start-up; its log:"
      tail -n 20 "$RUN_DIR"/logs/"$name"* >&2 2>/dev/null || true
      exit 1
    fi
    sleep 0.1
  done
  log "run.sh: $name not ready after 20 s (last HTTP status '$code')"
  tail -n 20 "$RUN_DIR"/logs/"$name"* >&2 2>/dev/null || true
  exit 1
}
wait_ready backend curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$BACKEND_PORT/"
wait_ready backend https_curl $PROBE_PORT / -o /dev/null -w '%{http_code}'
for t in "${TARGETS[@]}"; do wait_ready "$t" https_curl "${T_PORT[$t]}" / -o /dev/null -w '%{http_code}'; done

# ----------------------------------------------------------------- checks
CHECKS=$OUT_DIR/checks.txt
: >"$CHECKS"
CHECK_FAIL=0
check() { # target level(FAIL|WARN) description ok(0/1)
  local status
  if (($4)); then status=ok; else status=$2; [[ $2 == FAIL ]] && CHECK_FAIL=1; fi
  printf '  %-10s %-4s %s\n' "$1" "$status" "$3" | tee -a "$CHECKS" >&2
}
note() { printf '  %-10s %-4s %s\n' "$1" info "$2" | tee -a "$CHECKS" >&2; }
ab_cmd() { # duration port csv
  AB=("${LG_PREFIX[@]}" ab -q -r -l -f TLS1.3 -c "$CONNS" -t "$1" -n 100000000 -s 10 -e "$3"
    -H "Host: $HOST" "https://127.0.0.1:$2/")
}
wrk_cmd() { # duration port
  WRK=(env OPENSSL_CONF="$CLIENT_CNF" "${LG_PREFIX[@]}" wrk -t"$THREADS" -c"$CONNS" -d"${1}s"
    --timeout 5s --latency -s "$HERE/lib/wrk.lua" -H "Host: $HOST" "https://$HOST:$2/")
}

log "checks:"
# The handshake scenario must never resume: ab opens every connection with a fresh SSL
# object and no session. Shown on the probe, which does resume when a client offers a
# session (positive control first), with the exact ab command of the measurement.
PROBE_LOG=$RUN_DIR/logs/probe.access.log
# (A request, so that s_client reads the tickets TLS 1.3 sends after the handshake.)
printf 'GET / HTTP/1.0\r\nHost: %s\r\n\r\n' "$HOST" |
  openssl s_client -quiet -ign_eof -connect 127.0.0.1:$PROBE_PORT -servername "$HOST" -tls1_3 \
    -sess_out "$RUN_DIR/sess.pem" >/dev/null 2>&1 || true
r=$(openssl s_client -connect 127.0.0.1:$PROBE_PORT -servername "$HOST" -tls1_3 -sess_in "$RUN_DIR/sess.pem" \
  </dev/null 2>/dev/null | grep -c '^Reused,' || true)
check probe FAIL "positive control: the probe resumes an offered session (openssl s_client -sess_in)" $([[ $r == 1 ]] && echo 1 || echo 0)
if has_scen handshake; then
  : >"$PROBE_LOG"
  ab_cmd 1 $PROBE_PORT "$RUN_DIR/probe.csv"
  "${AB[@]}" >"$RUN_DIR/logs/probe-ab.txt" 2>&1 || true
  total=$(wc -l <"$PROBE_LOG") resumed=$(grep -c '^r ' "$PROBE_LOG" || true)
  check probe FAIL "ab (handshake scenario) resumed $resumed of $total handshakes (must be 0)" \
    $([[ $total -gt 0 && $resumed == 0 ]] && echo 1 || echo 0)
fi
if has_scen keepalive; then
  # Informative: why wrk is not used for full handshakes (it keeps the session of the
  # previous connection and resumes with it when "Connection: close" forces reconnects).
  : >"$PROBE_LOG"
  wrk_cmd 1 $PROBE_PORT
  "${WRK[@]}" -H "Connection: close" >/dev/null 2>&1 || true
  note probe "wrk with 'Connection: close' resumed $(grep -c '^r ' "$PROBE_LOG" || true) of $(wc -l <"$PROBE_LOG") handshakes (why the handshake scenario uses ab)"
fi

for t in "${TARGETS[@]}"; do
  p=${T_PORT[$t]}
  lvl=FAIL
  [[ ${T_KIND[$t]} == candidate ]] && lvl=WARN
  r=$(https_curl "$p" /some/path?x=1 -w ' %{http_code}' || true)
  check "$t" FAIL "https://$HOST:$p/some/path -> 200 \"ok\", certificate verified against the benchmark one (got: $r)" \
    $([[ $r == "ok 200" ]] && echo 1 || echo 0)
  e=$(https_curl "$p" /__bench/echo || true)
  check "$t" $lvl "backend sees Host $HOST and X-Forwarded-For 127.0.0.1 (got: ${e%$'\n'})" \
    $([[ $e == *"host=$HOST "* && $e == *"xff=127.0.0.1"* ]] && echo 1 || echo 0)
  c=$(https_curl "$p" / -o /dev/null -w '%{http_code}' -H "Host: unknown.invalid" || true)
  check "$t" WARN "unknown Host -> 404 (Host-based route; got $c)" $([[ $c == 404 ]] && echo 1 || echo 0)
  # What the handshake looks like: protocol, cipher, key exchange group, signature.
  s=$(openssl s_client -connect 127.0.0.1:"$p" -servername "$HOST" -tls1_3 </dev/null 2>/dev/null || true)
  proto=$(awk '/^New, /{print $2}' <<<"$s" | tr -d ,) cipher=$(awk '/^New, /{print $NF}' <<<"$s")
  group=$(awk -F': ' '/^Server Temp Key/{print $2}' <<<"$s" | cut -d, -f1)
  sig=$(awk -F': ' '/^Peer signature type/{print $2}' <<<"$s")
  check "$t" FAIL "TLS 1.3 handshake ($proto $cipher, group $group, signature $sig)" $([[ $proto == TLSv1.3 ]] && echo 1 || echo 0)
  printf '%s\t%s\t%s\t%s\t%s\n' "$t" "$proto" "$cipher" "$group" "$sig" >>"$OUT_DIR/tls-params.tsv"
done
((CHECK_FAIL == 0)) || die "checks failed (see above); logs in $RUN_DIR/logs"

# ----------------------------------------------------------------- environment
NCPU=$(nproc)
{
  echo "date: $(date -Is)"
  echo "command: $0${ORIG_ARGS[*]:+ ${ORIG_ARGS[*]}}"
  echo "uptime_start: $(uptime)"
  echo "host: $(uname -srm), $NCPU CPUs, $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "cpu_model: $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)"
  echo "other_builds_start: $(pgrep -c -x cargo || true) cargo, $(pgrep -c -x rustc || true) rustc processes"
  echo "pin: $PIN (loadgen+backend cpus $LOADGEN_CPUS, proxy cpus $PROXY_CPUS), workers: $WORKERS"
  echo "load: duration ${DURATION}s warmup ${WARMUP}s rounds $ROUNDS conns $CONNS wrk threads $THREADS"
  echo "scenarios: ${SCEN_LIST[*]}"
  echo "targets: ${TARGETS[*]}"
  for t in "${TARGETS[@]}"; do echo "port.$t: ${T_PORT[$t]}${CAND_BIN[$t]:+ (${CAND_BIN[$t]})}"; done
  echo "certificate: $(openssl x509 -in "$CERT" -noout -subject -ext subjectAltName 2>/dev/null | tr '\n' ' '), ECDSA P-256"
  echo "version.nginx: $(nginx -v 2>&1 || true)"
  echo "version.haproxy: $(haproxy -v 2>/dev/null | head -1 || true)"
  echo "version.caddy: $(caddy version 2>/dev/null | head -1 || true)"
  echo "version.openssl: $(openssl version)"
  echo "version.ab: $(ab -V 2>/dev/null | head -1 || true)"
  echo "version.wrk: $(wrk -v 2>&1 | head -1 || true)"
  for n in "${CAND_NAMES[@]}"; do
    has_target "$n" && [[ -n ${CAND_BIN[$n]:-} ]] &&
      echo "binary.$n: ${CAND_BIN[$n]} ($(stat -c '%y' "${CAND_BIN[$n]}" | cut -d. -f1), sha256 $(sha256sum "${CAND_BIN[$n]}" | cut -c1-12))"
  done
  git -C "$HERE" rev-parse --short HEAD 2>/dev/null | sed 's/^/repo_head: /' || true
} >"$OUT_DIR/env.txt"

# ----------------------------------------------------------------- measurement
HZ=$(getconf CLK_TCK)
RAW=$OUT_DIR/raw.tsv
printf '%s\n' "scenario	target	round	tool	out	elapsed_s	hz	proxy_ticks	backend_ticks	loadgen_ticks	busy_ticks	steal_ticks	proxy_hwm_kb	upstream_conns	load1	ncpu	rc" >"$RAW"

sum_ticks() { # var pid...
  local -n _out=$1; shift
  local t=0 p s
  local -a f
  for p in "$@"; do
    { s=$(<"/proc/$p/stat"); } 2>/dev/null || continue
    s=${s##*) }
    read -r -a f <<<"$s"
    t=$((t + f[11] + f[12]))
  done
  _out=$t
}
self_child_ticks() { # var: CPU of this shell's waited-for children (the load generator)
  local -n _o=$1
  local s
  local -a f
  s=$(<"/proc/$$/stat"); s=${s##*) }
  read -r -a f <<<"$s"
  _o=$((f[13] + f[14]))
}
busy_ticks() { # busy steal
  local -n _b=$1 _st=$2
  local cpu u n s i iw irq sirq st rest
  read -r cpu u n s i iw irq sirq st rest </proc/stat
  _b=$((u + n + s)) _st=$st
}
reset_hwm() { local p; for p in "$@"; do echo 5 >"/proc/$p/clear_refs" 2>/dev/null || true; done; }
sum_hwm() {
  local p v t=0
  for p in "$@"; do
    v=$(awk '/^VmHWM:/{print $2}' "/proc/$p/status" 2>/dev/null || true)
    t=$((t + ${v:-0}))
  done
  echo "$t"
}
backend_accepts() { curl -s --max-time 2 "http://127.0.0.1:$BACKEND_PORT/__bench/status" 2>/dev/null | awk 'NR==3{print $1}'; }
run_loadgen() { # out cmd...
  local out=$1 rc=0
  shift
  "$@" >"$out" 2>&1 &
  LG_PID=$!
  wait "$LG_PID" || rc=$?
  LG_PID=""
  return $rc
}

TOTAL_RUNS=$((${#SCEN_LIST[@]} * ${#TARGETS[@]} * ROUNDS))
EST=$((TOTAL_RUNS * (DURATION + WARMUP + 1) + 5))
log ""
log "running $TOTAL_RUNS measured runs ($ROUNDS rounds x scenarios ${SCEN_LIST[*]} x targets ${TARGETS[*]}), about $((EST / 60))m$((EST % 60))s"
log "load: $(uptime)"
log "results: $OUT_DIR"

RUN_N=0
run_one() { # scenario target round
  local scen=$1 t=$2 round=$3 port=${T_PORT[$2]} tool
  local tag="$scen-$t-r$round"
  local out=$OUT_DIR/runs/$tag.txt
  local -a ppids bpids cmd
  ppids=($(tree_pids ${ROOT_PIDS[$t]}))
  bpids=($(tree_pids ${ROOT_PIDS[backend]}))
  RUN_N=$((RUN_N + 1))
  reset_hwm "${ppids[@]}"
  if [[ $scen == handshake ]]; then
    tool=ab
    if ((WARMUP > 0)); then ab_cmd "$WARMUP" "$port" "$RUN_DIR/warmup.csv"; run_loadgen "$RUN_DIR/warmup.txt" "${AB[@]}" || true; fi
    ab_cmd "$DURATION" "$port" "$OUT_DIR/runs/$tag.csv"
    cmd=("${AB[@]}")
  else
    tool=wrk
    if ((WARMUP > 0)); then wrk_cmd "$WARMUP" "$port"; run_loadgen "$RUN_DIR/warmup.txt" "${WRK[@]}" || true; fi
    wrk_cmd "$DURATION" "$port"
    cmd=("${WRK[@]}")
  fi
  local acc0 acc1 pt0 pt1 bt0 bt1 lt0 lt1 sb0 sb1 st0 st1 t0 t1 rc=0 up=""
  acc0=$(backend_accepts)
  sum_ticks pt0 "${ppids[@]}"; sum_ticks bt0 "${bpids[@]}"; self_child_ticks lt0; busy_ticks sb0 st0
  t0=$EPOCHREALTIME
  run_loadgen "$out" "${cmd[@]}" || rc=$?
  t1=$EPOCHREALTIME
  sum_ticks pt1 "${ppids[@]}"; sum_ticks bt1 "${bpids[@]}"; self_child_ticks lt1; busy_ticks sb1 st1
  acc1=$(backend_accepts)
  [[ -n $acc0 && -n $acc1 ]] && up=$((acc1 - acc0 - 1))
  local elapsed load1 rps
  elapsed=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')
  read -r load1 _ </proc/loadavg
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$scen" "$t" "$round" "$tool" "runs/$tag.txt" "$elapsed" "$HZ" $((pt1 - pt0)) $((bt1 - bt0)) \
    $((lt1 - lt0)) $((sb1 - sb0)) $((st1 - st0)) "$(sum_hwm "${ppids[@]}")" "$up" "$load1" "$NCPU" "$rc" >>"$RAW"
  if [[ $tool == ab ]]; then rps=$(awk '/^Requests per second:/{printf "%.0f", $4}' "$out")
  else rps=$(awk '/^Requests\/sec:/{printf "%.0f", $2}' "$out"); fi
  printf '  [%3d/%d] %-9s %-9s r%d  %8s req/s%s\n' "$RUN_N" "$TOTAL_RUNS" "$scen" "$t" "$round" \
    "${rps:-?}" "$([[ $rc != 0 ]] && echo "  (exit $rc, see $out)")" >&2
}

for ((round = 1; round <= ROUNDS; round++)); do
  for scen in "${SCEN_LIST[@]}"; do
    for t in "${TARGETS[@]}"; do run_one "$scen" "$t" "$round"; done
  done
done

{
  echo "uptime_end: $(uptime)"
  echo "other_builds_end: $(pgrep -c -x cargo || true) cargo, $(pgrep -c -x rustc || true) rustc processes"
} >>"$OUT_DIR/env.txt"

# ----------------------------------------------------------------- report
"$PY" "$HERE/lib/report.py" "$OUT_DIR"
ln -sfn "$OUT_DIR" "$HERE/results/latest" 2>/dev/null || true
log ""
log "results: $OUT_DIR (table.md, summary.json, raw.tsv, runs/, checks.txt, tls-params.tsv, config/, logs/)"
