#!/bin/sh
# `make test`: the browser tests drive Debian's Chromium (never `playwright install`: its download is
# blocked on these machines). Install it when missing: as root with apt-get, otherwise stop and say how.
# CHROMIUM_PATH is the path the browser tests use (tests/e2e/conftest.py), /usr/bin/chromium by default.
set -eu

chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
[ -x "$chromium" ] && exit 0

install="apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium"
if [ "$(id -u)" -ne 0 ]; then
    echo "make test: the browser tests need Chromium at $chromium. Install it once, then run make test again:" >&2
    echo "  sudo sh -c '$install'" >&2
    exit 1
fi

echo "make test: installing Chromium (Debian package) for the browser tests"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q chromium
if [ ! -x "$chromium" ]; then
    echo "make test: Debian's chromium is installed but $chromium is still missing; check CHROMIUM_PATH." >&2
    exit 1
fi
