#!/bin/sh
# Builds the helm CLI that the chart tests (tests/chart) use, into .rarelog/cache/bin/helm.
#
# Helm comes from the Go module proxy and is compiled with the local Go toolchain: no prebuilt
# binary is downloaded. The first build takes several minutes (module download and
# compilation); later runs return at once while the built version matches HELM_VERSION.
# Without Go, nothing is built and the chart tests are skipped, saying why.
#
#   sh deploy/helm/install-helm.sh               (`make helm`)
#   sh deploy/helm/install-helm.sh --background  (`make test`: the build runs beside the suite,
#                                                  whose chart tests run last and wait for it)
set -eu

HELM_VERSION="${HELM_VERSION:-v3.22.0}"
HELM_MODULE="helm.sh/helm/v3"

root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$root/.rarelog/cache/bin"
stamp="$bin/.helm-version"

if [ -x "$bin/helm" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$HELM_VERSION" ]; then
    exit 0
fi
if ! command -v go >/dev/null 2>&1; then
    echo "helm: Go is not installed, so helm $HELM_VERSION cannot be built; the chart tests will be skipped" >&2
    exit 0
fi

mkdir -p "$bin"
if [ "${1:-}" = "--background" ]; then
    nohup sh "$0" > "$bin/helm-build.log" 2>&1 &
    echo $! > "$bin/helm-build.pid"
    echo "helm: building $HELM_VERSION in the background (log: .rarelog/cache/bin/helm-build.log)" >&2
    exit 0
fi
echo "helm: building $HELM_VERSION from the Go module proxy into .rarelog/cache/bin (first time: several minutes)" >&2

# Helm's own release build stamps its version and the Kubernetes version that `helm template`
# and `helm lint` assume (without it they assume Kubernetes 1.20) from the client-go it is built
# with; do the same here, reading that version from Helm's go.mod.
gomod="$(go mod download -json "$HELM_MODULE@$HELM_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')"
k8s_minor="$(sed -n 's/^[[:space:]]*k8s\.io\/client-go v0\.\([0-9][0-9]*\)\..*/\1/p' "$gomod" | head -n 1)"
if [ -z "$k8s_minor" ]; then
    echo "helm: cannot read the client-go version from $gomod" >&2
    exit 1
fi
ldflags="-s -w -X $HELM_MODULE/internal/version.version=$HELM_VERSION"
for package in pkg/chartutil pkg/lint/rules; do
    ldflags="$ldflags -X $HELM_MODULE/$package.k8sVersionMajor=1 -X $HELM_MODULE/$package.k8sVersionMinor=$k8s_minor"
done

GOBIN="$bin" CGO_ENABLED=0 go install -trimpath -ldflags "$ldflags" "$HELM_MODULE/cmd/helm@$HELM_VERSION"
echo "$HELM_VERSION" > "$stamp"
"$bin/helm" version --short >&2
