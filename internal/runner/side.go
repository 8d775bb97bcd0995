package runner

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/slocheck/slocheck/internal/compare"
	"github.com/slocheck/slocheck/internal/slo"
	"github.com/slocheck/slocheck/results"
)

// LoadSide reads a run directory's results stream and evaluates it, as
// `slocheck report DIR` does but writing nothing: one side of a comparison
// (compare, history, final-report). A stream cut by a crash is read as far
// as it goes.
func LoadSide(dir string) (compare.Side, error) {
	run, err := results.ReadFile(filepath.Join(dir, results.FileName))
	if err != nil {
		var cut *results.TruncatedError
		if run == nil || !errors.As(err, &cut) {
			return compare.Side{}, fmt.Errorf("read results of %s: %w", dir, err)
		}
	}
	rep := slo.Evaluate(run, slo.Options{InconclusiveFails: run.Header.Targets.InconclusiveFails})
	return compare.Side{Dir: dir, Report: &rep, Run: run}, nil
}
