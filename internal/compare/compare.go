package compare

import (
	"errors"
	"fmt"
	"time"

	"github.com/slocheck/slocheck/internal/slo"
	"github.com/slocheck/slocheck/results"
)

// Schema is the JSON schema name of a Comparison (docs/compare.md). Fields
// may be added; none is renamed or dropped without a new schema version.
const Schema = "slocheck/compare/v1"

// Verdict is a row's or a comparison's verdict.
type Verdict string

// The verdicts.
const (
	Regressed    Verdict = "REGRESSED"    // worse beyond the tolerance, with 95 % confidence
	Improved     Verdict = "IMPROVED"     // better beyond the tolerance, with 95 % confidence
	NoChange     Verdict = "NO CHANGE"    // the whole interval lies within the tolerance
	Inconclusive Verdict = "INCONCLUSIVE" // the interval straddles a tolerance edge: the data cannot tell
)

// The exit codes of DESIGN.md §6 a comparison ends with.
const (
	exitOK           = 0
	exitInconclusive = 98
	exitRegressed    = 99
)

// Side is one run to compare: its evaluated report and its results stream
// (the histograms the p99 interval resamples).
type Side struct {
	Dir    string // where it was read from, shown in the outputs; may be empty
	Report *slo.Report
	Run    *results.Run
}

// RunInfo identifies one side in a Comparison.
type RunInfo struct {
	Dir      string            `json:"dir,omitempty"`
	Scenario string            `json:"scenario"`
	Engine   string            `json:"engine"`
	Target   string            `json:"target"`
	Started  time.Time         `json:"started"`
	Requests uint64            `json:"requests"`
	Verdict  slo.Verdict       `json:"verdict"`
	Labels   map[string]string `json:"labels,omitempty"`
}

// Row is one objective and scope compared. Change is run − baseline in
// ChangeUnit ("relative" for a quantile: run/baseline − 1), signed as the
// figure moves (a fall in availability is negative); CILow and CIHigh are its
// 95 % interval; Tolerance is in ChangeUnit too.
type Row struct {
	Name       string   `json:"name"`
	Scope      string   `json:"scope"`
	Unit       string   `json:"unit"` // the figures' unit: s, ratio, share
	Baseline   *float64 `json:"baseline"`
	Run        *float64 `json:"run"`
	ChangeUnit string   `json:"change_unit"` // relative, s, ratio, share
	Change     *float64 `json:"change"`
	CILow      *float64 `json:"ci_low,omitempty"`
	CIHigh     *float64 `json:"ci_high,omitempty"`
	Tolerance  float64  `json:"tolerance"`
	Method     string   `json:"method"` // how the interval was found
	Verdict    Verdict  `json:"verdict"`
	Reason     string   `json:"reason,omitempty"` // one line, for every verdict but NO CHANGE
}

// Comparison is a run judged against a baseline (JSON schema Schema).
type Comparison struct {
	Schema     string     `json:"schema"`
	Baseline   RunInfo    `json:"baseline"`
	Run        RunInfo    `json:"run"`
	Tolerances Tolerances `json:"tolerances"`
	Rows       []Row      `json:"rows"`
	Verdict    Verdict    `json:"verdict"`
	ExitCode   int        `json:"exit_code"`
}

// Options change how a comparison ends.
type Options struct {
	Tolerances        Tolerances
	InconclusiveFails bool // exit 98 when the comparison is INCONCLUSIVE
}

// ErrDifferentRuns is wrapped by Compatible's error: the two runs are of
// different scenarios or targets.
var ErrDifferentRuns = errors.New("different runs")

// Compatible returns an error wrapping ErrDifferentRuns when base and run
// are of different scenarios or targets, whose figures a comparison would
// mislead about.
func Compatible(base, run *slo.Report) error {
	switch {
	case base.Scenario != run.Scenario:
		return fmt.Errorf("%w: scenario %q against baseline scenario %q", ErrDifferentRuns, run.Scenario, base.Scenario)
	case base.Target != run.Target:
		return fmt.Errorf("%w: target %q against baseline target %q", ErrDifferentRuns, run.Target, base.Target)
	}
	return nil
}

// Compare judges run against base, objective by objective. It reads both
// sides and changes neither.
func Compare(base, run Side, opt Options) Comparison {
	tol := opt.Tolerances.filled()
	c := Comparison{Schema: Schema, Baseline: info(base), Run: info(run), Tolerances: tol}
	for _, k := range objectiveKeys(base.Report, run.Report) {
		c.Rows = append(c.Rows, compareObjective(base, run, k, tol))
	}
	c.Verdict, c.ExitCode = overall(c.Rows, opt.InconclusiveFails)
	return c
}

func info(s Side) RunInfo {
	r := s.Report
	return RunInfo{Dir: s.Dir, Scenario: r.Scenario, Engine: r.Engine, Target: r.Target, Started: r.Started,
		Requests: r.Requests, Verdict: r.Verdict, Labels: r.Labels}
}

// overall is the comparison's verdict: REGRESSED when any row regressed,
// else INCONCLUSIVE when any row is, else IMPROVED when any row improved,
// else NO CHANGE; and its exit code.
func overall(rows []Row, inconclusiveFails bool) (Verdict, int) {
	seen := map[Verdict]bool{}
	for _, r := range rows {
		seen[r.Verdict] = true
	}
	switch {
	case seen[Regressed]:
		return Regressed, exitRegressed
	case seen[Inconclusive] && inconclusiveFails:
		return Inconclusive, exitInconclusive
	case seen[Inconclusive]:
		return Inconclusive, exitOK
	case seen[Improved]:
		return Improved, exitOK
	}
	return NoChange, exitOK
}

// Row returns c's row of the objective name and scope (a zero Row when it
// has none).
func (c Comparison) Row(name, scope string) Row {
	for _, r := range c.Rows {
		if r.Name == name && r.Scope == scope {
			return r
		}
	}
	return Row{}
}
