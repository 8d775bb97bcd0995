package runner

import (
	"errors"
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
// it goes (Cut says where it stopped).
func Evaluate(dir string, formats []string, inconclusiveFails bool) (*Evaluated, error) {
	run, err := results.ReadFile(filepath.Join(dir, results.FileName))
	ev := &Evaluated{}
	if err != nil {
		var cut *results.TruncatedError
		if run == nil || !errors.As(err, &cut) {
			return nil, fmt.Errorf("read results of %s: %w", dir, err)
		}
		ev.Cut = err
	}
	rep := slo.Evaluate(run, slo.Options{InconclusiveFails: inconclusiveFails || run.Header.Targets.InconclusiveFails})
	ev.Report = &rep
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
