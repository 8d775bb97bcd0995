#!/usr/bin/env bash
# Benchmark: slocheck's Go driver against vegeta (github.com/tsenart/vegeta/v12,
# v12.13.0, through its library) at the same fixed rates, against the same
# zero-work loopback HTTP server running in its own process.
#
#   bash bench/driver-vs-vegeta.sh            # quick: about 2.5 minutes
#   LONG=1 bash bench/driver-vs-vegeta.sh     # adds a 5 min run at 5,000 req/s (memory)
#   STEPS="post templated" bash bench/driver-vs-vegeta.sh   # the driver with a fixed POST and the
#                                             # same POST templated (a path variable, a header and a
#                                             # 20-byte JSON body rendered per request), beside vegeta
#
# Knobs (environment): STEPS="reference" (the driver's modes: reference, post, templated), RATES="2000 5000", DURATION=10s per run, ROUNDS=3 runs per
# generator and rate (interleaved, medians reported), MEMRATE=5000, SHORT=30s, LONG=1.
#
# Each generator reports its own getrusage (user + system CPU, peak RSS) at exit,
# and its achieved rate as requests over the span of their send times (vegeta's
# own definition). CPU per 100k requests = CPU seconds / requests × 100,000.
# Traffic goes to 127.0.0.1 only; every run stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."

RATES=${RATES:-"2000 5000"}
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
MEMRATE=${MEMRATE:-5000}
SHORT=${SHORT:-30s}
LONG=${LONG:-0}
STEPS=${STEPS:-reference}

