package slo

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
)

// tooSlow is, for lateRun's outcome, an answer with a success status after
// the timeout.
const tooSlow = results.ErrorKind(255)

// lateRun is seconds 1-second intervals of 100 requests each (10 ms apart)
// from client region eu, as an engine records them. outcome decides each
// request (ErrNone for a success in 20 ms, tooSlow for an answer after the
// 2 s timeout). Each second has a health record: health(sec) gives its send
// lag p99, timer overshoot and machine CPU.
func lateRun(seconds int, outcome func(sec, k int) results.ErrorKind,
	health func(sec int) (lag, overshoot time.Duration, cpu float64)) *results.Run {
	run := &results.Run{Header: results.Header{Scenario: "late", Engine: "go", Target: "embedded", Started: t0,
		Interval: results.Duration(time.Second), ClientRegions: []string{"eu"}, Steps: []string{"request"},
		Targets: results.DefaultTargets()}}
	for sec := range seconds {
		iv := results.Interval{Start: at(float64(sec)), ClientRegion: "eu", Step: "request", Packed: results.NewPackedLatencyHistogram()}
		for k := range 100 {
			sent := iv.Start.Add(time.Duration(k) * 10 * time.Millisecond)
			f := results.Failure{Time: sent.Add(2 * time.Second), Intended: sent, ClientRegion: "eu", Step: "request"}
			switch kind := outcome(sec, k); kind {
			case results.ErrNone:
				iv.Counts[results.ErrNone]++
				_ = iv.Packed.RecordValue(results.LatencyValue(20 * time.Millisecond))
				continue
			case tooSlow:
				iv.Counts[results.ErrNone]++
				iv.TooSlow++
				f.Time = sent.Add(2500 * time.Millisecond)
			case results.ErrDropped:
				iv.Counts[kind]++
				f.Err, f.Time = kind, sent
			default:
				iv.Counts[kind]++
				f.Err = kind
			}
			run.Failures = append(run.Failures, f)
		}
		run.Intervals = append(run.Intervals, iv)
		lag, over, cpu := health(sec)
		run.Health = append(run.Health, results.Health{Start: iv.Start, Sends: 100, SendLagP99: results.Duration(lag),
			SendLagMax: results.Duration(lag), CPUMachine: cpu, CPUs: 2, TimerOvershootMax: results.Duration(over)})
	}
	run.Trailer = &results.Trailer{Ended: at(float64(seconds)), Reason: "completed"}
	return run
}

// in reports whether sec lies in [from, to).
func in(sec, from, to int) bool { return sec >= from && sec < to }

// lateIn is a health function: the generator late by lag (send lag p99)
// plus overshoot, the machine cpu busy, in seconds [from, to); on time (1 ms,
// 30 % CPU) elsewhere.
func lateIn(from, to int, lag, overshoot time.Duration, cpu float64) func(int) (time.Duration, time.Duration, float64) {
	return func(sec int) (time.Duration, time.Duration, float64) {
		if in(sec, from, to) {
			return lag, overshoot, cpu
		}
		return time.Millisecond, 0, 0.3
	}
}

// failIn is an outcome: every tenth request of the seconds [from, to) fails
// with kind (10 a second), every other succeeds.
func failIn(from, to int, kind results.ErrorKind) func(int, int) results.ErrorKind {
	return func(sec, k int) results.ErrorKind {
		if in(sec, from, to) && k%10 == 0 {
			return kind
		}
		return results.ErrNone
	}
}

