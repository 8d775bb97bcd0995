#!/bin/sh
# build.sh — builds bin/k6: k6 with slocheck's extension (k6/x/slocheck and
# the `slocheck` output), from the versions pinned in extensions/go.mod
# (go.k6.io/k6 v1.8.1) and extensions/tools/go.mod (go.k6.io/xk6 v0.20.1).
#
#   extensions/build.sh          a plain go build of extensions/cmd/k6 (what `make k6` runs)
#   extensions/build.sh xk6 [--with MODULE ...]
#                                the same binary through xk6, as users who add other
#                                extensions build it (K6_OUT=path sets the output)
#
# Both work offline from the Go module proxy; both use Go's build cache, so a
# rebuild after a change to slocheck's code takes seconds, not minutes. A cold
# build compiles k6 (about 3 minutes and 850 MB of memory on 2 cores).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${K6_OUT:-$root/bin/k6}
mode=${1:-go}
[ $# -gt 0 ] && shift
mkdir -p "$(dirname "$out")"
case $mode in
go)
	cd "$root/extensions"
	go build -o "$out" ./cmd/k6
	;;
xk6)
	# The extension imports slocheck's internal packages from this checkout:
	# --replace points the build at it, as extensions/go.mod does. Same
	# flags as a plain go build (cgo on, no -trimpath), so the two share
	# Go's build cache.
	cd "$root/extensions/tools"
	CGO_ENABLED=$(go env CGO_ENABLED) XK6_BUILD_FLAGS=${XK6_BUILD_FLAGS:--buildvcs=false} \
		GONOSUMDB=${GONOSUMDB:-github.com/szkiba} \
		go run go.k6.io/xk6/cmd/xk6 build v1.8.1 \
		--with "github.com/slocheck/slocheck/extensions=$root/extensions" \
		--replace "github.com/slocheck/slocheck=$root" \
		--output "$out" "$@"
	;;
*)
	echo "usage: extensions/build.sh [go|xk6 [xk6 build flags...]]" >&2
	exit 2
	;;
esac
"$out" version
