package slo

import (
	"fmt"
	"sort"
	"time"

	"github.com/slocheck/slocheck/results"
)

// fault summarises one fault and returns its deciding objectives: rto, rpo
// and budget, scoped "fault:<name>".
func (e *evaluation) fault(f Fault) (FaultSummary, []Objective) {
	win := FaultWindows([]Fault{f}, e.targets.Recovery.Std(), e.end)[0]
	fs := FaultSummary{Name: f.Name, Injector: f.Injector, Target: f.Target, Mode: f.Mode,
		Injected: f.Injected, HealFailed: f.HealFailed}
	if !f.Healed.IsZero() {
		fs.Healed = timePtr(f.Healed)
	}
	fails := e.failEnds
	a := sort.Search(len(fails), func(i int) bool { return !fails[i].Before(win.Start) })
	b := sort.Search(len(fails), func(i int) bool { return !fails[i].Before(win.End) })
	if fs.FailedRequests = uint64(b - a); b > a {
		fs.FirstFailure, fs.LastFailure = timePtr(fails[a]), timePtr(fails[b-1])
	}
	scope := "fault:" + f.Name
	rto := e.rto(f, &fs)
	fs.BudgetBurnS = BudgetBurn(e.series, win)
	fs.BudgetShare = fs.BudgetBurnS / ErrorBudget(e.targets.Availability)
	budget := Objective{Name: "budget", Scope: scope, Target: e.targets.BudgetShare, Unit: "share",
		Value: f64(fs.BudgetShare), Verdict: BudgetVerdict(fs.BudgetShare, e.targets.BudgetShare),
		Detail: fmt.Sprintf("%.3g failure-seconds of %.4g", fs.BudgetBurnS, ErrorBudget(e.targets.Availability))}
	e.excuseFault(f, win, &rto, &budget)
	rto.Scope = scope
	rpo := e.rpo(f, &fs)
	rpo.Scope = scope
	return fs, []Objective{rto, rpo, budget}
}

// rto fills the fault's RTO per client region (those with requests while it
// was active) and overall, and returns the overall one as an objective.
func (e *evaluation) rto(f Fault, fs *FaultSummary) Objective {
	fs.RTOS.ByClientRegion = map[string]*float64{}
	active := f.Active(e.end)
	for _, r := range e.regions {
		if tr := e.traffic[r]; tr.requestsIn(active) > 0 {
			fs.RTOS.ByClientRegion[r] = rtoSeconds(e.computeRTO(f, *tr))
		}
	}
	r := e.computeRTO(f, *e.traffic[""])
	fs.RTOS.Overall = rtoSeconds(r)
	target := e.targets.RTO.Std()
	o := Objective{Name: "rto", Target: target.Seconds(), Unit: "s", Value: fs.RTOS.Overall, Verdict: RTOVerdict(r, target)}
	switch {
	case !r.Recovered:
		o.Detail = "not recovered"
	case !r.Confirmed:
		o.Detail = "the all-success stretch began too close to the heal: the heal may have ended the failures"
	case r.Value == 0:
		o.Detail = "no failure seen"
	}
	return o
}

// excuseFault makes the fault's RTO and budget INCONCLUSIVE where they FAIL
// but would not without the timeouts, too-slow answers and drops of the
// generator-late intervals in its window (see the package doc).
func (e *evaluation) excuseFault(f Fault, win Window, rto, budget *Objective) {
	x := e.excuseIn(e.overlapping(win))
	if x.n == 0 {
		return
	}
	if rto.Verdict == Fail && RTOVerdict(e.computeRTO(f, e.excusedTraffic()), e.targets.RTO.Std()) != Fail {
		rto.Verdict, rto.Reason = Inconclusive, x.reason()
	}
	share := BudgetBurn(e.excusedSeries(), win) / ErrorBudget(e.targets.Availability)
	if budget.Verdict == Fail && BudgetVerdict(share, e.targets.BudgetShare) != Fail {
		budget.Verdict, budget.Reason = Inconclusive, x.reason()
	}
}

// computeRTO is ComputeRTO with the run's parameters.
func (e *evaluation) computeRTO(f Fault, tr Traffic) RTO {
	return ComputeRTO(f, RTOParams{End: e.end, Window: e.targets.StabilityWindow.Std(), Recovery: e.targets.Recovery.Std()}, tr)
}

func rtoSeconds(r RTO) *float64 {
	if !r.Recovered {
		return nil
	}
	return f64(r.Value.Seconds())
}

// requestsIn counts the requests of the intervals overlapping w.
func (tr Traffic) requestsIn(w Window) uint64 {
	if tr.Interval <= 0 {
		return 0
	}
	first := max(0, int(w.Start.Sub(tr.Start)/tr.Interval))
	last := min(len(tr.Requests), int((w.End.Sub(tr.Start)-1)/tr.Interval)+1)
	var n uint64
	for i := first; i < last; i++ {
		n += tr.Requests[i]
	}
	return n
}

