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
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-openssl: ERROR: apt-get is not available; install the openssl CLI by hand" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ensure-openssl: ERROR: not root and no sudo; cannot install openssl" >&2
    exit 1
  fi
fi
if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update; then
  echo "ensure-openssl: ERROR: apt-get update failed" >&2
  exit 1
fi
if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openssl; then
  echo "ensure-openssl: ERROR: apt-get install openssl failed" >&2
  exit 1
fi
if command -v openssl >/dev/null 2>&1 && openssl version >/dev/null 2>&1; then
  echo "ensure-openssl: installed $(command -v openssl) ($(openssl version))"
  exit 0
fi
echo "ensure-openssl: ERROR: openssl was installed but does not run" >&2
exit 1
