#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs the real counterparts the tests run
# against (idempotently; Debian packages), then runs every test. `.ci/run` calls this.
#
#   ./test.sh                  # everything
#   ./test.sh -E 'test(tls)'   # extra arguments go to cargo nextest
set -euo pipefail
cd "$(dirname "$0")"

# Pebble (ACME server) with pebble-challtestsrv, Knot DNS (rfc2136 target) with
# knsupdate/kdig, testssl.sh, the TLS clients curl and nghttp (nghttp2-client, which also
# brings h2load), valgrind for bench/callgrind, chromium for the dashboard test, and
# redis-server (with redis-cli) for rateLimit.redis; prometheus (the server) scrapes the
# gateway in the metrics test; haproxy sits in front of the gateway in the PROXY protocol tests.
need=()
command -v curl >/dev/null 2>&1 || need+=(curl)
{ command -v nghttp && command -v h2load; } >/dev/null 2>&1 || need+=(nghttp2-client)
command -v pebble >/dev/null 2>&1 || need+=(pebble)
command -v knotd >/dev/null 2>&1 || [ -x /usr/sbin/knotd ] || need+=(knot)
command -v knsupdate >/dev/null 2>&1 || need+=(knot-dnsutils)
command -v testssl >/dev/null 2>&1 || need+=(testssl.sh)
command -v valgrind >/dev/null 2>&1 || need+=(valgrind)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || need+=(haproxy)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v htpasswd >/dev/null 2>&1 || need+=(apache2-utils) # the auth tests' hashes
if [ "${#need[@]}" -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || {
      echo "test.sh: please install (as root): apt-get install ${need[*]}" >&2
      exit 1
    }
    sudo="sudo"
  fi
  echo "test.sh: installing ${need[*]}" >&2
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${need[@]}"
fi

# grpcio with the standard health service, for the gRPC tests (PyPI: Debian has no
# grpcio-health-checking).
if ! python3 -c 'import grpc, grpc_health.v1.health' >/dev/null 2>&1; then
  echo "test.sh: installing grpcio grpcio-health-checking (pip)" >&2
  python3 -m pip install -q grpcio grpcio-health-checking || {
    echo "test.sh: please install: python3 -m pip install grpcio grpcio-health-checking" >&2
    exit 1
  }
fi

# opentelemetry-proto (the official OTLP protobuf definitions, generated code) for the OTLP
# receiver of waygate/tests/otel.rs.
if ! python3 -c 'import opentelemetry.proto.collector.trace.v1.trace_service_pb2_grpc' >/dev/null 2>&1; then
  echo "test.sh: installing opentelemetry-proto (pip)" >&2
  python3 -m pip install -q opentelemetry-proto || {
    echo "test.sh: please install: python3 -m pip install opentelemetry-proto" >&2
    exit 1
  }
fi

if ! cargo nextest --version >/dev/null 2>&1; then
  cargo install cargo-nextest --locked
fi

cargo nextest run --workspace "$@"
