#!/usr/bin/env bash
# Makes sure Go and the sprig template library are installed for the Helm chart tests
# (test/helm-render is built offline from Debian's packages under /usr/share/gocode).
# Idempotent: does nothing when both are present.
set -euo pipefail
GOPATH_DEBIAN=/usr/share/gocode/src

present() {
  command -v go >/dev/null 2>&1 &&
    [ -f "$GOPATH_DEBIAN/github.com/Masterminds/sprig/functions.go" ] &&
    [ -f "$GOPATH_DEBIAN/gopkg.in/yaml.v3/yaml.go" ]
}

if present; then
  echo "ensure-go: found $(go version)"
  exit 0
fi
echo "ensure-go: Go or sprig missing; installing golang-go golang-github-masterminds-sprig-dev golang-gopkg-yaml.v3-dev"
bash "$(dirname "$0")/apt-install.sh" ensure-go golang-go golang-github-masterminds-sprig-dev golang-gopkg-yaml.v3-dev
if present; then
  echo "ensure-go: installed $(go version)"
  exit 0
fi
echo "ensure-go: ERROR: installed the packages but go or sprig is still missing" >&2
exit 1
