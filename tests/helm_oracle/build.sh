#!/usr/bin/env bash
# Build the Go oracle (tests/helm_oracle/helm_oracle) offline from Debian's packaged Go sources:
#   apt-get install golang golang-github-masterminds-sprig-dev
# GOPATH mode: sprig imports .../semver/v3, which Debian ships without the /v3 directory, so a
# private GOPATH maps that path (and the oracle itself) onto /usr/share/gocode with symlinks.
# Exit 0 with the binary built; exit 3 (and a reason on stderr) when Go or sprig is missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
gocode=/usr/share/gocode/src
if ! command -v go >/dev/null 2>&1; then
  echo "helm_oracle: no Go toolchain (apt-get install golang)" >&2; exit 3
fi
if [ ! -d "$gocode/github.com/Masterminds/sprig" ]; then
  echo "helm_oracle: no sprig sources (apt-get install golang-github-masterminds-sprig-dev)" >&2; exit 3
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/github.com/Masterminds/semver" "$work/src/github.com/Masterminds/sprig" "$work/src/helm_oracle"
ln -s "$gocode/github.com/Masterminds/semver" "$work/src/github.com/Masterminds/semver/v3"
ln -s "$gocode/github.com/Masterminds/sprig" "$work/src/github.com/Masterminds/sprig/v3"
cp "$here/main.go" "$work/src/helm_oracle/"
cd "$work/src/helm_oracle"
GO111MODULE=off GOPATH="$work:/usr/share/gocode" GOFLAGS= GOCACHE="${GOCACHE:-${HOME:-$work}/.cache/go-build}" \
  go build -o "$here/helm_oracle.tmp" . 
mv "$here/helm_oracle.tmp" "$here/helm_oracle"
echo "built $here/helm_oracle"
