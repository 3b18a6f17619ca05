#!/usr/bin/env bash
# The profile-guided release build: the binary the benchmarks quote and the one to ship.
#
#   bench/pgo/build.sh            # -> target/pgo/release/waygate
#   CARGO_TARGET_DIR=DIR bench/pgo/build.sh   # -> DIR/pgo/release/waygate
#
# 1. builds an instrumented release binary (-Cprofile-generate) in target/pgo-gen;
# 2. runs it through bench/pgo/train.sh (the gate's workloads: HTTP/1.1, h2c, TLS, the
#    middleware chains, metrics + JSON access log + tracing), which leaves .profraw files;
# 3. merges them with the llvm-profdata of rustc's own LLVM major version (Debian's
#    llvm-N package, installed here when missing);
# 4. builds the release binary with -Cprofile-use in target/pgo.
# Separate target directories keep the plain `cargo build --release` (which the instruction
# gate counts) and its cache untouched. PGO_REQUESTS sets the training's request count.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
major=$(rustc -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')
[ -n "$major" ] || { echo "build.sh: rustc -vV names no LLVM version" >&2; exit 1; }
profdata=$(command -v "llvm-profdata-$major" || true)
if [ -z "$profdata" ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  echo "build.sh: installing llvm-$major (llvm-profdata for rustc's LLVM $major)" >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "llvm-$major" >&2 \
    || { $sudo apt-get update -q >&2 && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "llvm-$major" >&2; } \
    || { echo "build.sh: llvm-profdata-$major is required (apt-get install llvm-$major)" >&2; exit 1; }
  profdata=$(command -v "llvm-profdata-$major")
fi
base=${CARGO_TARGET_DIR:-$root/target}
data="$base/pgo-data"
rm -rf "$data"
mkdir -p "$data"
RUSTFLAGS="-Cprofile-generate=$data" CARGO_TARGET_DIR="$base/pgo-gen" \
  cargo build --release -p waygate
bench/pgo/train.sh "$base/pgo-gen/release/waygate" "$data/raw"
"$profdata" merge -o "$data/waygate.profdata" "$data"/raw/*.profraw
RUSTFLAGS="-Cprofile-use=$data/waygate.profdata" \
  CARGO_TARGET_DIR="$base/pgo" cargo build --release -p waygate
echo "build.sh: built $base/pgo/release/waygate"
