#!/usr/bin/env bash
# Makes sure ssh-keygen (Debian's openssh-client) is installed: the SSH secrets engine tests
# parse and verify the certificates Ward signs with it. Idempotent: does nothing when it is
# present. scripts/run-tests.mjs runs it before tests under ssh/.
set -euo pipefail

if command -v ssh-keygen >/dev/null 2>&1; then
  echo "ensure-openssh: found $(command -v ssh-keygen)"
  exit 0
fi

echo "ensure-openssh: ssh-keygen not found; installing the openssh-client package"
bash "$(dirname "$0")/apt-install.sh" ensure-openssh openssh-client
if command -v ssh-keygen >/dev/null 2>&1; then
  echo "ensure-openssh: installed $(command -v ssh-keygen)"
  exit 0
fi
echo "ensure-openssh: ERROR: openssh-client was installed but ssh-keygen is missing" >&2
exit 1
