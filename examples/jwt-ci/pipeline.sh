#!/usr/bin/env bash
# A CI job that proves who it is with the OIDC token its CI platform issued (GitHub
# Actions' ID token, GitLab's id_tokens) and reads one secret. No Ward credential is
# stored anywhere in the CI system.
# Usage: VAULT_ADDR=… CI_OIDC_TOKEN=<the job's ID token> [ROLE=deploy] pipeline.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ward="${WARD:-$here/../../bin/ward}"
: "${CI_OIDC_TOKEN:?the job ID token is required (GitHub: request it with id-token: write; GitLab: id_tokens)}"

# The JWT goes to Ward on stdin, never on a command line other processes can read.
token="$(printf '%s' "$CI_OIDC_TOKEN" | "$ward" write -field=token auth/jwt/login role="${ROLE:-deploy}" jwt=-)"
password="$(VAULT_TOKEN="$token" "$ward" kv get -field=password secret/ci/deploy)"
# A real job would use the value; the example only shows it arrived.
echo "pipeline: logged in through auth/jwt; read secret/ci/deploy (${#password} characters)"
VAULT_TOKEN="$token" "$ward" token revoke -self >/dev/null
