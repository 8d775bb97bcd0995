package report

import (
	"fmt"
	"sort"
	"strings"

	"github.com/slocheck/slocheck/internal/slo"
)

// table is one rendered table: what the Markdown, HTML and console writers
// share, so the three show the same figures.
type table struct {
	Title  string
	Header []string
	Rows   [][]string
	Note   string   // a line under the table ("" for none)
	Why    []string // the reasons under the table, one line each
	Wrap   bool     // report.html lets its cells wrap (long prose) instead of widening the page
}

// verdictNote says how the verdicts read the intervals (DESIGN.md §2): an
// interval on one side of the target is a one-sided test at 97.5 %.
const verdictNote = "verdicts: one-sided tests at 97.5 % on the 95 % two-sided intervals"

// reasons are the lines saying why each objective that is not PASS is not:
// "FAIL rto fault:eastus-down: not recovered before the heal", from its
// Reason or, when it has none, its Detail. They go under the objectives
// table, never into its value column.
func reasons(r *slo.Report) []string {
	var out []string
	for i := range r.Objectives {
		o := &r.Objectives[i]
		why := o.Reason
		if why == "" {
			why = o.Detail
		}
		if o.Verdict == slo.Pass || why == "" {
			continue
		}
		out = append(out, fmt.Sprintf("%s %s: %s", o.Verdict, objName(o), why))
	}
	return out
}

// intervalNote is verdictNote when an objective has an interval, else "".
func intervalNote(r *slo.Report) string {
	for _, o := range r.Objectives {
		if o.CILow != nil && o.CIHigh != nil {
			return verdictNote
		}
	}
	return ""
}

// tables are the report's tables, in the order the documents show them.
func tables(r *slo.Report) []table {
	ts := []table{objectivesTable(r), summaryTable("Client regions", "client region", r.Regions, true)}
	if len(r.Steps) > 0 {
		ts = append(ts, summaryTable("Journey steps", "step", r.Steps, false))
	}
	if len(r.Faults) > 0 {
		ts = append(ts, faultsTable(r), impactTable(r), failoverTable(r))
	}
	if len(r.ReplicationLag) > 0 {
		ts = append(ts, lagTable(r)) // lag.go
	}
	return ts
}

// objectivesTable lists every objective with its interval and verdict.
func objectivesTable(r *slo.Report) table {
	t := table{
		Title:  "Objectives",
		Header: []string{"objective", "scope", "value", "95 % interval", "n", "target", "verdict", "requests to decide"},
	}
	for i := range r.Objectives {
		o := &r.Objectives[i]
		n := ""
		if o.N > 0 {
			n = count(o.N)
		}
		t.Rows = append(t.Rows, []string{
			o.Name, o.Scope, objValue(o), interval(o), n, target(o), string(o.Verdict), toDecide(o),
		})
	}
	t.Note, t.Why = intervalNote(r), reasons(r)
	return t
}

