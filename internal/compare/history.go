package compare

import (
	"slices"

	"github.com/slocheck/slocheck/internal/slo"
)

// History is a series of runs (nightly runs, say) in the order they
// started, each compared with the one before it.
type History struct {
	Columns []Column     `json:"columns"` // the deciding objectives of any run, in order of first appearance
	Rows    []HistoryRow `json:"rows"`
}

// Column is one objective of a History.
type Column struct {
	Name  string `json:"name"`
	Scope string `json:"scope"`
	Unit  string `json:"unit"`
}

// HistoryRow is one run of a History: its figure and verdict per column,
// and its comparison with the run before it (none for the first).
type HistoryRow struct {
	Run      RunInfo       `json:"run"`
	Values   []*float64    `json:"values"`   // per column; nil where the run has no figure
	Verdicts []slo.Verdict `json:"verdicts"` // per column; "" where the run has no such objective
	// Against is the comparison with the previous run: its verdict, and the
	// columns it found REGRESSED and IMPROVED.
	Against   Verdict  `json:"against,omitempty"`
	Regressed []string `json:"regressed,omitempty"`
	Improved  []string `json:"improved,omitempty"`
}

// NewHistory orders sides by their start and compares each with the one
// before it, as Compare does.
func NewHistory(sides []Side, opt Options) History {
	sides = slices.Clone(sides)
	slices.SortStableFunc(sides, func(a, b Side) int { return a.Report.Started.Compare(b.Report.Started) })
	var h History
	seen := map[key]bool{}
	for _, s := range sides {
		for i := range s.Report.Objectives {
			o := &s.Report.Objectives[i]
			if k := (key{o.Name, o.Scope}); compared(o) && !seen[k] {
				seen[k] = true
				h.Columns = append(h.Columns, Column{Name: o.Name, Scope: o.Scope, Unit: o.Unit})
			}
		}
	}
	for i, s := range sides {
		row := HistoryRow{Run: info(s)}
		for _, c := range h.Columns {
			o := find(s.Report, key{c.Name, c.Scope})
			if o == nil {
				row.Values, row.Verdicts = append(row.Values, nil), append(row.Verdicts, "")
				continue
			}
			row.Values, row.Verdicts = append(row.Values, o.Value), append(row.Verdicts, o.Verdict)
		}
		if i > 0 {
			c := Compare(sides[i-1], s, opt)
			row.Against = c.Verdict
			for _, r := range c.Rows {
				switch r.Verdict {
				case Regressed:
					row.Regressed = append(row.Regressed, r.Name+" "+r.Scope)
				case Improved:
					row.Improved = append(row.Improved, r.Name+" "+r.Scope)
				}
			}
		}
		h.Rows = append(h.Rows, row)
	}
	return h
}
