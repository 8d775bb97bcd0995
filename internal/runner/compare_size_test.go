package runner

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/compare"
	"github.com/slocheck/slocheck/results"
)

// sizeRuns are the two runs of TestTwoThousandAgainstHundredThousand: the
// default platform and both client regions, steady state, a 100,000-request
// baseline (1,000 req/s for 100 s) and a 2,000-request run (400 req/s for
// 5 s), as a pipeline's short smoke run against last night's long one.
var sizeRuns = []struct {
	name     string
	rate     float64
	duration time.Duration
	requests uint64
}{
	{"baseline", 1000, 100 * time.Second, 100_000},
	{"run", 400, 5 * time.Second, 2_000},
}

// sizeDir holds the two runs' results streams, gzipped, as recorded.
const sizeDir = "testdata/compare-100k"

// TestTwoThousandAgainstHundredThousand: a 2,000-request run compared with
// a 100,000-request baseline, both on the embedded platform, says
// INCONCLUSIVE where the data cannot tell: steady-state availability (no
// failure in 2,000 requests bounds the run's availability only to 99.8 %,
// far from the 0.01-point tolerance), and never a regression or an
// improvement. (As recorded, p99 is INCONCLUSIVE too: +5.6 %, −0.9 % to
// +12.6 %.)
//
// A live 100,000-request run costs about 55 CPU-seconds without the race
// detector (measured: 100 s at 1,000 req/s) and about 240 with it (2.4 ms a request: every request crosses
// the generator, an edge's proxy and a shop, all instrumented), more than
// CI's busy two cores can give a test. So CI compares the two runs' streams
// as they were recorded on the embedded platform, gzipped in
// testdata/compare-100k; SLOCHECK_LIVE=1 runs both live instead (about
// 105 s), and SLOCHECK_LIVE=record also rewrites the recording.
func TestTwoThousandAgainstHundredThousand(t *testing.T) {
	var sides [2]compare.Side
	for i, r := range sizeRuns {
		dir := t.TempDir()
		if mode := os.Getenv("SLOCHECK_LIVE"); mode != "" {
			recordSizeRun(t, dir, r.rate, r.duration, mode == "record", r.name)
		} else {
			gunzip(t, filepath.Join(sizeDir, r.name+".stream.gz"), filepath.Join(dir, results.FileName))
		}
		side, err := LoadSide(dir)
		if err != nil {
			t.Fatal(err)
		}
		h := side.Run.Header
		if h.Target != "embedded" || side.Report.Requests != r.requests {
			t.Fatalf("%s: target %q, %d requests; want embedded, %d", r.name, h.Target, side.Report.Requests, r.requests)
		}
		sides[i] = side
	}
	c := compare.Compare(sides[0], sides[1], compare.Options{})
	logRows(t, "2,000 against 100,000", c)
	for _, r := range c.Rows {
		if r.Verdict == compare.Regressed || r.Verdict == compare.Improved {
			t.Errorf("%s %s %s (%s): 2,000 requests cannot show that", r.Name, r.Scope, r.Verdict, r.Reason)
		}
	}
	if r := c.Row("availability", "steady-state"); r.Verdict != compare.Inconclusive || !strings.Contains(r.Reason, "the data cannot tell") {
		t.Errorf("availability: %s (%s), want INCONCLUSIVE: the data cannot tell", r.Verdict, r.Reason)
	}
	if c.Verdict != compare.Inconclusive || c.ExitCode != 0 {
		t.Errorf("verdict %s exit %d, want INCONCLUSIVE exit 0", c.Verdict, c.ExitCode)
	}
	if c = compare.Compare(sides[0], sides[1], compare.Options{InconclusiveFails: true}); c.ExitCode != 98 {
		t.Errorf("with InconclusiveFails: exit %d, want 98", c.ExitCode)
	}
}

// recordSizeRun runs one of sizeRuns live into dir; with record it also
// writes its stream, gzipped, into sizeDir.
func recordSizeRun(t *testing.T, dir string, rate float64, dur time.Duration, record bool, name string) {
	t.Helper()
	s := shortScenario(t, "default-failover", rate, dur, time.Second, time.Second)
	s.Faults = nil
	start := time.Now()
	if _, err := Run(t.Context(), s, Options{OutDir: dir}); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %.0f req/s for %v took %v", name, rate, dur, time.Since(start).Round(time.Second))
	if record {
		gzipFile(t, filepath.Join(dir, results.FileName), filepath.Join(sizeDir, name+".stream.gz"))
	}
}

func gunzip(t *testing.T, from, to string) {
	t.Helper()
	f, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func gzipFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	zw, _ := gzip.NewWriterLevel(out, gzip.BestCompression)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
