package runner

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/slocheck/slocheck/results"
)

// legacySummary is the shape k6 v1.8.1 writes with --summary-export (its
// internal/js/summary-wrapper.js: thresholds[expr] = !threshold.ok).
const legacySummary = `{
    "root_group": {"name": "", "path": "", "id": "d41d8cd98f00b204e9800998ecf8427e", "groups": {}, "checks": {}},
    "metrics": {
        "http_req_failed": {"passes": 20, "fails": 181, "thresholds": {"rate<0.01": true}, "value": 0.0995},
        "http_req_duration{expected_response:true}": {"avg": 0.4, "p(99)": 1.2, "thresholds": {"p(99)<150": false}},
        "http_req_duration": {"avg": 0.4, "p(99)": 1.3, "thresholds": {"p(99)<10000": false, "max<1": true}},
        "http_reqs": {"count": 201, "rate": 50.1}
    }
}`

// TestK6ThresholdsFromSummary: every threshold of k6's summary export,
// crossed (true) as failed, submetrics named as k6 names them, in a fixed
// order; exit 99 with no crossed threshold (or no summary) is an error.
func TestK6ThresholdsFromSummary(t *testing.T) {
	file := filepath.Join(t.TempDir(), K6SummaryName)
	if err := os.WriteFile(file, []byte(legacySummary), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := k6Thresholds(file)
	if err != nil {
		t.Fatal(err)
	}
	want := []results.Threshold{
		{Metric: "http_req_duration", Expr: "max<1", Passed: false},
		{Metric: "http_req_duration", Expr: "p(99)<10000", Passed: true},
		{Metric: "http_req_duration{expected_response:true}", Expr: "p(99)<150", Passed: true},
		{Metric: "http_req_failed", Expr: "rate<0.01", Passed: false},
	}
	if !slices.Equal(got, want) {
		t.Errorf("thresholds = %+v\nwant %+v", got, want)
	}
	if none, err := k6Thresholds(filepath.Join(t.TempDir(), "absent.json")); none != nil || err != nil {
		t.Errorf("no summary: %v, %v; want none and no error", none, err)
	}

	passing := filepath.Join(t.TempDir(), K6SummaryName)
	if err := os.WriteFile(passing, []byte(`{"metrics": {"http_req_failed": {"thresholds": {"rate<0.01": false}}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	garbled := filepath.Join(t.TempDir(), K6SummaryName)
	if err := os.WriteFile(garbled, []byte(`{"metrics": `), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		file string
		code int
		want string // "" for no error
	}{
		{file, k6ThresholdsCrossed, ""},
		{file, 0, ""},
		{passing, k6ThresholdsCrossed, "names none"},
		{filepath.Join(t.TempDir(), "absent.json"), k6ThresholdsCrossed, "names none"},
		{garbled, k6ThresholdsCrossed, "cannot say which"},
		{garbled, 0, ""}, // k6 passed them all: a note, not a rig failure
	} {
		rec, err := results.NewRecorder(results.Header{}, &strings.Builder{}, results.WithoutTicker())
		if err != nil {
			t.Fatal(err)
		}
		err = recordK6Thresholds(rec, c.file, c.code)
		if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s, k6 exit %d: err %v, want %q", filepath.Base(c.file), c.code, err, c.want)
		}
	}
}
