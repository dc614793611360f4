#!/usr/bin/env bash
# Installs the Debian 12 packages the build, tests and benchmarks need, and
# only those that are missing, so that `make run` and `make test` do all the
# set-up on a fresh machine. Usage: tools/deps.sh [build|test|bench]
set -euo pipefail
level=${1:-test}
pkgs="re2c"                                  # build: the lexer generator
if [ "$level" != build ]; then
  # golang-go: the study suite reads an allocation profile with `go tool pprof`
  pkgs="$pkgs lua5.4 liblua5.4-dev libcunit1-dev clang libclang-rt-14-dev valgrind chromium golang-go"
fi
if [ "$level" = bench ]; then
  pkgs="$pkgs libgc-dev"
fi
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
