package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/spf13/pflag"

	"github.com/slocheck/slocheck/internal/compare"
	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/internal/report"
	"github.com/slocheck/slocheck/internal/runner"
	"github.com/slocheck/slocheck/internal/scenario"
)

// baselineFlags are run's flags for labels and the comparison at its end.
type baselineFlags struct {
	labels    []string
	baseline  string
	tolerance string
	force     bool
	base      *compare.Side // the baseline, read before the run
	tol       compare.Tolerances
}

func (b *baselineFlags) register(fl *pflag.FlagSet) {
	fl.StringArrayVar(&b.labels, "label", nil, "label the run, key=value (repeatable): shown by every report, compare and history")
	fl.StringVar(&b.baseline, "baseline", "", "compare the run with this run directory at its end (exit 99 on a regression)")
	fl.StringVar(&b.tolerance, "tolerance", "", "with --baseline: tolerances, as slocheck compare --tolerance")
	fl.BoolVar(&b.force, "force", false, "with --baseline: compare even when the baseline's scenario or target differs")
}

// labelKey is what a label's key may be: a letter, then letters, digits and
// ._-, at most 63 characters. Compiled on first use (the counted repetition
// makes a large program; only runs with --label need it).
var labelKey = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z][A-Za-z0-9._-]{0,62}$`) })

// parseLabels reads --label key=value flags; a key given twice keeps its
// last value.
func parseLabels(flags []string) (map[string]string, error) {
	if len(flags) == 0 {
		return nil, nil
	}
	if len(flags) > 64 {
		return nil, fmt.Errorf("--label: %d labels, at most 64", len(flags))
	}
	out := map[string]string{}
	for _, l := range flags {
		k, v, ok := strings.Cut(l, "=")
		switch {
		case !ok || !labelKey().MatchString(k):
			return nil, fmt.Errorf("--label %q: want key=value, the key a letter then letters, digits or ._- (e.g. build=1234)", l)
		case len(v) > 256 || strings.ContainsAny(v, "\n\r\x00"):
			return nil, fmt.Errorf("--label %q: the value must be one line of at most 256 bytes", l)
		}
		out[k] = v
	}
	return out, nil
}

// prepare checks the flags before the run: labels parse, tolerances parse,
// and the baseline is a run of the same scenario and target (unless
// --force), so a run is not spent on a comparison that will be refused.
func (b *baselineFlags) prepare(s *scenario.Scenario) (map[string]string, error) {
	labels, err := parseLabels(b.labels)
	if err != nil {
		return nil, usageErr(err, "slocheck run --help")
	}
	if b.tol, err = compare.ParseTolerances(b.tolerance); err != nil {
		return nil, usageErr(err, "slocheck compare --help")
	}
	if b.baseline == "" {
		return labels, nil
	}
	base, err := runner.LoadSide(b.baseline)
	if err != nil {
		return nil, usageErr(err, "--baseline must be a run directory holding results.stream")
	}
	target := "embedded"
	if !s.Embedded() {
		target = s.Target.URL
	}
	// A deployment named by its edges alone has no one URL to check.
	if base.Report.Scenario != s.Name || (target != "" && base.Report.Target != target) {
		if !b.force {
			return nil, usageErr(fmt.Errorf("%w: the baseline is scenario %q on %q, this run %q on %q", compare.ErrDifferentRuns,
				base.Report.Scenario, base.Report.Target, s.Name, target), "--force compares them anyway")
		}
	}
	b.base = &base
	return labels, nil
}

// finish compares the finished run in dir with the baseline: prints the
// comparison, writes compare.txt, compare.json and compare.md into dir and
// adds its section to report.md and report.html. It returns the run's error,
// made exit 99 when the run itself passed but regressed against the
// baseline (98 likewise with --inconclusive-fails).
func (b *baselineFlags) finish(stdio IO, dir string, inconclusiveFails bool, runErr error) error {
	if b.base == nil || !comparable(runErr) {
		return runErr // no baseline, or interrupted or a rig failure: nothing to compare
	}
	run, err := runner.LoadSide(dir)
	if err != nil {
		return errors.Join(runErr, err)
	}
	c := compare.Compare(*b.base, run, compare.Options{Tolerances: b.tol, InconclusiveFails: inconclusiveFails})
	if err := writeComparison(dir, &c); err != nil {
		return errors.Join(runErr, err)
	}
	return attachComparison(stdio, dir, &c, report.DefaultFormats, runErr)
}

// reattachComparison gives `slocheck report DIR` what `run --baseline` added
// to the run: when dir holds compare.json, its comparison is printed again,
// its section goes back into the rewritten report.md and report.html (those
// of formats), and the exit code is the run's, 99 or 98 included.
func reattachComparison(stdio IO, dir string, formats []string, runErr error) error {
	if !comparable(runErr) {
		return runErr
	}
	data, err := os.ReadFile(filepath.Join(dir, "compare.json"))
	if errors.Is(err, os.ErrNotExist) {
		return runErr
	}
	var c compare.Comparison
	if err == nil {
		err = json.Unmarshal(data, &c)
	}
	if err == nil && c.Schema != compare.Schema {
		err = fmt.Errorf("schema %q, want %q", c.Schema, compare.Schema)
	}
	if err != nil {
		fmt.Fprintf(stdio.Err, "warning: %s: %v (the reports leave the comparison out)\n", filepath.Join(dir, "compare.json"), err)
		return runErr
	}
	return attachComparison(stdio, dir, &c, formats, runErr)
}

// comparable says whether a run that ended with err has a verdict to
// compare: it passed, failed or was inconclusive (not interrupted, not a rig
// failure).
func comparable(err error) bool {
	code := exitCode(err)
	return err == nil || code == exitcode.Failed || code == exitcode.Inconclusive
}

// exitCode is err's exit code, a silent one included.
func exitCode(err error) int {
	var quiet *silentError
	if errors.As(err, &quiet) {
		return quiet.code
	}
	return exitcode.Code(err)
}

// attachComparison prints c, adds its section to dir's report.md and
// report.html (those of formats) and returns runErr, made c's exit code when
// that is higher.
func attachComparison(stdio IO, dir string, c *compare.Comparison, formats []string, runErr error) error {
	if err := report.CompareTable(stdio.Out, c); err != nil {
		return errors.Join(runErr, err)
	}
	if slices.Contains(formats, "md") {
		if err := appendMarkdown(filepath.Join(dir, "report.md"), c); err != nil {
			return errors.Join(runErr, err)
		}
	}
	if slices.Contains(formats, "html") {
		if err := insertHTML(filepath.Join(dir, "report.html"), c); err != nil {
			return errors.Join(runErr, err)
		}
	}
	if c.ExitCode > exitCode(runErr) {
		return &silentError{code: c.ExitCode}
	}
	return runErr
}

// appendMarkdown adds the comparison's section to report.md.
func appendMarkdown(path string, c *compare.Comparison) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("add the comparison to report.md: %w", err)
	}
	if _, err := fmt.Fprintln(f); err == nil {
		err = report.CompareMarkdown(f, c)
	}
	return errors.Join(err, f.Close())
}

// insertHTML adds the comparison's section to report.html.
func insertHTML(path string, c *compare.Comparison) error {
	page, err := os.ReadFile(path)
	if err == nil {
		page, err = report.InsertCompareHTML(page, c)
	}
	if err == nil {
		err = os.WriteFile(path, page, 0o644)
	}
	if err != nil {
		return fmt.Errorf("add the comparison to report.html: %w", err)
	}
	return nil
}
