#!/usr/bin/env bash
# Pattern 3 end to end on one machine: a dev Ward server, an AppRole whose secret ID is
# delivered response-wrapped, the agent rendering a file, and an "app" that only reads
# that file. Run from anywhere after `npm run build`.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
ward="$here/../../bin/ward"
port="${PORT:-8219}"
export VAULT_ADDR="http://127.0.0.1:$port"
work="$here/work"
rm -rf "$work" && mkdir -p "$work"
cp "$here/agent.hcl" "$here/app.env.tpl" "$work/"

pids=()
# Stop the agent and the server, and wait for them: nothing is left running when this ends.
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

echo "==> starting a dev server on $VAULT_ADDR"
"$ward" server -dev -dev-root-token-id=root -dev-listen-address="127.0.0.1:$port" -dev-storage=inmem >"$work/server.log" 2>&1 &
server=$!
pids+=("$server")
# Wait for our server's banner; if it exits first (the port is taken), say so and stop,
# rather than sending the root token and the steps below to whatever holds the port.
for _ in $(seq 150); do
  if ! kill -0 "$server" 2>/dev/null; then echo "run.sh: the dev server did not start:" >&2; cat "$work/server.log" >&2; exit 1; fi
  grep -qs 'Development mode should NOT' "$work/server.log" && break
  sleep 0.2
done
grep -qs 'Development mode should NOT' "$work/server.log" || { echo "run.sh: the dev server did not start in 30 s" >&2; exit 1; }

echo "==> operator: AppRole, policy, a secret"
export VAULT_TOKEN=root
"$ward" auth enable approle >/dev/null
"$ward" policy write app "$here/policy.hcl" >/dev/null
"$ward" write auth/approle/role/app token_policies=app token_ttl=1h >/dev/null
"$ward" kv put secret/app/db username=app password=first-password >/dev/null
# The role ID is not secret on its own; the secret ID travels wrapped (single use, 5 minutes).
"$ward" read -field=role_id auth/approle/role/app/role-id >"$work/role-id"
"$ward" write -f -wrap-ttl=5m -field=wrapping_token auth/approle/role/app/secret-id >"$work/secret-id"
unset VAULT_TOKEN

echo "==> starting the agent (no token in its environment)"
(cd "$work" && exec "$ward" agent -config=agent.hcl) >"$work/agent.log" 2>&1 &
pids+=($!)
for _ in $(seq 300); do [ -s "$work/out/app.env" ] && break; sleep 0.1; done
[ -s "$work/out/app.env" ] || { echo "run.sh: the agent rendered nothing in 30 s; its log:" >&2; cat "$work/agent.log" >&2; exit 1; }

echo "==> the app reads its file:"
cat "$work/out/app.env"; echo

echo "==> operator rotates the password on the server"
VAULT_TOKEN=root "$ward" kv put secret/app/db username=app password=second-password >/dev/null
for _ in $(seq 50); do grep -q second-password "$work/out/app.env" && break; sleep 0.1; done

echo "==> the app reads its file again:"
cat "$work/out/app.env"; echo
sleep 0.5
echo "==> reload hook runs:"; cat "$work/out/reloads.log"
test ! -e "$work/secret-id" && echo "==> the wrapped secret-id file was consumed and removed"
