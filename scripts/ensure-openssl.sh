#!/usr/bin/env bash
# Makes sure the openssl CLI is installed: the TLS listener, API TLS and PKI tests use it to
# make certificates and as an independent parser. Idempotent: does nothing when it is
# present. On a Debian/Ubuntu machine running as root (or with sudo) it installs the
# `openssl` package. scripts/run-tests.mjs runs it before the suite.
set -euo pipefail

if command -v openssl >/dev/null 2>&1 && openssl version >/dev/null 2>&1; then
  echo "ensure-openssl: found $(command -v openssl) ($(openssl version))"
  exit 0
fi

echo "ensure-openssl: openssl not found; installing the openssl package"
bash "$(dirname "$0")/apt-install.sh" ensure-openssl openssl
if command -v openssl >/dev/null 2>&1 && openssl version >/dev/null 2>&1; then
  echo "ensure-openssl: installed $(command -v openssl) ($(openssl version))"
  exit 0
fi
echo "ensure-openssl: ERROR: openssl was installed but does not run" >&2
exit 1
