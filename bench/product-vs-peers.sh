#!/usr/bin/env bash
# Benchmark: `slocheck run` (the product, as users run it) and its driver
# alone against vegeta v12.13.0 and k6 v1.8.1 (their own binaries), over
# plain HTTP and HTTPS, each generator pinned to one core and the server
# (bench/server, fasthttp) to another.
#
#   bash bench/product-vs-peers.sh                       # the full table (~25 min on 2 cores)
#   QUICK=1 bash bench/product-vs-peers.sh               # 2,000 req/s, HTTP, 1 round of 5 s (~1 min)
#   MEM=1 bash bench/product-vs-peers.sh                 # only the product's memory: 60 s and 10 min at 2,000 req/s
#
# Knobs (environment): RATES="1000 2000 5000 10000", PROTOS="http https",
# GENS="product driver vegeta k6", DURATION=10s, ROUNDS=3 (interleaved:
# every generator once per round), CEILING_RATES="15000 20000 30000 40000"
# (run once each, after the table; "" skips), GEN_CPU=0, SERVER_CPU=1,
# K6=bin/k6 (built by extensions/build.sh when missing; K6=none drops k6),
# MEMRATE=2000, MEMDURS="60s 10m", RELEASE=1.
# RELEASE=1 (the default) builds every Go generator as its releases are
# built: slocheck and the driver as the Dockerfile and the build pipeline
# build them, vegeta as its release binaries are (CGO_ENABLED=0, -trimpath,
# -ldflags "-s -w": static, no dynamic loader or libc mapped). RELEASE=0
# builds them with plain `go build`/`go install` (cgo on, as `go install`
# gives a developer).
# A/B against another build: GENS may also name "base" (`slocheck run` of
# BASE_BIN, the same scenario) and "base-driver" (BASE_LOAD, a
# bench/slocheck-load binary), e.g. built from an earlier commit with
#   git archive COMMIT | tar -x -C /tmp/base && (cd /tmp/base && go build -o slocheck ./cmd/slocheck && go build -o load ./bench/slocheck-load)
#   BASE_BIN=/tmp/base/slocheck BASE_LOAD=/tmp/base/load GENS="product base driver base-driver vegeta" bash bench/product-vs-peers.sh
#
# What each figure is:
#   - achieved rate: the server's own count of the requests it received over
#     the span from the first to the last (the pre-run check not counted);
#   - CPU-s per 100k requests: user + system CPU of the generator's process
#     (/usr/bin/time -v, children included) over the requests the server counted;
#   - peak RSS: /usr/bin/time's maximum resident set size;
#   - first request: from just before the generator's exec to the server's
#     arrival time of its first request of any kind (the product's pre-run
#     check included), both on this machine's clock;
#   - send lag p99 (driver alone): sent − due, the send precision docs/driver.md reports;
#   - p99: the generator's own 99th percentile latency (product: report.json;
#     driver: from the intended start; vegeta: `vegeta report`; k6: http_req_duration);
#   - held: achieved rate within 1 % of the target, p99 under 10 ms, under 1 %
#     of requests failed. The ceiling is the highest rate a generator held in
#     most of its runs there (the table's rates and CEILING_RATES).
# Traffic goes to 127.0.0.1 only; every run stops by itself.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [[ ${QUICK:-0} == 1 ]]; then
	: "${RATES:=2000}" "${PROTOS:=http}" "${DURATION:=5s}" "${ROUNDS:=1}" "${CEILING_RATES:=}"
fi
RATES=${RATES:-"1000 2000 5000 10000"}
PROTOS=${PROTOS:-"http https"}
GENS=${GENS:-"product driver vegeta k6"}
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
CEILING_RATES=${CEILING_RATES-"15000 20000 30000 40000"}
GEN_CPU=${GEN_CPU:-0}
SERVER_CPU=${SERVER_CPU:-1}
K6=${K6:-bin/k6}
MEM=${MEM:-0}
MEMRATE=${MEMRATE:-2000}
MEMDURS=${MEMDURS:-"60s 10m"}

work=$(mktemp -d)
server_pid=""
stop_server() {
	if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
	server_pid=""
}
trap 'stop_server; rm -rf "$work"' EXIT

