package slo

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

// every returns the instants from a (inclusive) to b (exclusive) every
// spacing seconds: one request each.
func every(a, b, spacing float64) []time.Time {
	var out []time.Time
	for i := 0; ; i++ {
		s := a + float64(i)*spacing
		if s >= b-1e-9 {
			return out
		}
		out = append(out, at(s))
	}
}

func shift(ts []time.Time, d time.Duration) []time.Time {
	out := make([]time.Time, len(ts))
	for i, t := range ts {
		out[i] = t.Add(d)
	}
	return out
}

// traffic is 60 one-second intervals, each with requests, and failures at ts.
func traffic(fails ...[]time.Time) Traffic {
	tr := Traffic{Start: t0, Interval: time.Second, Requests: make([]uint64, 60)}
	for i := range tr.Requests {
		tr.Requests[i] = 100
	}
	for _, f := range fails {
		tr.Failures = append(tr.Failures, f...)
	}
	return tr
}

// sparse is 60 one-second intervals with one request every 2 s (at even
// seconds), failing at fails.
func sparse(fails ...time.Time) Traffic {
	tr := Traffic{Start: t0, Interval: time.Second, Requests: make([]uint64, 60), Failures: fails}
	for i := 0; i < 60; i += 2 {
		tr.Requests[i] = 1
	}
	return tr
}

// cutAt keeps the traffic's first seconds intervals (the run ends there).
func cutAt(tr Traffic, seconds int) Traffic {
	tr.Requests = tr.Requests[:seconds]
	return tr
}

