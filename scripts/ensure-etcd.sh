#!/usr/bin/env bash
# Makes sure the etcd server binary is installed for the etcd storage and HA tests, which
# start real 3-member clusters on loopback. Idempotent: does nothing when etcd is present.
# On a fresh Debian/Ubuntu machine running as root it installs the `etcd-server` package.
set -euo pipefail

if command -v etcd >/dev/null 2>&1; then
  echo "ensure-etcd: found $(command -v etcd)"
  exit 0
fi
echo "ensure-etcd: etcd not found; installing the etcd-server package"
bash "$(dirname "$0")/apt-install.sh" ensure-etcd etcd-server
if command -v etcd >/dev/null 2>&1; then
  echo "ensure-etcd: installed $(command -v etcd)"
  exit 0
fi
echo "ensure-etcd: ERROR: etcd-server was installed but etcd is still missing" >&2
exit 1