bin=$root/.cache/bench/bin
mkdir -p "$bin"
echo "# building (go $(go env GOVERSION), $(nproc) cores, $(uname -r))" >&2
RELEASE=${RELEASE:-1}
relflags=()
if [[ $RELEASE == 1 ]]; then
	relflags=(-trimpath -ldflags "-s -w")
	bin=$bin/release
	mkdir -p "$bin"
fi
echo "# RELEASE=$RELEASE${relflags[*]:+: CGO_ENABLED=0 ${relflags[*]}}" >&2
build() { if [[ $RELEASE == 1 ]]; then CGO_ENABLED=0 go "$1" "${relflags[@]}" "${@:2}"; else go "$@"; fi; }
build build -o "$work/slocheck" ./cmd/slocheck
go build -o "$work/server" ./bench/server
build build -o "$work/slocheck-load" ./bench/slocheck-load
[[ -x $bin/vegeta ]] || GOBIN=$bin build install github.com/tsenart/vegeta/v12@v12.13.0
if [[ " $GENS " == *" k6 "* && $K6 != none ]]; then
	[[ -x $K6 ]] || K6_OUT=$root/$K6 sh extensions/build.sh
	"$K6" version >&2
elif [[ $K6 == none ]]; then
	GENS=${GENS//k6/}
fi
cat >"$work/k6.js" <<'EOF'
import http from 'k6/http';
const rate = Number(__ENV.RATE);
export const options = {
  discardResponseBodies: true,
  summaryTrendStats: ['p(99)'],
  // The same 2 s timeout as the others; a bounded wait for the last iterations
  // and a bounded VU pool, so an overloaded run ends and stays in memory.
  scenarios: { steady: { executor: 'constant-arrival-rate', rate: rate, timeUnit: '1s', gracefulStop: '2s',
    duration: __ENV.DURATION, preAllocatedVUs: Math.max(20, rate / 100), maxVUs: Math.min(2000, Math.max(100, rate / 5)) } },
};
export default function () { http.get(`${__ENV.TARGET}/catalog`, { timeout: '2s' }); }
EOF

# start_server PROTO: a fresh server pinned to SERVER_CPU.
start_server() {
	local nice_server=()
	if nice -n -10 true 2>/dev/null; then nice_server=(nice -n -10); fi
	rm -f "$work/addr"
	"${nice_server[@]}" taskset -c "$SERVER_CPU" "$work/server" -addr-file "$work/addr" \
		$([[ $1 == https ]] && echo "-tls -cert-file $work/cert.pem") &
	server_pid=$!
	for _ in $(seq 50); do [[ -s $work/addr ]] && break; sleep 0.1; done
	target=$(cat "$work/addr")
	export SSL_CERT_FILE=$work/cert.pem # trusted by every Go client (all four generators)
	echo "# server $target on cpu $SERVER_CPU (${nice_server[*]:-normal priority}); generators on cpu $GEN_CPU" >&2
}

ctl() {
	if [[ $target == https* ]]; then curl -s --cacert "$work/cert.pem" "$target/$1"; else curl -s "$target/$1"; fi
}

# scenario RATE DUR: the product's steady, single-step scenario.
scenario() {
	cat >"$work/scenario.yaml" <<EOF
name: bench-steady
description: one GET /catalog at a steady rate, no fault (bench/product-vs-peers.sh)
target:
  url: $target
  regions: [bench]
load:
  rate: $1
  duration: $2
  client_regions: {bench: 1}
  journeys:
    - {name: browse, steps: [browse]}
objectives:
  p99: 10ms
  availability: 0.99
EOF
}

# gencmd GEN RATE DUR: sets cmd to the generator's command line.
gencmd() {
	local out=$work/out
	case $1 in
	product) scenario "$2" "$3"; cmd=("$work/slocheck" run --scenario "$work/scenario.yaml" --out "$out" --quiet) ;;
	base) scenario "$2" "$3"; cmd=("${BASE_BIN:?GENS has base: set BASE_BIN}" run --scenario "$work/scenario.yaml" --out "$out" --quiet) ;;
	driver) cmd=("$work/slocheck-load" -target "$target" -rate "$2" -duration "$3") ;;
	base-driver) cmd=("${BASE_LOAD:?GENS has base-driver: set BASE_LOAD}" -target "$target" -rate "$2" -duration "$3") ;;
	vegeta)
		echo "GET $target/catalog" >"$work/targets.txt"
		cmd=("$bin/vegeta" attack -targets "$work/targets.txt" -rate "$2/s" -duration "$3" -timeout 2s -output "$out.bin") ;;
	k6) cmd=(env K6_AUTO_EXTENSION_RESOLUTION=false RATE="$2" DURATION="$3" TARGET="$target"
		"$K6" run --no-usage-report --quiet --no-color --summary-export "$out.json" "$work/k6.js") ;;
	esac
}

