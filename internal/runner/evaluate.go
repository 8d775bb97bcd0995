package runner

import (
	"fmt"
	"path/filepath"
	"runtime/debug"

	"github.com/slocheck/slocheck/internal/report"
	"github.com/slocheck/slocheck/internal/slo"
	"github.com/slocheck/slocheck/results"
)

// endGCPercent is GOGC while a run's end is judged and written: half the
// default, which halves the heap's headroom over the live set (measured: a
// 10-minute run's `report DIR` peaks 1.1 MB lower, a 60 s run's the same,
// for a few more GC cycles of a few milliseconds). A GOGC the user set
// lower is kept.
const endGCPercent = 50

// tightenGC sets GOGC to endGCPercent unless it is lower or off, and
// returns what restores it.
func tightenGC() (restore func()) {
	old := debug.SetGCPercent(endGCPercent)
	if old < endGCPercent { // lower, or off (-1): the user's
		debug.SetGCPercent(old)
	}
	return func() { debug.SetGCPercent(old) }
}

// Evaluated is a run directory's stream turned into its report.
type Evaluated struct {
	Report *slo.Report
	Files  []string // the report files written
	Cut    error    // non-nil when the stream was cut (a crash): the report covers what was read
}

// Evaluate reads dir's results stream, evaluates it and writes the report
// files into dir. `slocheck run` and `slocheck report DIR` both end here, so
// they give the same figures (the run's --inconclusive-fails travels in the
// stream's header). A stream cut by a crash is evaluated as far as
// it goes (Cut says where it stopped). The stream is read in passes
// (slo.EvaluateStream), so memory does not grow with the run's length.
func Evaluate(dir string, formats []string, inconclusiveFails bool) (*Evaluated, error) {
	// Judging and writing the reports make garbage in proportion to the
	// run's length (a per-second timeline in every format) over a live set
	// of a megabyte or two: a tighter GC target for this phase keeps its
	// heap, and so the run's peak memory, from growing with the run
	// (endGCPercent). Restored after, for a caller that goes on.
	defer tightenGC()()
	rep, err := slo.EvaluateStream(&results.FileScan{Path: filepath.Join(dir, results.FileName)}, slo.Options{InconclusiveFails: inconclusiveFails})
	if rep == nil {
		return nil, fmt.Errorf("read results of %s: %w", dir, err)
	}
	ev := &Evaluated{Report: rep, Cut: err}
	if formats == nil {
		formats = report.DefaultFormats
	}
	files, err := report.WriteAll(dir, ev.Report, formats)
	ev.Files = files
	if err != nil {
		return ev, fmt.Errorf("write reports into %s: %w", dir, err)
	}
	return ev, nil
}
