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
bash "$(dirname "$0")/apt-install.sh" ensure-postgres postgresql
if found="$(find_initdb)"; then
  echo "ensure-postgres: installed $found"
  exit 0
fi
echo "ensure-postgres: ERROR: postgresql was installed but initdb is still missing" >&2
exit 1
