#!/usr/bin/env bash
# Benchmark: how soon after its exec `slocheck run` sends its first request
# (its pre-run check), beside the driver alone (bench/slocheck-load) and
# curl, a floor for any process (bench/firstreq: both instants on one
# monotonic clock, no shell or wrapper in the span; interleaved rounds).
#
#   bash bench/first-request.sh                   # 9 rounds
#   ROUNDS=15 CPU=0 bash bench/first-request.sh   # pinned to cpu 0 (taskset)
#   BASE_BIN=/tmp/slocheck-old bash bench/first-request.sh  # A/B: another build interleaved
#
# RELEASE=1 (the default) builds slocheck and the driver as the Dockerfile
# and the build pipeline do (CGO_ENABLED=0, -trimpath, -ldflags "-s -w": a
# static binary, no dynamic loader); RELEASE=0 with plain `go build`.
# Traffic goes to 127.0.0.1 only; every command stops by itself.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
ROUNDS=${ROUNDS:-9}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

flags=()
RELEASE=${RELEASE:-1}
if [[ $RELEASE == 1 ]]; then
	export CGO_ENABLED=0
	flags=(-trimpath -ldflags "-s -w")
fi
go build "${flags[@]}" -o "$work/slocheck" ./cmd/slocheck
go build "${flags[@]}" -o "$work/slocheck-load" ./bench/slocheck-load
go build -o "$work/firstreq" ./bench/firstreq
pin=()
[[ -n ${CPU:-} ]] && pin=(taskset -c "$CPU")

cmds=("product=${pin[*]} $work/slocheck run --scenario {dir}/s.yaml --out {dir}/out --quiet")
[[ -n ${BASE_BIN:-} ]] && cmds+=("base=${pin[*]} $BASE_BIN run --scenario {dir}/s.yaml --out {dir}/out --quiet")
cmds+=("driver=${pin[*]} $work/slocheck-load -target {url} -rate 1000 -duration 1s")
command -v curl >/dev/null && cmds+=("curl=${pin[*]} curl -s -o /dev/null {url}/catalog")
echo "# $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), go $(go env GOVERSION), RELEASE=$RELEASE" >&2
"$work/firstreq" -rounds "$ROUNDS" "${cmds[@]}"
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
