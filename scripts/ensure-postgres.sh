#!/usr/bin/env bash
# Makes sure PostgreSQL server binaries (initdb, pg_ctl) are installed for the database
# engine's integration tests. Idempotent: does nothing when they are already present.
# On a fresh Debian/Ubuntu machine running as root it installs the `postgresql` package.
set -euo pipefail

find_initdb() {
  if command -v pg_config >/dev/null 2>&1; then
    local bindir
    bindir="$(pg_config --bindir 2>/dev/null || true)"
    if [ -n "$bindir" ] && [ -x "$bindir/initdb" ]; then echo "$bindir/initdb"; return 0; fi
  fi
  local f
  for f in $(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V -r); do
    if [ -x "$f" ]; then echo "$f"; return 0; fi
  done
  if command -v initdb >/dev/null 2>&1; then command -v initdb; return 0; fi
  return 1
}

if found="$(find_initdb)"; then
  echo "ensure-postgres: found $found"
  exit 0
fi

echo "ensure-postgres: initdb not found; installing the postgresql package"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-postgres: ERROR: apt-get is not available; install PostgreSQL server binaries (initdb, pg_ctl) by hand" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ensure-postgres: ERROR: not root and no sudo; cannot install postgresql" >&2
    exit 1
  fi
fi
if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update; then
  echo "ensure-postgres: ERROR: apt-get update failed" >&2
  exit 1
fi
if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql; then
  echo "ensure-postgres: ERROR: apt-get install postgresql failed" >&2
  exit 1
fi
if found="$(find_initdb)"; then
  echo "ensure-postgres: installed $found"
  exit 0
fi
echo "ensure-postgres: ERROR: postgresql was installed but initdb is still missing" >&2
exit 1
