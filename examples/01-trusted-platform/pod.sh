#!/usr/bin/env bash
# Pattern 1 inside the pod: log in with the pod's service-account token, read the app's
# secret. Needs VAULT_ADDR (and VAULT_CACERT for TLS). Nothing secret is baked into the
# image: the token is projected by the kubelet and Ward checks it with a TokenReview.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ward="${WARD:-$here/../../bin/ward}"
sa_token="${SA_TOKEN:-/var/run/secrets/kubernetes.io/serviceaccount/token}"

unset VAULT_TOKEN WARD_TOKEN
VAULT_TOKEN="$("$ward" login -method=kubernetes -token-only role=app jwt=@"$sa_token")"
export VAULT_TOKEN
user="$("$ward" kv get -field=username secret/app/db)"
echo "pod: logged in through Kubernetes auth; secret/app/db is for user $user"
