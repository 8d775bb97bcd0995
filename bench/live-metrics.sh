#!/usr/bin/env bash
# Benchmark: what serving the live metrics (run --metrics-addr) costs the
# generator. `slocheck run` (the product, as users run it) drives a steady,
# single-step scenario at RATE against bench/server (its own process,
# loopback), once plain and once with --metrics-addr while a scraper (curl,
# its own process: not counted) GETs /metrics every SCRAPE asking for the
# protobuf exposition first, as a Prometheus with native histograms does.
# The two runs alternate ROUNDS times (plain, live, plain, live, ...), so both
# of a round see the same moment of the machine.
#
# The generator is pinned to GEN_CPU (default 0) and the server to SERVER_CPU
# (default 1), as in bench/product-vs-peers.sh, so the two do not trade cores.
# Each run's CPU is its process's user + system time (/usr/bin/time); per
# request over report.json's requests. A round counts when both of its runs
# kept up (nothing dropped, at least 99 % of RATE x DURATION requests). The
# figure: the median over the rounds of (live CPU per request / plain CPU per
# request) - 1 (target: < 3 %), with the smallest and largest round beside it.
#
#   bash bench/live-metrics.sh                             # about 3 minutes
#   RATE=5000 DURATION=20s ROUNDS=7 SCRAPE=1s bash bench/live-metrics.sh
#   KEEP=/tmp/live-metrics.txt bash bench/live-metrics.sh  # keep every run's line
#
# On a busy machine (other processes competing for the cores) the rounds
# scatter; read the spread before the median. Traffic goes to 127.0.0.1 only;
# every run stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."

RATE=${RATE:-5000}
DURATION=${DURATION:-20s}
ROUNDS=${ROUNDS:-7}
SCRAPE=${SCRAPE:-1s}

work=$(mktemp -d)
server_pid=""
scraper_pid=""
cleanup() {
	if [[ -n $scraper_pid ]]; then kill "$scraper_pid" 2>/dev/null || true; wait "$scraper_pid" 2>/dev/null || true; fi
	if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/server" ./bench/server
go build -o "$work/slocheck" ./cmd/slocheck
taskset -c "${SERVER_CPU:-1}" "$work/server" -addr-file "$work/addr" &
server_pid=$!
for _ in $(seq 50); do [[ -s $work/addr ]] && break; sleep 0.1; done
target=$(cat "$work/addr")
cat >"$work/scenario.yaml" <<EOF
name: bench-live-metrics
description: one GET /catalog at a steady rate, no fault (bench/live-metrics.sh)
target:
  url: $target
  regions: [bench]
load:
  rate: $RATE
  duration: $DURATION
  client_regions: {bench: 1}
  journeys:
    - {name: browse, steps: [browse]}
objectives:
  p99: 100ms
  availability: 0.99
EOF
echo "# slocheck run at $RATE req/s for $DURATION, $ROUNDS rounds (plain, then --metrics-addr scraped every $SCRAPE); load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# scrape OUT: GETs the run's /metrics every SCRAPE once its control.json is written.
scrape() {
	local url=""
	for _ in $(seq 200); do
		[[ -s $1/control.json ]] && url=$(sed -n 's/.*"metrics": *"\([^"]*\)".*/\1/p' "$1/control.json") && [[ -n $url ]] && break
		sleep 0.05
	done
	while [[ -n $url ]]; do
		curl -s -o /dev/null -H 'Accept: application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,text/plain;version=0.0.4;q=0.3' "$url" || true
		sleep "$SCRAPE"
	done
}

# measure MODE: one run, one line "mode=... cpu_s=... requests=... dropped=...".
measure() {
	local out=$work/out-$1 args=()
	rm -rf "$out"
	if [[ $1 == live ]]; then
		args=(--metrics-addr 127.0.0.1:0)
		scrape "$out" &
		scraper_pid=$!
	fi
	/usr/bin/time -f '%U %S' -o "$work/time.txt" taskset -c "${GEN_CPU:-0}" "$work/slocheck" run --scenario "$work/scenario.yaml" --out "$out" --quiet "${args[@]}" >/dev/null 2>"$work/run.err" || true
	if [[ -n $scraper_pid ]]; then kill "$scraper_pid" 2>/dev/null || true; wait "$scraper_pid" 2>/dev/null || true; scraper_pid=""; fi
	python3 - "$1" "$out/report.json" "$work/time.txt" <<'EOF'
import json, sys
mode, report, times = sys.argv[1:4]
try:
    r = json.load(open(report))
except OSError:
    r = {"requests": 0, "dropped": -1}
u, s = (float(x) for x in open(times).read().split()[-2:])
print("mode=%s cpu_s=%.3f requests=%d dropped=%d" % (mode, u + s, r["requests"], r["dropped"]))
EOF
}

for round in $(seq "$ROUNDS"); do
	for mode in plain live; do
		echo "round=$round $(measure "$mode") load1=$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$work/results.txt"
	done
done
[[ -n ${KEEP:-} ]] && cp "$work/results.txt" "$KEEP"

python3 - "$RATE" "$DURATION" "$work/results.txt" <<'EOF'
import re, statistics, sys
rate, duration, path = float(sys.argv[1]), sys.argv[2], sys.argv[3]
secs = {"ms": 1e-3, "s": 1, "m": 60}
m = re.fullmatch(r"([0-9.]+)(ms|s|m)", duration)
want = rate * float(m.group(1)) * secs[m.group(2)] * 0.99
runs = {}
for line in open(path):
    f = dict(kv.split("=", 1) for kv in line.split())
    runs.setdefault(f["round"], {})[f["mode"]] = f
ratios, plain, live = [], [], []
for rnd, pair in sorted(runs.items(), key=lambda kv: int(kv[0])):
    if len(pair) < 2 or any(int(p["dropped"]) != 0 or int(p["requests"]) < want for p in pair.values()):
        continue
    cp = float(pair["plain"]["cpu_s"]) / int(pair["plain"]["requests"]) * 1e5
    cl = float(pair["live"]["cpu_s"]) / int(pair["live"]["requests"]) * 1e5
    plain.append(cp); live.append(cl); ratios.append(cl / cp - 1)
if len(ratios) < 3:
    print("not decisive: only %d of %d rounds kept up with %g req/s in both runs (the machine is too busy; try a quieter moment or a lower RATE)" % (len(ratios), len(runs), rate))
    sys.exit(0)
med = statistics.median(ratios) * 100
print("CPU-s per 100k requests, medians of %d rounds that kept up: plain %.3f, with --metrics-addr %.3f" % (len(ratios), statistics.median(plain), statistics.median(live)))
print("live metrics cost, median of the rounds' ratios: %+.2f %% of the generator's CPU (rounds from %+.2f %% to %+.2f %%; target < 3 %%): %s"
      % (med, min(ratios) * 100, max(ratios) * 100, "PASS" if med < 3 else "FAIL"))
EOF
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