// TestGeneratorLateAvailability: steady-state availability that fails only on
// the timeouts, too-slow answers or drops of generator-late intervals is
// INCONCLUSIVE with the reason; on an on-time generator, or with the
// target's own failures (5xx), it still FAILs.
func TestGeneratorLateAvailability(t *testing.T) {
	const ms = time.Millisecond
	reason := func(n, of int, late string, cpu int) string {
		return fmt.Sprintf("%d of %d failures were timeouts, too-slow answers or drops in intervals where the generator "+
			"was late by up to %s (machine CPU %d %% busy): its own lag, not the target's", n, of, late, cpu)
	}
	both := func(a, b func(int, int) results.ErrorKind) func(int, int) results.ErrorKind {
		return func(sec, k int) results.ErrorKind {
			if v := a(sec, k); v != results.ErrNone {
				return v
			}
			return b(sec, k)
		}
	}
	tests := []struct {
		name    string
		outcome func(int, int) results.ErrorKind
		health  func(int) (time.Duration, time.Duration, float64)
		want    Verdict
		reason  string
		note    string // "" for: no generator-late note
	}{
		{name: "timeouts while the generator was late", outcome: failIn(20, 25, results.ErrTimeout), health: lateIn(20, 25, 300*ms, 0, 0.99),
			want: Inconclusive, reason: reason(50, 50, "300 ms", 99), note: "5 of 60 intervals were generator-late"},
		{name: "lateness of send lag and timer overshoot together", outcome: failIn(20, 25, results.ErrTimeout), health: lateIn(20, 25, 150*ms, 50*ms, 0.5),
			want: Inconclusive, reason: reason(50, 50, "200 ms", 50), note: "the worst, at 20 s, late by 200 ms"},
		{name: "just under the lateness threshold", outcome: failIn(20, 25, results.ErrTimeout), health: lateIn(20, 25, 150*ms, 49*ms, 0.5),
			want: Fail},
		{name: "too-slow answers while the generator was late", outcome: failIn(20, 25, tooSlow), health: lateIn(20, 25, 1500*ms, 400*ms, 1),
			want: Inconclusive, reason: reason(50, 50, "1900 ms", 100), note: "generator-late"},
		{name: "drops on a busy machine", outcome: failIn(30, 32, results.ErrDropped), health: lateIn(30, 32, 5*ms, 0, 0.95),
			want: Inconclusive, reason: reason(20, 20, "5 ms", 95), note: "2 of 60 intervals were generator-late"},
		{name: "drops on a quiet machine", outcome: failIn(30, 32, results.ErrDropped), health: lateIn(30, 32, 5*ms, 0, 0.5),
			want: Fail},
		{name: "timeouts on an on-time generator, busy machine", outcome: failIn(20, 25, results.ErrTimeout), health: lateIn(20, 25, 5*ms, 10*ms, 0.99),
			want: Fail},
		{name: "timeouts late, but outside the late intervals", outcome: failIn(40, 45, results.ErrTimeout), health: lateIn(20, 25, 300*ms, 0, 0.99),
			want: Fail, note: "5 of 60 intervals were generator-late"},
		{name: "5xx on a late generator", outcome: failIn(20, 25, results.Err5xx), health: lateIn(20, 25, 300*ms, 0, 0.99),
			want: Fail, note: "generator-late"},
		{name: "refused beside excused timeouts", outcome: both(failIn(20, 25, results.ErrTimeout), failIn(50, 51, results.ErrRefused)),
			health: lateIn(20, 25, 300*ms, 0, 0.99), want: Fail, note: "generator-late"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Evaluate(lateRun(60, tt.outcome, tt.health), Options{})
			o := objective(t, r, "availability", "steady-state")
			if o.Verdict != tt.want || (tt.reason != "" && o.Reason != tt.reason) {
				t.Errorf("steady-state availability: %s %q, want %s %q", o.Verdict, o.Reason, tt.want, tt.reason)
			}
			if r.Verdict != tt.want {
				t.Errorf("run verdict %s, want %s", r.Verdict, tt.want)
			}
			if o.Value == nil || *o.Value >= 1 {
				t.Errorf("the figure must stay what was measured: %v", deref(o.Value))
			}
			notes := strings.Join(r.Notes, "\n")
			if has := strings.Contains(notes, "generator-late"); has != (tt.note != "") || !strings.Contains(notes, tt.note) {
				t.Errorf("notes %q, want one containing %q", notes, tt.note)
			}
			if tt.want == Inconclusive {
				if r := Evaluate(lateRun(60, tt.outcome, tt.health), Options{InconclusiveFails: true}); r.ExitCode != exitInconclusive {
					t.Errorf("--inconclusive-fails: exit %d, want %d", r.ExitCode, exitInconclusive)
				}
				w := objective(t, r, "availability", "whole-run")
				if w.Verdict != Info || w.Detail != tt.reason {
					t.Errorf("whole-run: %s %q, want INFO with the reason as detail", w.Verdict, w.Detail)
				}
			}
		})
	}
}

