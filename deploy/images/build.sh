#!/usr/bin/env bash
# Builds container images of waygate and whoami FROM scratch out of our own binaries (this
# engine has no registry to pull a base image from): each image holds the binary, the shared
# libraries ldd reports for it (glibc, libgcc_s), /etc/passwd and /tmp.
#
#   deploy/images/build.sh [release|debug|pgo] [TAG]     # images waygate:TAG and whoami:TAG
#
# Uses target/<profile>/{waygate,whoami}; builds them first unless WAYGATE_SKIP_BUILD=1.
# pgo: waygate from the profile-guided build (bench/pgo/build.sh, target/pgo/release), the
# binary the benchmarks quote; whoami from the release build.
set -euo pipefail
cd "$(dirname "$0")/../.."
profile=${1:-release}
tag=${2:-dev}
dir=$profile
[[ $profile == debug ]] && dir=debug
[[ $profile == pgo ]] && dir=release
if [[ ${WAYGATE_SKIP_BUILD:-0} != 1 ]]; then
  case $profile in
    debug) cargo build -p waygate -p whoami ;;
    pgo) bench/pgo/build.sh && cargo build --release -p whoami ;;
    *) cargo build --profile "$profile" -p waygate -p whoami ;;
  esac
fi
command -v docker >/dev/null || { echo "build.sh: docker not found" >&2; exit 1; }

for bin in waygate whoami; do
  src=target/$dir/$bin
  [[ $profile == pgo && $bin == waygate ]] && src=target/pgo/release/waygate
  [[ -x $src ]] || { echo "build.sh: $src not built" >&2; exit 1; }
  stage=$(mktemp -d)
  trap 'rm -rf "$stage"' EXIT
  mkdir -p "$stage/rootfs/tmp" "$stage/rootfs/etc"
  cp "$src" "$stage/rootfs/$bin"
  # The dynamic loader and every library the binary needs, at the same absolute paths.
  for lib in $(ldd "$src" | grep -oE '/[^ ]+\.so[^ ]*' | sort -u); do
    mkdir -p "$stage/rootfs$(dirname "$lib")"
    cp -L "$lib" "$stage/rootfs$lib"
  done
  echo "root:x:0:0:root:/:/sbin/nologin" > "$stage/rootfs/etc/passwd"
  echo "nobody:x:65534:65534:nobody:/:/sbin/nologin" >> "$stage/rootfs/etc/passwd"
  case $bin in
    waygate) cmd='["/waygate"]'; expose="80 443 8080";
             health='HEALTHCHECK --interval=5s --timeout=3s CMD ["/waygate", "healthcheck"]' ;;
    whoami) cmd='["/whoami", "--port", "80"]'; expose="80"; health="" ;;
  esac
  cat > "$stage/Dockerfile" <<DOCKERFILE
FROM scratch
COPY rootfs/ /
EXPOSE $expose
$health
ENTRYPOINT $cmd
DOCKERFILE
  docker build --quiet -t "$bin:$tag" "$stage" >/dev/null 2>&1 || docker build -t "$bin:$tag" "$stage"
  rm -rf "$stage"
  trap - EXIT
  echo "$bin:$tag $(docker image inspect -f '{{.Size}}' "$bin:$tag" | awk '{printf "%.1f MB", $1/1e6}')"
done

# whoami with a Docker HEALTHCHECK (the image has no shell: the binary probes itself).
health=$(mktemp -d)
printf 'FROM whoami:%s\nHEALTHCHECK --interval=1s --timeout=1s --retries=2 CMD ["/whoami", "health", "127.0.0.1:80"]\n' "$tag" > "$health/Dockerfile"
docker build --quiet -t "whoami-health:$tag" "$health" >/dev/null 2>&1 || docker build -t "whoami-health:$tag" "$health"
rm -rf "$health"
echo "whoami-health:$tag (whoami with a HEALTHCHECK)"
