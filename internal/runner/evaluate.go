package runner

import (
	"fmt"
	"path/filepath"

	"github.com/slocheck/slocheck/internal/report"
	"github.com/slocheck/slocheck/internal/slo"
	"github.com/slocheck/slocheck/results"
)

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
