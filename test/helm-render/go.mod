// The chart tests build this in GOPATH mode (GO111MODULE=off, GOPATH=/usr/share/gocode) from
// Debian's golang-github-masterminds-sprig-dev and golang-gopkg-yaml.v3-dev: no downloads.
module ward.local/helm-render

go 1.19
