#!/usr/bin/env bash
# Inside the pod: log in with the projected service-account token (audience "ward") through
# auth/jwt, which checks it against the cluster's published keys (OIDC discovery), then read
# the app's secret. Needs VAULT_ADDR (and VAULT_CACERT for TLS).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ward="${WARD:-$here/../../bin/ward}"
sa_token="${SA_TOKEN:-/var/run/secrets/tokens/ward-token}"

unset VAULT_TOKEN WARD_TOKEN
# jwt=@file: the token is read from the file, never put on a command line.
VAULT_TOKEN="$("$ward" write -field=token auth/jwt/login role=app jwt=@"$sa_token")"
export VAULT_TOKEN
user="$("$ward" kv get -field=username secret/app/db)"
echo "pod: logged in through auth/jwt (service-account token, OIDC discovery); secret/app/db is for user $user"
"$ward" token revoke -self >/dev/null
