package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/slocheck/slocheck/internal/slo"
)

// CSVColumns are report.csv's columns, one row per objective. Numbers are raw
// (seconds, ratios 0–1) with a '.' decimal point; a missing number is an empty
// cell. scenario and started identify the run, so the files of many runs can
// be appended into one table.
var CSVColumns = []string{
	"scenario", "started", "objective", "name", "scope", "verdict", "value", "ci_low", "ci_high",
	"target", "unit", "n", "requests_to_decide", "detail",
}

// TimelineColumns are timeline.csv's columns, one row per interval and client
// region ("all" for the whole run's series). t_s is the interval's start in
// seconds since the run started and time the same instant in UTC;
// interval_s is the interval's length, inferred from the spacing of t_s;
// fault names the fault active at t_s ("" in steady state).
var TimelineColumns = []string{
	"scenario", "started", "t_s", "time", "interval_s", "client_region", "requests", "failures",
	"failure_ratio", "requests_per_s", "failures_per_s", "p99_s", "fault",
}

// CSV writes report.csv: the objectives, one row per objective (CSVColumns).
func CSV(w io.Writer, r *slo.Report) error {
	cw := csv.NewWriter(w)
	rows := [][]string{CSVColumns}
	started := rfc3339ms(r.Started)
	for i := range r.Objectives {
		o := &r.Objectives[i]
		n, decide := "", ""
		if o.N > 0 {
			n = count(o.N)
		}
		if o.RequestsToDecide > 0 {
			decide = count(o.RequestsToDecide)
		}
		rows = append(rows, []string{
			r.Scenario, started, objName(o), o.Name, o.Scope, string(o.Verdict), optNum(o.Value), optNum(o.CILow),
			optNum(o.CIHigh), num(o.Target), o.Unit, n, decide, o.Detail,
		})
	}
	return writeCSV(cw, rows)
}

// TimelineCSV writes timeline.csv: the timeline points (TimelineColumns).
func TimelineCSV(w io.Writer, r *slo.Report) error {
	cw := csv.NewWriter(w)
	rows := [][]string{TimelineColumns}
	started := rfc3339ms(r.Started)
	iv := intervalS(r)
	for _, p := range r.Timeline {
		ratio := ""
		if p.Requests > 0 {
			ratio = num(float64(p.Failures) / float64(p.Requests))
		}
		rows = append(rows, []string{
			r.Scenario, started, num(p.T), rfc3339ms(r.Started.Add(secs(p.T))), num(iv), regionLabel(p.ClientRegion),
			count(p.Requests), count(p.Failures), ratio, num(float64(p.Requests) / iv), num(float64(p.Failures) / iv),
			optNum(p.P99S), faultAt(r, p.T),
		})
	}
	return writeCSV(cw, rows)
}

// writeCSV writes every row and returns the first error.
func writeCSV(cw *csv.Writer, rows [][]string) error {
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// intervalS is the timeline's interval in seconds: the smallest gap between
// two distinct point times; the run's duration when there is one time only;
// 1 s when even that is unknown.
func intervalS(r *slo.Report) float64 {
	ts := make([]float64, len(r.Timeline))
	for i, p := range r.Timeline {
		ts[i] = p.T
	}
	slices.Sort(ts)
	best := math.Inf(1)
	for i := 1; i < len(ts); i++ {
		if d := ts[i] - ts[i-1]; d > 1e-9 && d < best {
			best = d
		}
	}
	switch {
	case !math.IsInf(best, 1):
		return best
	case r.DurationS > 0:
		return r.DurationS
	default:
		return 1
	}
}

// faultAt names the fault active t seconds into the run: injected at or
// before t, not yet healed (an unhealed fault lasts to the end of the run).
func faultAt(r *slo.Report, t float64) string {
	for _, f := range r.Faults {
		from, to := faultWindow(r, &f)
		if t >= from && t < to {
			return f.Name
		}
	}
	return ""
}

// faultWindow is a fault's window in seconds since the run started.
func faultWindow(r *slo.Report, f *slo.FaultSummary) (from, to float64) {
	from = f.Injected.Sub(r.Started).Seconds()
	to = r.DurationS
	if f.Healed != nil {
		to = f.Healed.Sub(r.Started).Seconds()
	}
	return from, to
}

// regionLabel names a timeline series: "all" for the whole run's.
func regionLabel(clientRegion string) string {
	if clientRegion == "" {
		return "all"
	}
	return clientRegion
}

// secs converts seconds to a Duration.
func secs(s float64) time.Duration { return time.Duration(math.Round(s * float64(time.Second))) }
