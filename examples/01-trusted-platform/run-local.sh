#!/usr/bin/env bash
# Pattern 1 on your own machine, no cluster needed: the fake Kubernetes API server of the test
# suite (test/fakes/kube-apiserver, `npm run kube-fake`) stands in for the cluster, a dev Ward
# server for Ward. Every step is what you would do against a real cluster; the fake issues the
# service-account tokens and answers Ward's TokenReviews as a real API server does.
#
#   examples/01-trusted-platform/run-local.sh        # KUBE_PORT / WARD_PORT to move the ports
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
start_kube "${KUBE_PORT:-6443}"
pod_uid="$(make_pod prod app web)"
echo "namespace prod, service account app, pod web ($pod_uid)"
# Ward's reviewer: a service account bound to system:auth-delegator (the fake binds this one).
kube -X POST -d '{"spec":{}}' /api/v1/namespaces/kube-system/serviceaccounts/ward-token-reviewer/token | field status.token >"$work/reviewer.jwt"
pod_token prod app web "$pod_uid" ward >"$work/pod.token"

step "3. Ward: a dev server on http://127.0.0.1:${WARD_PORT:-8200}"
start_ward "${WARD_PORT:-8200}"

step "4. Operator, once (the README's commands)"
(
  export VAULT_TOKEN; VAULT_TOKEN="$(cat "$work/root.token")"
  "$ward" auth enable kubernetes
  "$ward" write auth/kubernetes/config kubernetes_host="$kube_url" \
      kubernetes_ca_cert=@"$work/ca.crt" token_reviewer_jwt=@"$work/reviewer.jwt"
  "$ward" policy write app "$here/policy-app.hcl"
  "$ward" write auth/kubernetes/role/app bound_service_account_names=app \
      bound_service_account_namespaces=prod audience=ward token_policies=app token_ttl=1h
  "$ward" kv put secret/app/db username=app password=s3cret >/dev/null
  echo "kubernetes auth, policy app, role app and secret/app/db are in place"
)

step "5. In the pod: pod.sh with the projected token"
SA_TOKEN="$work/pod.token" "$here/pod.sh"

step "6. What a refusal looks like: the pod's token cannot read another app's secret"
if VAULT_TOKEN="$("$ward" login -method=kubernetes -token-only role=app jwt=@"$work/pod.token")" \
    "$ward" kv get secret/billing/db 2>"$work/refused.txt"; then
  echo "run-local: expected a refusal" >&2; exit 1
fi
grep -m1 -o 'permission denied' "$work/refused.txt"

step "Done: both servers stop now"
