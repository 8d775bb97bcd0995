package slo

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/slocheck/slocheck/results"
)

// QuantileName is the objective name of quantile q: "p99" for 0.99.
func QuantileName(q float64) string {
	return "p" + strconv.FormatFloat(q*100, 'g', 6, 64)
}

// MinSamplesToBound is the smallest n whose two-sided 95 % interval for the
// p-quantile has an upper bound: the least n with pⁿ <= 0.05 (299 for p99).
func MinSamplesToBound(p float64) uint64 {
	return uint64(math.Ceil(math.Log(0.05) / math.Log(p)))
}

// latencyObjectives are the deciding quantile objectives: overall and per
// client region.
func (e *evaluation) latencyObjectives() []Objective {
	out := []Objective{e.quantileObjective("overall", e.all, true)}
	for _, r := range e.regions {
		out = append(out, e.quantileObjective("region:"+r, e.byRegion[r], true))
	}
	return out
}

func (e *evaluation) quantileObjective(scope string, g *group, deciding bool) Objective {
	p, target := e.targets.Quantile, e.targets.P99.Std()
	q := EstimateQuantile(g.latency, p)
	o := Objective{Name: QuantileName(p), Scope: scope, Target: target.Seconds(), Unit: "s", N: q.N, Verdict: q.Decide(target)}
	switch {
	case q.N == 0:
		o.Detail = "no successful requests"
	case q.Ranks.High == 0:
		o.Detail = fmt.Sprintf("n = %d: too few to bound %s from above (needs %d)", q.N, o.Name, MinSamplesToBound(p))
	}
	if q.N > 0 {
		o.Value = f64(q.Value.Seconds())
	}
	if q.Ranks.Low > 0 {
		o.CILow = f64(q.Low.Seconds())
	}
	if q.Ranks.High > 0 {
		o.CIHigh = f64(q.High.Seconds())
	}
	switch {
	case !deciding || o.Verdict != Fail:
	case excusesQuantile(q.Low, target, e.late.Max):
		o.Verdict, o.Reason = Inconclusive, LateReason(e.late.Max)
	case e.belowLate(g, target) >= q.Ranks.Low:
		o.Verdict, o.Reason = Inconclusive, LateReason(e.reqLateMax())
	}
	if !deciding {
		o.Verdict, o.Reason = Info, ""
	}
	return o
}

// availabilityObjectives is the deciding steady-state availability.
func (e *evaluation) availabilityObjectives() []Objective {
	n, failed := e.counts(e.inSteady)
	o := availabilityObjective("steady-state", n-failed, n, e.targets.Availability)
	if n == 0 {
		o.Detail = "no interval lies wholly in steady state"
	}
	if x := e.excuseIn(e.inSteady); o.Verdict == Fail && e.excuses(x, n, failed) {
		o.Verdict, o.Reason = Inconclusive, x.reason()
	}
	e.nameClientErrors(&o)
	return []Objective{o}
}

// excuses reports whether availability over n requests with failed failures
// no longer fails once the excused failures are taken out of both.
func (e *evaluation) excuses(x excuse, n, failed uint64) bool {
	return x.n > 0 && EvaluateAvailability(n-failed, n-min(x.n, failed), e.targets.Availability).Verdict != Fail
}

// inSteady reports whether slot s lies wholly in steady state.
func (e *evaluation) inSteady(s int) bool {
	from := e.start.Add(time.Duration(s) * e.interval)
	for _, w := range e.steady {
		if w.Covers(from, from.Add(e.interval)) {
			return true
		}
	}
	return false
}

// counts sums the requests and failures of the slots in selects.
func (e *evaluation) counts(in func(slot int) bool) (n, failed uint64) {
	for s := 0; s < e.slots; s++ {
		if in(s) {
			n += e.series.Requests[s]
			failed += e.series.Failed[s]
		}
	}
	return n, failed
}

func availabilityObjective(scope string, successes, n uint64, target float64) Objective {
	a := EvaluateAvailability(successes, n, target)
	o := Objective{Name: "availability", Scope: scope, Target: target, Unit: "ratio", N: n, Verdict: a.Verdict,
		CILow: f64(a.Bounds.Low), CIHigh: f64(a.Bounds.High), RequestsToDecide: a.RequestsToDecide}
	if n > 0 {
		o.Value = f64(a.Value())
	}
	if a.Undecidable {
		o.Detail = "the observed availability equals the target: no number of requests can decide"
	}
	return o
}

// nameClientErrors makes a failed availability's reason name the client
// errors (4xx) among the run's failures: a target answering 404 is broken.
func (e *evaluation) nameClientErrors(o *Objective) {
	if n := e.all.kinds[results.Err4xx]; n > 0 && o.Verdict == Fail {
		o.Reason = fmt.Sprintf("%s; %s of the run's %s failures were client errors (4xx)",
			reasonFor(o), thousands(n), thousands(e.all.failures))
	}
}

// infoObjectives are reported but do not decide: the quantile per step and
// the whole run's availability.
func (e *evaluation) infoObjectives() []Objective {
	var out []Objective
	for _, s := range e.steps {
		out = append(out, e.quantileObjective("step:"+s, e.byStep[s], false))
	}
	o := availabilityObjective("whole-run", e.all.requests-e.all.failures, e.all.requests, e.targets.Availability)
	if x := e.excuseIn(func(int) bool { return true }); o.Verdict == Fail && e.excuses(x, e.all.requests, e.all.failures) {
		o.Detail = x.reason() // INFO judges nothing: the why, as a detail
	}
	o.Verdict, o.RequestsToDecide = Info, 0
	return append(out, o)
}

// worstOf returns the overall objective of a per-fault kind: the worst of
// them (FAIL, then INCONCLUSIVE, then no value, then the largest value).
func worstOf(objs []Objective, name string, target time.Duration) []Objective {
	var worst *Objective
	for i := range objs {
		if o := &objs[i]; o.Name == name && (worst == nil || worse(o, worst)) {
			worst = o
		}
	}
	if worst == nil {
		return nil
	}
	o := *worst
	o.Scope, o.Target = "overall", target.Seconds()
	o.Detail = "worst " + worst.Scope
	if worst.Detail != "" {
		o.Detail += ": " + worst.Detail
	}
	return []Objective{o}
}

var verdictRank = map[Verdict]int{Fail: 3, Inconclusive: 2, Pass: 1, Info: 0}

func worse(a, b *Objective) bool {
	if ra, rb := verdictRank[a.Verdict], verdictRank[b.Verdict]; ra != rb {
		return ra > rb
	}
	switch {
	case a.Value == nil || b.Value == nil:
		return a.Value == nil && b.Value != nil
	default:
		return *a.Value > *b.Value
	}
}

// decide is the run's verdict and exit code: FAIL when any deciding
// objective failed (or the run must fail, as after a failed heal), else
// INCONCLUSIVE when any is inconclusive, else PASS.
func decide(objs []Objective, mustFail bool, opt Options) (Verdict, int) {
	v := Pass
	for _, o := range objs {
		if verdictRank[o.Verdict] > verdictRank[v] {
			v = o.Verdict
		}
	}
	if mustFail {
		v = Fail
	}
	switch {
	case v == Fail:
		return Fail, exitFailed
	case v == Inconclusive && opt.InconclusiveFails:
		return Inconclusive, exitInconclusive
	default:
		return v, exitOK
	}
}