# p99_errors GEN: prints "p99_ms=… failed=…" (and the driver's send lag) from the generator's own output.
p99_errors() {
	local out=$work/out
	case $1 in
	product | base) python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))
p=[o["value"] for o in r["objectives"] if o["name"]=="p99" and o["scope"]=="overall"]
print("p99_ms=%.3f failed=%.5f" % (p[0]*1000 if p else -1, (r["failures"]+r["dropped"])/max(1,r["requests"]+r["dropped"])))' "$out/report.json" ;;
	driver | base-driver) awk '{for (i=1;i<=NF;i++){split($i,a,"="); f[a[1]]=a[2]}} END {printf "p99_ms=%s failed=%.5f sendlag_p99_ms=%s\n", f["p99_ms"], f["errors"]/(f["requests"]>0?f["requests"]:1), f["sendlag_p99_ms"]}' "$work/gen.out" ;;
	vegeta) "$bin/vegeta" report -type json "$out.bin" | python3 -c 'import json,sys; r=json.load(sys.stdin)
print("p99_ms=%.3f failed=%.5f" % (r["latencies"]["99th"]/1e6, 1-r["success"]))' ;;
	k6) python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["metrics"]
print("p99_ms=%.3f failed=%.5f" % (m["http_req_duration"]["p(99)"], m["http_req_failed"]["value"]))' "$out.json" ;;
	esac
}

# measure GEN PROTO RATE DUR LABEL: one run, one key=value line on stdout.
measure() {
	local gen=$1 proto=$2 rate=$3 dur=$4 label=$5 t0 stats cpu rss pe
	gencmd "$gen" "$rate" "$dur"
	rm -rf "$work/out" "$work/out.bin" "$work/out.json"
	ctl __reset >/dev/null
	t0=$(date +%s%N)
	/usr/bin/time -v -o "$work/time.txt" taskset -c "$GEN_CPU" "${cmd[@]}" >"$work/gen.out" 2>"$work/gen.err" || true
	stats=$(ctl __stats)
	cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$work/time.txt")
	rss=$(awk -F': ' '/Maximum resident/ {print $2}' "$work/time.txt")
	pe=$(p99_errors "$gen" 2>/dev/null || echo "p99_ms=-1 failed=1")
	echo "label=$label gen=$gen proto=$proto target_rate=$rate duration=$dur t0_ns=$t0 cpu_s=$cpu maxrss_kb=$rss $pe $stats" | tr -d '\n'
	echo " load1=$(cut -d' ' -f1 /proc/loadavg)"
}

results=$work/results.txt
: >"$results"
echo "# load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$results" >&2

if [[ $MEM == 1 ]]; then
	start_server http
	for d in $MEMDURS; do measure product http "$MEMRATE" "$d" memory | tee -a "$results" >&2; done
	stop_server
else
	for proto in $PROTOS; do
		start_server "$proto"
		for rate in $RATES; do
			for round in $(seq "$ROUNDS"); do
				for gen in $GENS; do measure "$gen" "$proto" "$rate" "$DURATION" table | tee -a "$results" >&2; done
			done
		done
		for rate in $CEILING_RATES; do
			for gen in $GENS; do measure "$gen" "$proto" "$rate" "$DURATION" ceiling | tee -a "$results" >&2; done
		done
		stop_server
	done
fi
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$results" >&2
[[ -n ${KEEP:-} ]] && cp "$results" "$KEEP"
awk -f bench/product-vs-peers.awk "$results"