// summaryTable lists the client regions or journey steps that carried
// traffic.
func summaryTable(title, key string, m map[string]slo.RegionSummary, servedBy bool) table {
	t := table{Title: title, Header: []string{key, "requests", "failures", "failure ratio", "p50", "p99"}}
	if servedBy {
		t.Header = append(t.Header, "served by")
	}
	for _, name := range sortedKeys(m) {
		s := m[name]
		if s.Requests == 0 {
			continue // a client region or step that carried no traffic has nothing to show
		}
		row := []string{
			name, count(s.Requests), count(s.Failures), share(s.Failures, s.Requests),
			optSeconds(s.P50S, none), optSeconds(s.P99S, none),
		}
		if servedBy {
			row = append(row, servedByText(s))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// servedByText lists the serving regions by share of requests, largest first:
// "westeurope 60 %, eastus 40 %".
func servedByText(s slo.RegionSummary) string {
	if len(s.ServedBy) == 0 {
		return none
	}
	names := sortedKeys(s.ServedBy)
	sort.SliceStable(names, func(i, j int) bool { return s.ServedBy[names[i]] > s.ServedBy[names[j]] })
	var total uint64
	for _, n := range s.ServedBy {
		total += n
	}
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + " " + share(s.ServedBy[n], total)
	}
	return strings.Join(parts, ", ")
}

// faultsTable says what was injected, when, and when users saw failures.
func faultsTable(r *slo.Report) table {
	t := table{
		Title:  "Faults",
		Header: []string{"fault", "injector", "target", "mode", "injected", "healed", "first failure", "last failure"},
	}
	for i := range r.Faults {
		f := &r.Faults[i]
		t.Rows = append(t.Rows, []string{
			f.Name, f.Injector, f.Target, f.Mode, offset(r, f.Injected), healedText(r, f),
			optTime(r, f.FirstFailure, none), optTime(r, f.LastFailure, none),
		})
	}
	return t
}

// healedText is when a fault was healed, or why it was not.
func healedText(r *slo.Report, f *slo.FaultSummary) string {
	switch {
	case f.Healed != nil && f.HealFailed:
		return offset(r, *f.Healed) + " (heal failed)"
	case f.Healed != nil:
		return offset(r, *f.Healed)
	case f.HealFailed:
		return "heal failed"
	default:
		return "not healed"
	}
}

// impactTable gives each fault's RTO (overall and per client region), lost
// and late writes, RPO and error-budget burn.
func impactTable(r *slo.Report) table {
	regions := rtoRegions(r)
	t := table{Title: "Recovery and cost", Header: []string{"fault", "RTO overall"}}
	for _, cr := range regions {
		t.Header = append(t.Header, "RTO "+cr)
	}
	t.Header = append(t.Header, "failed requests", "acked writes", "lost writes", "late writes", "RPO",
		"budget burn", "budget share")
	for i := range r.Faults {
		f := &r.Faults[i]
		row := []string{f.Name, optSeconds(f.RTOS.Overall, notRecovered)}
		for _, cr := range regions {
			row = append(row, rtoFor(f, cr))
		}
		row = append(row, count(f.FailedRequests), count(f.AckedWrites), count(f.LostWrites), count(f.LateWrites),
			optSeconds(f.RPOS, none), seconds(f.BudgetBurnS), percent(f.BudgetShare))
		t.Rows = append(t.Rows, row)
	}
	return t
}

// rtoRegions are the client regions any fault has an RTO for, sorted.
func rtoRegions(r *slo.Report) []string {
	set := map[string]bool{}
	for _, f := range r.Faults {
		for cr := range f.RTOS.ByClientRegion {
			set[cr] = true
		}
	}
	return sortedKeys(set)
}

// rtoFor is a fault's RTO for one client region: "—" when the region has no
// figure, "not recovered" when it has a nil one.
func rtoFor(f *slo.FaultSummary, clientRegion string) string {
	v, ok := f.RTOS.ByClientRegion[clientRegion]
	if !ok {
		return none
	}
	return optSeconds(v, notRecovered)
}

// summaryLine is the one-line summary every document opens with.
func summaryLine(r *slo.Report) string {
	s := fmt.Sprintf("%s · engine %s · target %s · started %s · %.1f s · %s requests, %s failures (%s), %s dropped",
		r.Scenario, r.Engine, r.Target, stamp(r.Started), r.DurationS,
		count(r.Requests), count(r.Failures), share(r.Failures, r.Requests), count(r.Dropped))
	if l := Labels(r.Labels); l != "" {
		s += " · labels " + l
	}
	return s
}

// notes are the report's notes, with a cut stream called out first.
func notes(r *slo.Report) []string {
	var ns []string
	if !r.Complete {
		ns = append(ns, "the results stream has no trailer: the run was cut short, figures cover what was recorded")
	}
	return append(ns, r.Notes...)
}
