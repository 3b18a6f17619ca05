#!/usr/bin/env bash
# Installs what bench/tls/run.sh needs (Debian 12 / bookworm), idempotently.
#
#   sudo bench/tls/setup.sh          (or as root)
#
# The tools of ../shared/bench/setup.sh (nginx, haproxy, caddy, wrk, curl, python3) plus
# apache2-utils (ab, the full-handshake load generator) and openssl (certificate, checks).
# Never leaves a system service running or enabled: while installing, a temporary
# /usr/sbin/policy-rc.d forbids Debian's maintainer scripts from starting services, and
# afterwards nginx/haproxy/caddy are disabled. run.sh starts its own instances.
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
  echo "setup.sh: must run as root (apt-get install)" >&2
  exit 1
fi

PKGS=(nginx haproxy caddy wrk apache2-utils openssl curl python3 procps iproute2 util-linux)
SERVICES=(nginx haproxy caddy)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup.sh: installing: ${missing[*]}"
  created_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    # Exit code 101 = "action not allowed": postinst scripts do not start the services.
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  cleanup_policy() { if ((created_policy)); then rm -f /usr/sbin/policy-rc.d; fi; }
  trap cleanup_policy EXIT
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
  cleanup_policy
  trap - EXIT
else
  echo "setup.sh: all packages already installed"
fi

for s in "${SERVICES[@]}"; do
  if [[ -d /run/systemd/system ]]; then
    systemctl disable --now "$s" >/dev/null 2>&1 || true
  else
    systemctl disable "$s" >/dev/null 2>&1 || true
    if [[ -x /etc/init.d/$s ]]; then
      update-rc.d "$s" disable >/dev/null 2>&1 || true
      # Only stops the system instance (through its pidfile), never run.sh's.
      if /etc/init.d/"$s" status >/dev/null 2>&1; then /etc/init.d/"$s" stop >/dev/null 2>&1 || true; fi
    fi
  fi
done

echo "setup.sh: versions:"
printf '  %s\n' \
  "$(nginx -v 2>&1)" \
  "$(haproxy -v 2>&1 | head -1)" \
  "caddy $(caddy version 2>&1 | head -1)" \
  "$(wrk -v 2>&1 | head -1)" \
  "$(ab -V 2>&1 | head -1)" \
  "$(openssl version)"
echo "setup.sh: done"
