#!/usr/bin/env bash
# Installs Debian/Ubuntu packages for the test tools (used by ensure-postgres.sh and
# ensure-openssl.sh): needs apt-get, and root or sudo. Prints why when it cannot.
#   bash scripts/apt-install.sh <tag> <package>...
set -euo pipefail
tag="$1"
shift

if ! command -v apt-get >/dev/null 2>&1; then
  echo "$tag: ERROR: apt-get is not available; install $* by hand" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "$tag: ERROR: not root and no sudo; cannot install $*" >&2
    exit 1
  fi
fi
if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update; then
  echo "$tag: ERROR: apt-get update failed" >&2
  exit 1
fi
if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"; then
  echo "$tag: ERROR: apt-get install $* failed" >&2
  exit 1
fi