func TestComputeRTO(t *testing.T) {
	const spacing = 0.01 // 100 req/s: one request every 10 ms
	fault := Fault{Name: "eastus-down", Injected: at(20), Healed: at(40)}
	quiet := traffic()
	quiet.Requests[26], quiet.Requests[27] = 0, 0 // no requests at all in [26 s, 28 s)
	tests := []struct {
		name          string
		fault         Fault
		tr            Traffic
		recovered     bool
		rto           time.Duration
		confirmed     bool
		verdict       Verdict // against a 10 s target
		failedInFault int
	}{
		{
			name: "clean failover", fault: fault,
			tr:        traffic(every(20, 23.5, spacing)),
			recovered: true, rto: 3490 * time.Millisecond, confirmed: true, verdict: Pass, failedInFault: 350,
		},
		{
			name: "flapping: a stretch shorter than the window does not count", fault: fault,
			// fails 20–22 s, succeeds 2 s, fails again 24–24.5 s, then holds
			tr:        traffic(every(20, 22, spacing), every(24, 24.5, spacing)),
			recovered: true, rto: 4490 * time.Millisecond, confirmed: true, verdict: Pass, failedInFault: 250,
		},
		{
			name: "flapping with gaps just over the window", fault: fault,
			// single failures 5.5 s apart: the stretch after the first holds
			tr:        traffic([]time.Time{at(21), at(26.5), at(32)}),
			recovered: true, rto: time.Second, confirmed: true, verdict: Pass, failedInFault: 3,
		},
		{
			name: "flapping every 5 s never holds a full window", fault: fault,
			tr:        traffic([]time.Time{at(21), at(26), at(31), at(36), at(41), at(46)}),
			recovered: false, verdict: Fail, failedInFault: 4,
		},
		{
			name: "failures go on after the heal: never recovered before it", fault: fault,
			// every request fails until 2 s after the heal (within its recovery)
			tr:        traffic(every(20, 42, spacing)),
			recovered: false, verdict: Fail, failedInFault: 2000,
		},
		{
			name: "failures up to the heal: the stretch runs past it, so unconfirmed", fault: Fault{Injected: at(20), Healed: at(28)},
			// a short fault that was never failed over: failures stop only at the heal
			tr:        traffic(every(20, 28, spacing)),
			recovered: true, rto: 7990 * time.Millisecond, confirmed: false, verdict: Inconclusive, failedInFault: 800,
		},
		{
			name: "failures up to a late heal: too slow whatever ended them", fault: fault,
			tr:        traffic(every(20, 40, spacing)),
			recovered: true, rto: 19990 * time.Millisecond, confirmed: false, verdict: Fail, failedInFault: 2000,
		},
		{
			name: "no failures", fault: fault, tr: traffic(),
			recovered: true, rto: 0, confirmed: true, verdict: Pass,
		},
		{
			name: "no failures in a fault shorter than the window", fault: Fault{Injected: at(20), Healed: at(22)}, tr: traffic(),
			recovered: true, rto: 0, confirmed: true, verdict: Pass,
		},
		{
			name: "blackhole: failures are placed at their intended start, not at the 2 s client timeout", fault: fault,
			// requests sent from the injection until detection at 23 s hang and
			// fail at send + 2 s; Traffic holds their intended starts
			tr:        traffic(every(20, 23, spacing)),
			recovered: true, rto: 2990 * time.Millisecond, confirmed: true, verdict: Pass, failedInFault: 300,
		},
		{
			name: "failures before the injection are ignored", fault: fault,
			tr:        traffic(every(15, 19.9, spacing)),
			recovered: true, rto: 0, confirmed: true, verdict: Pass,
		},
		{
			name: "never healed, recovered: the run's end bounds it", fault: Fault{Injected: at(20)},
			tr:        traffic(every(20, 23, spacing)),
			recovered: true, rto: 2990 * time.Millisecond, confirmed: true, verdict: Pass, failedInFault: 300,
		},
		{
			name: "never healed, failing until the run ends", fault: Fault{Injected: at(20)},
			tr:        traffic(every(20, 60, spacing)),
			recovered: false, verdict: Fail, failedInFault: 4000,
		},
		{
			name: "the run ends within the window: judged on the requests due until then", fault: Fault{Injected: at(20), Healed: at(59)},
			tr:        traffic(every(20, 57, spacing)),
			recovered: true, rto: 36990 * time.Millisecond, confirmed: false, verdict: Fail, failedInFault: 3700,
		},
		{
			name: "the run ends one request spacing after the last failure: not recovered", fault: Fault{Injected: at(20)},
			tr:        traffic(every(20, 59.995, spacing)),
			recovered: false, verdict: Fail, failedInFault: 4000,
		},
		{
			name: "sparse traffic without failures: RTO 0, silence is no failure", fault: fault, tr: sparse(),
			recovered: true, rto: 0, confirmed: true, verdict: Pass,
		},
		{
			name: "sparse traffic: empty intervals are not silence where requests were due", fault: fault,
			// one request every 2 s; those at 20 s and 22 s fail
			tr:        sparse(at(20), at(22)),
			recovered: true, rto: 2 * time.Second, confirmed: true, verdict: Pass, failedInFault: 2,
		},
		{
			name: "a fault shorter than the window, failed over within it", fault: Fault{Injected: at(20), Healed: at(22)},
			tr:        traffic(every(20, 20.5, spacing)),
			recovered: true, rto: 490 * time.Millisecond, confirmed: true, verdict: Pass, failedInFault: 50,
		},
		{
			name: "a fault shorter than the window, the run ending a second after the heal", fault: Fault{Injected: at(20), Healed: at(22)},
			tr:        cutAt(traffic(every(20, 20.5, spacing)), 23),
			recovered: true, rto: 490 * time.Millisecond, confirmed: true, verdict: Pass, failedInFault: 50,
		},
		{
			name: "failures after heal + recovery are not the fault's", fault: fault,
			tr:        traffic(every(20, 21, spacing), []time.Time{at(46), at(50)}),
			recovered: true, rto: 990 * time.Millisecond, confirmed: true, verdict: Pass, failedInFault: 100,
		},
		{
			name: "silence is not success: the stretch starts when requests resume", fault: fault,
			tr:        Traffic{Start: quiet.Start, Interval: quiet.Interval, Requests: quiet.Requests, Failures: every(20, 25, spacing)},
			recovered: true, rto: 8 * time.Second, confirmed: true, verdict: Pass, failedInFault: 500,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			end := tt.tr.Start.Add(time.Duration(len(tt.tr.Requests)) * tt.tr.Interval)
			got := ComputeRTO(tt.fault, RTOParams{End: end, Window: 5 * time.Second, Recovery: 5 * time.Second}, tt.tr)
			if got.Recovered != tt.recovered || (tt.recovered && (got.Value != tt.rto || got.Confirmed != tt.confirmed)) {
				t.Errorf("got %+v, want recovered=%v rto=%v confirmed=%v", got, tt.recovered, tt.rto, tt.confirmed)
			}
			if got.Failed != tt.failedInFault {
				t.Errorf("failed during the fault: %d, want %d", got.Failed, tt.failedInFault)
			}
			if v := RTOVerdict(got, 10*time.Second); v != tt.verdict {
				t.Errorf("verdict %s, want %s", v, tt.verdict)
			}
		})
	}
}
