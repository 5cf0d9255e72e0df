#!/usr/bin/env bash
# This example on your own machine, no cluster needed: the fake Kubernetes API server of the
# test suite, started with --self-issuer (its service-account issuer is its own URL, as on a
# cluster with a public issuer), and a dev Ward. Ward verifies the pod's token with the keys
# the issuer publishes; the fake is never asked for a TokenReview.
#
#   examples/k8s-oidc-jwt/run-local.sh        # KUBE_PORT / WARD_PORT to move the ports
#
# Needs node, curl and a built tree (`npm run build`; done here if missing). Stops both
# servers and removes its temporary directory when it ends, also on failure or Ctrl-C.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
ward="$repo/bin/ward"
# shellcheck source=../lib/local-cluster.sh
source "$repo/examples/lib/local-cluster.sh"

step "1. Build (once)"
ensure_built

step "2. The cluster: fake Kubernetes API server on https://127.0.0.1:${KUBE_PORT:-6443}"
start_kube "${KUBE_PORT:-6443}" --self-issuer
issuer="$(curl -fsS --cacert "$work/ca.crt" "$kube_url/.well-known/openid-configuration" | field issuer)"
echo "service-account issuer $issuer"
pod_uid="$(make_pod prod app web)"
echo "namespace prod, service account app, pod web ($pod_uid)"
pod_token prod app web "$pod_uid" ward >"$work/pod.token"

step "3. Ward: a dev server on http://127.0.0.1:${WARD_PORT:-8200}"
start_ward "${WARD_PORT:-8200}"

step "4. Operator, once (the README's commands)"
(
  export VAULT_TOKEN; VAULT_TOKEN="$(cat "$work/root.token")"
  "$ward" auth enable jwt
  "$ward" write auth/jwt/config oidc_discovery_url="$issuer" bound_issuer="$issuer" oidc_discovery_ca_pem=@"$work/ca.crt"
  "$ward" policy write app "$here/policy-app.hcl"
  "$ward" write auth/jwt/role/app - <"$here/role-app.json"
  "$ward" kv put secret/app/db username=app password=s3cret >/dev/null
  echo "jwt auth, policy app, role app and secret/app/db are in place"
)

step "5. In the pod: pod.sh with the projected token"
SA_TOKEN="$work/pod.token" "$here/pod.sh"

step "6. What a refusal looks like: a token the cluster issued for another audience"
pod_token prod app web "$pod_uid" someone-else >"$work/other.token"
if SA_TOKEN="$work/other.token" "$here/pod.sh" 2>"$work/refused.txt"; then
  echo "run-local: expected a refusal" >&2; exit 1
fi
grep -m1 -o 'invalid audience.*' "$work/refused.txt"

step "Done: both servers stop now"
