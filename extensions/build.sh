#!/bin/sh
# build.sh — builds bin/k6: k6 with slocheck's extension (k6/x/slocheck and
# the `slocheck` output), from the versions pinned in extensions/go.mod
# (go.k6.io/k6 v1.8.1) and extensions/tools/go.mod (go.k6.io/xk6 v0.20.1).
#
#   extensions/build.sh xk6 [xk6 build flags...]
#       what CI runs (make k6): xk6 build from the repository root with
#         --with github.com/slocheck/slocheck/extensions=./extensions
#         --replace github.com/slocheck/slocheck=.
#       the two flags that a published slocheck tag makes unnecessary
#       (`xk6 build --with github.com/slocheck/slocheck/extensions@vX.Y.Z`).
#   extensions/build.sh [go]
#       a plain go build of extensions/cmd/k6 against this checkout
#   extensions/build.sh test
#       go vet and go test of the extension module against this checkout
#
# extensions/go.mod requires slocheck as a published module and carries no
# replace; local builds and tests point it at this checkout through a copy
# of go.mod with the replace added (go's -modfile), kept outside the tree.
# Everything works offline from the Go module proxy and shares Go's build
# cache, so a rebuild after a change takes seconds; a cold build compiles
# k6 (about 3 minutes and 850 MB of memory on 2 cores).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${K6_OUT:-$root/bin/k6}
mode=${1:-go}
[ $# -gt 0 ] && shift
mkdir -p "$(dirname "$out")"

# localmod writes go.mod and go.sum with the replace into a temporary
# directory and prints the -modfile flag that uses them. The directory is
# this checkout's own (named by its path), so builds in two checkouts or
# worktrees at once do not point each other's k6 at the wrong tree.
localmod() {
	dir=${SLOCHECK_LOCALMOD_DIR:-${TMPDIR:-/tmp}/slocheck-extensions-$(id -u)-$(printf %s "$root" | cksum | cut -d' ' -f1)}
	mkdir -p "$dir"
	cp "$root/extensions/go.mod" "$dir/local.mod"
	cp "$root/extensions/go.sum" "$dir/local.sum"
	go mod edit -modfile="$dir/local.mod" -replace "github.com/slocheck/slocheck=$root"
	echo "-modfile=$dir/local.mod"
}

case $mode in
go)
	cd "$root/extensions"
	go build "$(localmod)" -o "$out" ./cmd/k6
	;;
test)
	cd "$root/extensions"
	mf=$(localmod)
	go vet "$mf" ./...
	go test "$mf" -race -count=1 -timeout 10m "$@" ./...
	;;
xk6)
	# xk6 itself from the tools module, then its build from the root, so
	# the relative paths are the repository's. Same flags as a plain go
	# build (cgo on, no -trimpath), so the two share Go's build cache.
	go build -C "$root/extensions/tools" -o "$root/bin/xk6" go.k6.io/xk6/cmd/xk6
	cd "$root"
	CGO_ENABLED=$(go env CGO_ENABLED) XK6_BUILD_FLAGS=${XK6_BUILD_FLAGS:--buildvcs=false} \
		GONOSUMDB=${GONOSUMDB:-github.com/szkiba} \
		bin/xk6 build v1.8.1 \
		--with github.com/slocheck/slocheck/extensions=./extensions \
		--replace github.com/slocheck/slocheck=. \
		--output "$out" "$@"
	;;
*)
	echo "usage: extensions/build.sh [go|test|xk6 [xk6 build flags...]]" >&2
	exit 2
	;;
esac
[ "$mode" = test ] || "$out" version
