#!/usr/bin/env bash
# Benchmark: what serving the live Prometheus metrics (run --metrics-addr)
# costs the generator. bench/slocheck-load drives the Go driver at a fixed
# rate against bench/server (its own process, loopback), once plain and once
# with -live (every outcome also fed to internal/live's metrics, /metrics
# scraped over loopback every SCRAPE), interleaved ROUNDS times; each run
# reports its own getrusage. The figure: median CPU per request with the
# metrics over median CPU per request without, minus one (target: < 3 %), over
# the runs that kept up (achieved rate within 1 %, nothing dropped).
#
#   bash bench/live-metrics.sh                 # about 2 minutes
#   RATE=5000 DURATION=10s ROUNDS=5 SCRAPE=1s bash bench/live-metrics.sh
#
# Traffic goes to 127.0.0.1 only; every run stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."

RATE=${RATE:-5000}
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-5}
SCRAPE=${SCRAPE:-1s}

work=$(mktemp -d)
server_pid=""
cleanup() {
	if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/server" ./bench/server
go build -o "$work/slocheck-load" ./bench/slocheck-load
"$work/server" -addr-file "$work/addr" &
server_pid=$!
for _ in $(seq 50); do [[ -s $work/addr ]] && break; sleep 0.1; done
target=$(cat "$work/addr")
echo "# $RATE req/s for $DURATION, $ROUNDS interleaved rounds, scrape every $SCRAPE; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

for _ in $(seq "$ROUNDS"); do
	"$work/slocheck-load" -target "$target" -rate "$RATE" -duration "$DURATION" 2>/dev/null | tee -a "$work/results.txt"
	"$work/slocheck-load" -target "$target" -rate "$RATE" -duration "$DURATION" -live -scrape-every "$SCRAPE" 2>/dev/null | tee -a "$work/results.txt"
done

awk '
function median(list,   a, n, i, j, t) {
	n = split(list, a, " ")
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
	delete f
	for (i = 1; i <= NF; i++) { split($i, p, "="); f[p[1]] = p[2] }
	dev = (f["rate"] - rate) / rate
	if (f["requests"] > 0 && f["dropped"] == 0 && dev <= 0.01 && dev >= -0.01) {
		cpu[f["generator"]] = cpu[f["generator"]] " " f["cpu_s"] / f["requests"] * 100000; kept[f["generator"]]++
	}
}
END {
	if (kept["slocheck"] < 3 || kept["slocheck-live"] < 3) {
		printf "not decisive: only %d plain and %d live runs kept up with %d req/s (this machine is too busy; try a quieter moment or a lower RATE)\n", kept["slocheck"], kept["slocheck-live"], rate
		exit
	}
	plain = median(cpu["slocheck"]); withlive = median(cpu["slocheck-live"])
	printf "CPU-s per 100k requests (median of the runs that kept up: %d plain, %d live): plain %.3f, with live metrics %.3f\n", kept["slocheck"], kept["slocheck-live"], plain, withlive
	share = (withlive - plain) / plain * 100
	printf "live metrics cost %.2f %% of the generator'"'"'s CPU (target: < 3 %%): %s\n", share, (share < 3) ? "PASS" : "FAIL"
}' rate="$RATE" "$work/results.txt"
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
