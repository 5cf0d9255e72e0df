#!/usr/bin/env bash
# Makes sure OpenSSH is installed: the SSH secrets engine tests parse and verify the
# certificates Ward signs with ssh-keygen (openssh-client) and log in with them through a
# real sshd (openssh-server) on a loopback port. Idempotent: does nothing when both are
# present. scripts/run-tests.mjs runs it before tests under ssh/. The package's own service
# is not used (and not started): the tests run their own sshd with their own config.
set -euo pipefail

have() { command -v ssh-keygen >/dev/null 2>&1 && command -v ssh >/dev/null 2>&1 && [ -x /usr/sbin/sshd ]; }

if have; then
  echo "ensure-openssh: found $(command -v ssh-keygen) and /usr/sbin/sshd"
  exit 0
fi

echo "ensure-openssh: OpenSSH not found; installing openssh-client and openssh-server"
bash "$(dirname "$0")/apt-install.sh" ensure-openssh openssh-client openssh-server
if have; then
  echo "ensure-openssh: installed ssh-keygen, ssh and sshd"
  exit 0
fi
echo "ensure-openssh: ERROR: OpenSSH was installed but ssh-keygen, ssh or sshd is missing" >&2
exit 1
