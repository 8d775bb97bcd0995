package compare

import (
	"strings"

	"github.com/slocheck/slocheck/internal/slo"
)

// key names one objective of a report.
type key struct{ name, scope string }

// compared reports whether an objective is one a comparison judges: a
// deciding quantile, steady-state availability, RTO, RPO or budget burn.
func compared(o *slo.Objective) bool {
	if o.Verdict == slo.Info {
		return false
	}
	switch o.Name {
	case "availability", "rto", "rpo", "budget":
		return true
	}
	return isQuantile(o.Name)
}

// isQuantile reports whether name is a quantile objective's: "p99", "p99.9".
func isQuantile(name string) bool {
	rest, ok := strings.CutPrefix(name, "p")
	return ok && rest != "" && strings.Trim(rest, "0123456789.") == ""
}

// objectiveKeys lists the objectives either report decides by, the run's
// order first, then those only the baseline has.
func objectiveKeys(base, run *slo.Report) []key {
	var out []key
	seen := map[key]bool{}
	for _, r := range []*slo.Report{run, base} {
		for i := range r.Objectives {
			o := &r.Objectives[i]
			if k := (key{o.Name, o.Scope}); compared(o) && !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

func find(r *slo.Report, k key) *slo.Objective {
	for i := range r.Objectives {
		if o := &r.Objectives[i]; o.Name == k.name && o.Scope == k.scope {
			return o
		}
	}
	return nil
}

// compareObjective compares one objective of both sides.
func compareObjective(base, run Side, k key, tol Tolerances) Row {
	bo, ro := find(base.Report, k), find(run.Report, k)
	row := Row{Name: k.name, Scope: k.scope}
	if bo == nil || ro == nil {
		o, where := bo, "the baseline"
		if o == nil {
			o, where = ro, "this run"
		}
		row.Unit, row.Verdict = o.Unit, Inconclusive
		row.Reason = "only " + where + " has " + k.name + " " + k.scope
		return row
	}
	row.Unit, row.Baseline, row.Run = ro.Unit, bo.Value, ro.Value
	switch {
	case isQuantile(k.name):
		quantileRow(&row, base, run, ro, tol.P99)
	case k.name == "availability":
		availabilityRow(&row, bo, ro, tol.Availability)
		excuseStarved(&row, base.Run, run.Run)
	default:
		faultRow(&row, base, run, tol)
	}
	return row
}
