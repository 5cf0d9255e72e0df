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
kube_port="${KUBE_PORT:-6443}"
ward_port="${WARD_PORT:-8200}"
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }
# Polls `$@` (quietly) for up to 30 s.
wait_until() {
  for _ in $(seq 1 150); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "run-local: timed out waiting for: $*" >&2
  return 1
}
# Waits for process $1 to write $3 to its log $2; fails (with the log) if it exits first,
# e.g. because its port is taken: then nothing else's server is used by mistake.
wait_started() {
  for _ in $(seq 1 150); do
    if ! kill -0 "$1" 2>/dev/null; then echo "run-local: $4 did not start:" >&2; cat "$2" >&2; return 1; fi
    grep -q "$3" "$2" && return 0
    sleep 0.2
  done
  echo "run-local: timed out waiting for $4" >&2
  return 1
}
# One field of a JSON document on stdin, by dotted path (node: no jq needed).
field() { node -e 'let s="";process.stdin.on("data",c=>s+=c).on("end",()=>{let v=JSON.parse(s);for(const k of process.argv[1].split("."))v=v?.[k];process.stdout.write(String(v??""))})' "$1"; }

step "1. Build (once)"
[ -f "$repo/dist/test/fakes/kube-apiserver/main.js" ] || (cd "$repo" && npm run build)

step "2. The cluster: fake Kubernetes API server on https://127.0.0.1:$kube_port"
node "$repo/dist/test/fakes/kube-apiserver/main.js" --port "$kube_port" --kubeconfig "$work/kubeconfig" >"$work/kube.log" 2>&1 &
pids+=("$!")
wait_started "$!" "$work/kube.log" 'kubeconfig written' 'the fake Kubernetes API server'
# The kubeconfig holds the cluster CA and the cluster-admin token (kept in files, not echoed).
sed -n 's/^ *certificate-authority-data: *//p' "$work/kubeconfig" | base64 -d >"$work/ca.crt"
sed -n 's/^ *token: *//p' "$work/kubeconfig" >"$work/admin.token"
kube() { curl -fsS --cacert "$work/ca.crt" -H "Authorization: Bearer $(cat "$work/admin.token")" -H 'Content-Type: application/json' "$@"; }
api="https://127.0.0.1:$kube_port/api/v1"
kube -X POST "$api/namespaces" -d '{"metadata":{"name":"prod"}}' >/dev/null
kube -X POST "$api/namespaces/prod/serviceaccounts" -d '{"metadata":{"name":"app"}}' >/dev/null
pod_uid="$(kube -X POST "$api/namespaces/prod/pods" \
  -d '{"metadata":{"name":"web"},"spec":{"serviceAccountName":"app","containers":[{"name":"web","image":"app:1"}]}}' | field metadata.uid)"
echo "namespace prod, service account app, pod web ($pod_uid)"
# Ward's reviewer: a service account bound to system:auth-delegator (the fake binds this one).
kube -X POST "$api/namespaces/kube-system/serviceaccounts/ward-token-reviewer/token" -d '{"spec":{}}' | field status.token >"$work/reviewer.jwt"
# What the kubelet projects into the pod: a token for audience "ward", bound to the pod.
kube -X POST "$api/namespaces/prod/serviceaccounts/app/token" \
  -d "{\"spec\":{\"audiences\":[\"ward\"],\"expirationSeconds\":600,\"boundObjectRef\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"name\":\"web\",\"uid\":\"$pod_uid\"}}}" \
  | field status.token >"$work/pod.token"

step "3. Ward: a dev server on http://127.0.0.1:$ward_port"
node -e 'process.stdout.write(require("crypto").randomBytes(16).toString("hex"))' >"$work/root.token"
"$ward" server -dev -dev-listen-address="127.0.0.1:$ward_port" -dev-root-token-id="$(cat "$work/root.token")" >"$work/ward.log" 2>&1 &
pids+=("$!")
wait_started "$!" "$work/ward.log" 'Development mode should NOT' 'the dev Ward server'
export VAULT_ADDR="http://127.0.0.1:$ward_port"
wait_until curl -fsS "$VAULT_ADDR/v1/sys/health"

step "4. Operator, once (the README's commands)"
(
  export VAULT_TOKEN; VAULT_TOKEN="$(cat "$work/root.token")"
  "$ward" auth enable kubernetes
  "$ward" write auth/kubernetes/config kubernetes_host="https://127.0.0.1:$kube_port" \
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
