package report

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/slocheck/slocheck/internal/compare"
	"github.com/slocheck/slocheck/internal/slo"
)

// comparisonFixture is a comparison with a regressed, an inconclusive and an
// unchanged row.
func comparisonFixture() *compare.Comparison {
	v := func(f float64) *float64 { return &f }
	return &compare.Comparison{
		Schema:   compare.Schema,
		Baseline: compare.RunInfo{Dir: "base", Scenario: "default-failover", Started: t0, Requests: 48000, Verdict: slo.Pass},
		Run: compare.RunInfo{Dir: "run", Scenario: "default-failover", Started: t0, Requests: 48000, Verdict: slo.Pass,
			Labels: map[string]string{"build": "1234"}},
		Tolerances: compare.DefaultTolerances(),
		Rows: []compare.Row{
			{Name: "p99", Scope: "overall", Unit: "s", Baseline: v(0.08), Run: v(0.1), ChangeUnit: "relative", Change: v(0.25),
				CILow: v(0.2), CIHigh: v(0.3), Tolerance: 0.1, Verdict: compare.Regressed, Reason: "worse by 25.0 %"},
			{Name: "rto", Scope: "fault:eastus-down", Unit: "s", Baseline: v(3), Run: nil, ChangeUnit: "s",
				Tolerance: 3, Verdict: compare.Regressed, Reason: "not recovered in this run"},
			{Name: "availability", Scope: "steady-state", Unit: "ratio", Baseline: v(1), Run: v(1), ChangeUnit: "ratio",
				Change: v(0), CILow: v(-0.0002), CIHigh: nil, Tolerance: 0.0001, Verdict: compare.Inconclusive, Reason: "cannot tell"},
		},
		Verdict: compare.Regressed, ExitCode: 99,
	}
}

func TestComparisonWriterErrorsAreReturned(t *testing.T) {
	writers := map[string]func(io.Writer) error{"html": func(w io.Writer) error { return CompareHTML(w, comparisonFixture()) }}
	for name, f := range CompareFormats {
		writers[name] = func(w io.Writer) error { return f.Write(w, comparisonFixture()) }
	}
	for i, f := range HistoryFiles {
		if i < 2 { // the HTML page is checked in TestHTMLPagesInChromium
			writers[f.Name] = func(w io.Writer) error { return f.Write(w, historyFixture()) }
		}
	}
	for name, write := range writers {
		var full bytes.Buffer
		if err := write(&full); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, n := range []int{0, full.Len() / 2} {
			if err := write(&failAfter{n: n}); !errors.Is(err, errDiskFull) {
				t.Errorf("%s failing after %d of %d bytes: error %v, want %v", name, n, full.Len(), err, errDiskFull)
			}
		}
	}
}

func TestInsertCompareHTML(t *testing.T) {
	var page bytes.Buffer
	if err := HTML(&page, fixture()); err != nil {
		t.Fatal(err)
	}
	out, err := InsertCompareHTML(page.Bytes(), comparisonFixture())
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	sec := strings.Index(s, `<section id="against-the-baseline">`)
	if sec < 0 || sec > strings.LastIndex(s, "</body>") || !strings.Contains(s[sec:], "not recovered") || !strings.Contains(s[sec:], "-0.0200 pp … &#43;∞") {
		t.Errorf("the comparison section is missing, misplaced or incomplete:\n%s", s[max(sec, 0):])
	}
	if _, err := InsertCompareHTML([]byte("<html>no body end"), comparisonFixture()); err == nil {
		t.Error("a page without </body>: no error")
	}
}
