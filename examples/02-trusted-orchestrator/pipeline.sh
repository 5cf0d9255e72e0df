#!/usr/bin/env bash
# The CI/CD side of pattern 2: with its narrowly scoped token (VAULT_TOKEN, policy ci),
# mint one wrapped secret ID for the app and hand it over together with the role ID.
# Usage: VAULT_ADDR=… VAULT_TOKEN=<ci token> ROLE_ID=… pipeline.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ward="${WARD:-$here/../../bin/ward}"

handoff="$(mktemp -d)"
trap 'rm -rf "$handoff"' EXIT
umask 077
# 5 minutes, single use. The pipeline only ever holds the wrapping token.
"$ward" write -f -wrap-ttl=5m -field=wrapping_token auth/approle/role/app/secret-id >"$handoff/secret-id"
# Deploy: here the "deployment" is starting the app with no token in its environment.
env -u VAULT_TOKEN -u WARD_TOKEN ROLE_ID="$ROLE_ID" WRAPPED_SECRET_ID_FILE="$handoff/secret-id" node "$here/app.mjs"