// rpo fills the fault's write counts and RPO and returns it as an objective
// (DESIGN.md §2, ComputeRPO): PASS or FAIL from the lost writes when every
// candidate's fate is known; FAIL as soon as the lost writes alone miss the
// target (an unread write could only add to the RPO); INCONCLUSIVE when a
// candidate was not read back, or when journeys wrote and nothing was
// acknowledged; INFO when nothing wrote.
func (e *evaluation) rpo(f Fault, fs *FaultSummary) Objective {
	loss := ComputeRPO(f, len(e.faults) == 1, e.end, e.run.Header.Targets.ReadbackLookback.Std(), e.run.Writes, e.run.Readbacks)
	fs.AckedWrites, fs.ReadWrites, fs.AbsentWrites, fs.UnreadWrites = loss.Candidates, loss.Read, loss.Absent, loss.Unread
	fs.LostWrites, fs.LateWrites = loss.Lost, loss.Late
	target := e.targets.RPO.Std()
	o := Objective{Name: "rpo", Target: target.Seconds(), Unit: "s", N: loss.Candidates}
	switch {
	case loss.Candidates == 0:
		o.Verdict, o.Detail, o.Reason = Info, "not measured", "not measured: nothing was written"
		switch n := e.writeRequests(); {
		case len(e.run.Writes) > 0:
			o.Reason = fmt.Sprintf("not measured: %s acknowledged no write from the lookback before the injection until the heal", orUnknown(f.Target))
		case n > 0:
			o.Verdict = Inconclusive
			o.Reason = fmt.Sprintf("journeys sent %d requests to write steps but no write was acknowledged", n)
		}
		return o
	case loss.Unread > 0 && loss.RPO < target:
		o.Verdict = Inconclusive
		o.Reason = fmt.Sprintf("%d of %d acknowledged writes not read back (acknowledged %.1f–%.1f s before the heal)",
			loss.Unread, loss.Candidates, loss.UnreadFrom.Seconds(), loss.UnreadTo.Seconds())
	default:
		fs.RPOS = f64(loss.RPO.Seconds())
		o.Value, o.Verdict = fs.RPOS, Pass
		if loss.RPO >= target {
			o.Verdict = Fail
			o.Reason = fmt.Sprintf("%d acknowledged writes lost: RPO %.3f s is not under %g s", loss.Lost, loss.RPO.Seconds(), target.Seconds())
		}
	}
	o.Detail = fmt.Sprintf("%d lost, %d late, %d unread of %d acknowledged writes (%d read during the fault, %d absent)",
		loss.Lost, loss.Late, loss.Unread, loss.Candidates, loss.Read, loss.Absent)
	return o
}

// writeRequests counts the requests of the header's write steps.
func (e *evaluation) writeRequests() uint64 {
	var n uint64
	for _, st := range e.run.Header.WriteSteps {
		if g := e.byStep[st]; g != nil {
			n += g.requests
		}
	}
	return n
}

func orUnknown(region string) string {
	if region == "" {
		return "the faulted region (unnamed)"
	}
	return region
}

func timePtr(t time.Time) *time.Time { return &t }

// summaries returns each scope's totals and latency figures.
func (e *evaluation) summaries(names []string, groups map[string]*group) map[string]RegionSummary {
	out := make(map[string]RegionSummary, len(names))
	for _, n := range names {
		g := groups[n]
		s := RegionSummary{Requests: g.requests, Failures: g.failures, FailuresByKind: g.failuresByKind()}
		if g.latency.TotalCount() > 0 {
			s.P99S = f64(ValueAtQuantile(g.latency, e.targets.Quantile).Seconds())
			s.P50S = f64(ValueAtQuantile(g.latency, 0.5).Seconds())
		}
		if len(g.servedBy) > 0 {
			s.ServedBy = g.servedBy
		}
		out[n] = s
	}
	return out
}

// mustFail reports a run that cannot pass whatever its figures: a heal
// failed, or a complete stream left a fault unhealed.
func (e *evaluation) mustFail() bool {
	for _, f := range e.faults {
		if f.HealFailed || (f.Healed.IsZero() && e.run.Trailer != nil) {
			return true
		}
	}
	return false
}

// notes explains what the figures alone do not: failed heals, faults left
// in place, a cut stream, aborts and failed injections.
func (e *evaluation) notes() []string {
	var out []string
	for _, f := range e.faults {
		switch {
		case f.HealFailed:
			out = append(out, fmt.Sprintf("fault %s: heal failed; the target may still be degraded, so the run cannot pass", f.Name))
		case f.Healed.IsZero() && e.run.Trailer != nil:
			out = append(out, fmt.Sprintf("fault %s was never healed, so the run cannot pass", f.Name))
		case f.Healed.IsZero():
			out = append(out, fmt.Sprintf("fault %s: no heal recorded before the stream was cut", f.Name))
		}
	}
	for _, ev := range sortedEvents(e.run.Events) {
		if n := e.eventNote(ev); n != "" {
			out = append(out, n)
		}
	}
	switch t := e.run.Trailer; {
	case t == nil:
		out = append(out, fmt.Sprintf("the results stream was cut (no trailer): figures cover the first %.1f s", e.end.Sub(e.start).Seconds()))
	case t.Reason != "" && t.Reason != "completed":
		out = append(out, "run ended: "+t.Reason)
	}
	return out
}

func (e *evaluation) eventNote(ev results.Event) string {
	at := ev.Time.Sub(e.start).Seconds()
	switch ev.Kind {
	case results.EventInjectFailed:
		return fmt.Sprintf("fault %s: injection failed at %.1f s: %s", ev.Fault, at, ev.Detail)
	case results.EventStopCondition:
		return fmt.Sprintf("fault %s: stop condition fired at %.1f s: %s", ev.Fault, at, ev.Detail)
	case results.EventAbort:
		return fmt.Sprintf("run aborted at %.1f s: %s", at, ev.Detail)
	case results.EventNote:
		return ev.Detail
	}
	return ""
}
