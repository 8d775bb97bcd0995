package runner

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"time"

	"github.com/slocheck/slocheck/results"
)

// k6ThresholdsCrossed is k6's exit code when a threshold was crossed.
const k6ThresholdsCrossed = 99

// k6Thresholds reads the script's thresholds and k6's verdict on each from
// k6's --summary-export (k6 v1's legacy JSON summary, which slocheck forces
// with K6_NEW_MACHINE_READABLE_SUMMARY=false):
//
//	{"metrics": {"http_req_failed": {"thresholds": {"rate<0.01": true}, ...}}}
//
// where true means the threshold was crossed (k6 writes !ok). A submetric's
// threshold keeps k6's name ("http_req_duration{expected_response:true}").
// The order is by metric, then expression. No file (k6 ended before its
// summary) gives none and no error.
func k6Thresholds(file string) ([]results.Threshold, error) {
	b, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read k6 summary: %w", err)
	}
	var sum struct {
		Metrics map[string]struct {
			Thresholds map[string]bool `json:"thresholds"`
		} `json:"metrics"`
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		return nil, fmt.Errorf("k6 summary %s: %w", file, err)
	}
	var out []results.Threshold
	for metric, m := range sum.Metrics {
		for expr, crossed := range m.Thresholds {
			out = append(out, results.Threshold{Metric: metric, Expr: expr, Passed: !crossed})
		}
	}
	slices.SortFunc(out, func(a, b results.Threshold) int {
		return cmp.Or(cmp.Compare(a.Metric, b.Metric), cmp.Compare(a.Expr, b.Expr))
	})
	return out, nil
}

// recordK6Thresholds writes each threshold of the summary into rec, so the
// evaluation judges it as an objective (a crossed one fails the run, exit 99,
// as under k6). k6 exiting 99 when the summary names no crossed threshold is
// an error: the verdict k6 gave would otherwise be lost. After a passing k6
// an unreadable summary costs its rows only: a note says so.
func recordK6Thresholds(rec *results.Recorder, file string, k6Code int) error {
	ths, err := k6Thresholds(file)
	for _, th := range ths {
		rec.RecordThreshold(th)
	}
	if k6Code != k6ThresholdsCrossed {
		if err != nil {
			rec.RecordEvent(results.Event{Time: time.Now(), Kind: results.EventNote,
				Detail: err.Error() + ": its thresholds (all passed, k6 exited 0) are not listed"})
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("k6 crossed a threshold (exit 99) but its summary cannot say which: %w", err)
	}
	if !slices.ContainsFunc(ths, func(th results.Threshold) bool { return !th.Passed }) {
		return fmt.Errorf("k6 crossed a threshold (exit 99) but its summary %s names none", file)
	}
	return nil
}

// onlySent keeps in a k6 run's header only the client regions and steps its
// traffic carried: a user's script labels its own requests (region:shoppers,
// step:request), and the scenario's lists would add rows nobody sent. The
// header's order is kept; names it did not list follow in the order met.
func onlySent(run *results.Run) {
	var crs, steps []string
	for i := range run.Intervals {
		iv := &run.Intervals[i]
		if iv.Requests() == 0 {
			continue
		}
		if !slices.Contains(crs, iv.ClientRegion) {
			crs = append(crs, iv.ClientRegion)
		}
		if !slices.Contains(steps, iv.Step) {
			steps = append(steps, iv.Step)
		}
	}
	run.Header.ClientRegions = keepOrder(run.Header.ClientRegions, crs)
	run.Header.Steps = keepOrder(run.Header.Steps, steps)
}

// keepOrder is the names of used in list's order, then those list lacks.
func keepOrder(list, used []string) []string {
	out := slices.DeleteFunc(slices.Clone(list), func(s string) bool { return !slices.Contains(used, s) })
	for _, s := range used {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if out == nil {
		out = []string{}
	}
	return out
}