// TestGeneratorLateFault: a fault's RTO and budget that fail only on the
// timeouts, too-slow answers or drops of generator-late intervals in its
// window are INCONCLUSIVE (the "overall" rows too); a slow failover, or the
// same failures on an on-time generator, still FAIL.
func TestGeneratorLateFault(t *testing.T) {
	const ms = time.Millisecond
	// The fault (injected at 20 s, healed at 40 s) refuses every request for
	// 3 s; then one request a second times out until 45 s.
	sparseTimeouts := func(sec, k int) results.ErrorKind {
		switch {
		case in(sec, 20, 23):
			return results.ErrRefused
		case in(sec, 23, 45) && k == 50:
			return results.ErrTimeout
		}
		return results.ErrNone
	}
	slowFailover := func(sec, _ int) results.ErrorKind { // RTO 12 s ≥ 10 s
		if in(sec, 20, 32) {
			return results.Err5xx
		}
		return results.ErrNone
	}
	allTimeouts := func(sec, _ int) results.ErrorKind { // 56 failure-seconds > 20 % of 259.2, to past the heal at 75 s
		if in(sec, 20, 76) {
			return results.ErrTimeout
		}
		return results.ErrNone
	}
	tests := []struct {
		name         string
		outcome      func(int, int) results.ErrorKind
		health       func(int) (time.Duration, time.Duration, float64)
		heal         float64
		rto, budget  Verdict
		rtoDetail    string
		reasonPrefix string
	}{
		{name: "not recovered only for late-interval timeouts", outcome: sparseTimeouts, health: lateIn(23, 45, 600*ms, 300*ms, 0.99), heal: 40,
			rto: Inconclusive, budget: Pass, rtoDetail: "not recovered", reasonPrefix: "22 of 322 failures were timeouts"},
		{name: "the same timeouts on an on-time generator", outcome: sparseTimeouts, health: lateIn(23, 45, 20*ms, 30*ms, 0.99), heal: 40,
			rto: Fail, budget: Pass, rtoDetail: "not recovered"},
		{name: "slow failover, on-time generator", outcome: slowFailover, health: lateIn(0, 100, 2*ms, 5*ms, 0.97), heal: 40,
			rto: Fail, budget: Pass},
		{name: "slow failover, late generator", outcome: slowFailover, health: lateIn(0, 100, 900*ms, 500*ms, 1), heal: 40,
			rto: Fail, budget: Pass},
		{name: "budget spent only on late-interval timeouts", outcome: allTimeouts, health: lateIn(20, 76, 2000*ms, 0, 1), heal: 75,
			rto: Inconclusive, budget: Inconclusive, rtoDetail: "not recovered", reasonPrefix: "5,600 of 5,600 failures were timeouts"},
		{name: "budget spent on timeouts, on-time generator", outcome: allTimeouts, health: lateIn(20, 76, 2*ms, 0, 1), heal: 75,
			rto: Fail, budget: Fail, rtoDetail: "not recovered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := lateRun(100, tt.outcome, tt.health)
			run.Events = []results.Event{
				{Time: at(20), Kind: results.EventFaultInjected, Fault: "eastus-down", Target: "eastus", Mode: "down"},
				{Time: at(tt.heal), Kind: results.EventFaultHealed, Fault: "eastus-down", Target: "eastus", Mode: "down"}}
			r := Evaluate(run, Options{})
			for _, c := range []struct {
				name, scope string
				want        Verdict
			}{{"rto", "fault:eastus-down", tt.rto}, {"rto", "overall", tt.rto}, {"budget", "fault:eastus-down", tt.budget}} {
				o := objective(t, r, c.name, c.scope)
				if o.Verdict != c.want {
					t.Errorf("%s %s: %s %q, want %s", c.name, c.scope, o.Verdict, o.Reason, c.want)
				}
				if c.want == Inconclusive && !strings.HasPrefix(o.Reason, tt.reasonPrefix) {
					t.Errorf("%s %s: reason %q, want it to begin %q", c.name, c.scope, o.Reason, tt.reasonPrefix)
				}
			}
			if o := objective(t, r, "rto", "fault:eastus-down"); tt.rtoDetail != "" && o.Detail != tt.rtoDetail {
				t.Errorf("rto detail %q, want the figure as measured, %q", o.Detail, tt.rtoDetail)
			}
			// Steady state holds no failure, but too few requests to pass 99.99 %.
			if want := worstVerdict(tt.rto, tt.budget, Inconclusive); r.Verdict != want {
				t.Errorf("run verdict %s, want %s", r.Verdict, want)
			}
		})
	}
}

func worstVerdict(vs ...Verdict) Verdict {
	w := Pass
	for _, v := range vs {
		if verdictRank[v] > verdictRank[w] {
			w = v
		}
	}
	return w
}
