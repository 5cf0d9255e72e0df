# Shared by the examples' run-local.sh scripts (sourced, not run): a temporary directory
# removed on exit, the fake Kubernetes API server of the test suite and a dev Ward started
# in the background and stopped on exit (also on failure or Ctrl-C), and small helpers.
# Needs node and curl, and a built tree (`npm run build`; done here if missing).
# Expects: repo (the repository root). Sets: work, kube_url, VAULT_ADDR, kube().

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
    # -s: the background shell may not have created the log yet.
    grep -qs "$3" "$2" && return 0
    sleep 0.2
  done
  echo "run-local: timed out waiting for $4" >&2
  return 1
}

# One field of a JSON document on stdin, by dotted path (node: no jq needed).
field() { node -e 'let s="";process.stdin.on("data",c=>s+=c).on("end",()=>{let v=JSON.parse(s);for(const k of process.argv[1].split("."))v=v?.[k];process.stdout.write(String(v??""))})' "$1"; }

ensure_built() {
  [ -f "$repo/dist/test/fakes/kube-apiserver/main.js" ] || (cd "$repo" && npm run build)
}

# start_kube PORT [--self-issuer]: the fake API server; its CA in $work/ca.crt, the
# cluster-admin token in $work/admin.token (files, never echoed).
start_kube() {
  node "$repo/dist/test/fakes/kube-apiserver/main.js" --port "$1" --kubeconfig "$work/kubeconfig" "${@:2}" >"$work/kube.log" 2>&1 &
  pids+=("$!")
  wait_started "$!" "$work/kube.log" 'kubeconfig written' 'the fake Kubernetes API server'
  kubeconfig_field certificate-authority-data "$work/kubeconfig" | base64 -d >"$work/ca.crt"
  kubeconfig_field token "$work/kubeconfig" >"$work/admin.token"
  kube_url="https://127.0.0.1:$1"
}

# kubeconfig_field KEY FILE: a scalar of the kubeconfig, without the quotes YAML puts around
# one that would otherwise read as something else (a token starting with '-', all digits…).
kubeconfig_field() { sed -n "s/^ *$1: *//p" "$2" | sed -e "s/^'\(.*\)'\$/\1/" -e 's/^"\(.*\)"$/\1/'; }

# kube [curl args…] PATH: a call to the fake API server as the cluster admin.
kube() { curl -fsS --cacert "$work/ca.crt" -H "Authorization: Bearer $(cat "$work/admin.token")" -H 'Content-Type: application/json' "${@:1:$#-1}" "$kube_url${!#}"; }

# make_pod NS SA POD: namespace, service account and a pod running as it; prints the pod uid.
make_pod() {
  kube -X POST -d "{\"metadata\":{\"name\":\"$1\"}}" /api/v1/namespaces >/dev/null 2>&1 || true
  kube -X POST -d "{\"metadata\":{\"name\":\"$2\"}}" "/api/v1/namespaces/$1/serviceaccounts" >/dev/null 2>&1 || true
  kube -X POST -d "{\"metadata\":{\"name\":\"$3\"},\"spec\":{\"serviceAccountName\":\"$2\",\"containers\":[{\"name\":\"app\",\"image\":\"app:1\"}]}}" \
    "/api/v1/namespaces/$1/pods" | field metadata.uid
}

# pod_token NS SA POD UID AUDIENCE: what the kubelet projects into the pod (TokenRequest bound to it).
pod_token() {
  kube -X POST -d "{\"spec\":{\"audiences\":[\"$5\"],\"expirationSeconds\":600,\"boundObjectRef\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"name\":\"$3\",\"uid\":\"$4\"}}}" \
    "/api/v1/namespaces/$1/serviceaccounts/$2/token" | field status.token
}

# start_ward PORT: a dev Ward; its root token in $work/root.token; exports VAULT_ADDR.
start_ward() {
  node -e 'process.stdout.write(require("crypto").randomBytes(16).toString("hex"))' >"$work/root.token"
  "$repo/bin/ward" server -dev -dev-listen-address="127.0.0.1:$1" -dev-root-token-id="$(cat "$work/root.token")" >"$work/ward.log" 2>&1 &
  pids+=("$!")
  wait_started "$!" "$work/ward.log" 'Development mode should NOT' 'the dev Ward server'
  export VAULT_ADDR="http://127.0.0.1:$1"
  wait_until curl -fsS "$VAULT_ADDR/v1/sys/health"
}