work=$(mktemp -d)
server_pid=""
cleanup() {
	if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

echo "# building (go $(go env GOVERSION), $(nproc) cores)"
for m in server slocheck-load vegeta-load; do
	go build -o "$work/$m" "./bench/$m"
done

# The target must never be the bottleneck: on a shared machine, give the
# server a higher CPU priority when allowed (root), never the generators.
nice_server=()
if nice -n -10 true 2>/dev/null; then nice_server=(nice -n -10); fi
"${nice_server[@]}" "$work/server" -addr-file "$work/addr" &
server_pid=$!
for _ in $(seq 50); do [[ -s $work/addr ]] && break; sleep 0.1; done
target=$(cat "$work/addr")
echo "# server $target (pid $server_pid, ${nice_server[*]:-normal priority}); load average: $(cut -d' ' -f1-3 /proc/loadavg)"

results=$work/results.txt
: >"$results"

# measure GEN RATE DURATION LABEL: one run; appends a key=value line.
measure() {
	local gen=$1 rate=$2 dur=$3 label=$4 steps=${5:-} line
	line=$("$work/$gen-load" -target "$target" -rate "$rate" -duration "$dur" ${steps:+-steps "$steps"} 2>"$work/$gen.err")
	echo "label=$label target_rate=$rate duration=$dur $line" | tee -a "$results"
	grep -h "errors\|outcomes by kind" "$work/$gen.err" | sed 's/^/    /' || true
}

for rate in $RATES; do
	for round in $(seq "$ROUNDS"); do
		for steps in $STEPS; do
			measure slocheck "$rate" "$DURATION" "fixed" "$steps"
		done
		measure vegeta "$rate" "$DURATION" "fixed"
	done
done

echo "# memory: the driver at $MEMRATE req/s for $SHORT$([[ $LONG == 1 ]] && echo " and 5m")"
measure slocheck "$MEMRATE" "$SHORT" "memory" "${STEPS%% *}"
if [[ $LONG == 1 ]]; then
	measure slocheck "$MEMRATE" 5m "memory" "${STEPS%% *}"
fi

echo
echo "# summary: medians over $ROUNDS interleaved runs of $DURATION each; a run is 'kept up' when its"
echo "# achieved rate is within 1 % of the target and under 0.1 % of its requests failed"
awk -v memrate="$MEMRATE" -v rates="$RATES" '
function kv(s,   a, i, n, p) { n = split(s, a, " "); for (i = 1; i <= n; i++) { split(a[i], p, "="); f[p[1]] = p[2] } }
function median(list,   a, n, i, j, t) {
	n = split(list, a, " ")
	if (n == 0) return -1
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
	delete f; kv($0)
	if (!("generator" in f)) next
	cpu100k = (f["requests"] > 0) ? f["cpu_s"] / f["requests"] * 100000 : 0
	rss = f["maxrss_kb"] / 1024
	if (f["label"] == "memory") {
		printf "memory  %-8s %5d req/s %-4s requests %8d  rate %8.1f  CPU-s/100k %5.2f  peak RSS %6.1f MB  workers %5s  max live heap %6.1f MB\n", \
			f["generator"], f["target_rate"], f["duration"], f["requests"], f["rate"], cpu100k, rss, f["workers"], f["live_heap_max_kb"] / 1024
		next
	}
	k = f["generator"] SUBSEP f["target_rate"]
	keys[k] = 1; runs[k]++
	rate[k] = rate[k] " " f["rate"]; cpu[k] = cpu[k] " " cpu100k; mem[k] = mem[k] " " rss
	dev = (f["rate"] - f["target_rate"]) / f["target_rate"]
	if (dev <= 0.01 && dev >= -0.01 && f["errors"] <= f["requests"] / 1000) { kept[k]++; cpuok[k] = cpuok[k] " " cpu100k }
}
END {
	printf "%-9s %6s %10s %8s %11s %12s %8s %16s\n", "generator", "target", "achieved", "off by", "CPU-s/100k", "peak RSS MB", "kept up", "CPU-s/100k kept"
	nr = split(rates, rl, " ")
	ng = split("slocheck slocheck-post slocheck-templated vegeta", gl, " ")
	for (i = 1; i <= nr; i++) for (g = 1; g <= ng; g++) {
		gen = gl[g]; k = gen SUBSEP rl[i]
		if (!(k in keys)) continue
		ach = median(rate[k]); c = median(cpu[k]); ck = median(cpuok[k])
		printf "%-9s %6d %10.1f %7.2f%% %11.2f %12.1f %5d/%-2d %16s\n", gen, rl[i], ach, (ach - rl[i]) / rl[i] * 100, c, median(mem[k]), \
			kept[k], runs[k], (ck < 0) ? "-" : sprintf("%.2f", ck)
		med_rate[gen, rl[i]] = ach; med_cpu[gen, rl[i]] = c; med_ok[gen, rl[i]] = ck
	}
	if (("slocheck-post", memrate) in med_cpu && ("slocheck-templated", memrate) in med_cpu) {
		ratio = med_cpu["slocheck-templated", memrate] / med_cpu["slocheck-post", memrate]
		printf "\nat %d req/s: templated POST CPU per request = %.3f x the fixed POST (target: <= 1.10): %s\n", memrate, ratio, (ratio <= 1.10) ? "PASS" : "FAIL"
		if (("vegeta", memrate) in med_cpu) {
			ratio = med_cpu["slocheck-templated", memrate] / med_cpu["vegeta", memrate]
			printf "at %d req/s: templated POST CPU per request = %.2f x vegeta (target: <= 0.6): %s\n", memrate, ratio, (ratio <= 0.6) ? "PASS" : "FAIL"
		}
	}
	if (("slocheck", memrate) in med_cpu && ("vegeta", memrate) in med_cpu) {
		dev = (med_rate["slocheck", memrate] - memrate) / memrate * 100
		printf "\nat %d req/s: driver achieved rate off by %.2f%% (target: within 1%%): %s\n", memrate, dev, (dev <= 1 && dev >= -1) ? "PASS" : "FAIL"
		if (med_ok["slocheck", memrate] > 0 && med_ok["vegeta", memrate] > 0) {
			ratio = med_ok["slocheck", memrate] / med_ok["vegeta", memrate]
			printf "at %d req/s: driver CPU per request = %.2f x vegeta, runs that kept up (target: <= 0.67): %s\n", memrate, ratio, (ratio <= 2 / 3) ? "PASS" : "FAIL"
		} else {
			printf "at %d req/s: no run of both generators kept up; CPU ratio over all runs %.2f (not decisive)\n", memrate, med_cpu["slocheck", memrate] / med_cpu["vegeta", memrate]
		}
	}
}' "$results"
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
