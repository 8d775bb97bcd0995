// Package report renders an evaluated run (a slo.Report, the report.json model
// of DESIGN.md §8) for people and machines: the console table, report.json,
// report.md, report.html (self-contained, with charts), junit.xml for CI test
// tabs, and CSV files for spreadsheets.
//
// Every writer is a Writer: it renders one file from the report and returns
// the first write error (none is swallowed). The package reads only the
// report, never the results stream, the driver or the injectors, so
// `slocheck run` and `slocheck report DIR` produce the same files.
package report

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/slocheck/slocheck/internal/slo"
)

// Writer renders one file of a report into w and returns the first error met,
// write errors included.
type Writer func(w io.Writer, r *slo.Report) error

// File is one file a format writes into a run directory.
type File struct {
	Name  string // file name inside the run directory
	Write Writer
}

// Formats maps each --format name (DESIGN.md §7) to its writers, one per file.
// "table" is the console table (saved as report.txt when asked for); "csv"
// writes two files, the objectives and the timeline.
var Formats = map[string][]File{
	"table": {{Name: "report.txt", Write: Table}},
	"json":  {{Name: "report.json", Write: JSON}},
	"md":    {{Name: "report.md", Write: Markdown}},
	"html":  {{Name: "report.html", Write: HTML}},
	"junit": {{Name: "junit.xml", Write: JUnit}},
	"csv":   {{Name: "report.csv", Write: CSV}, {Name: "timeline.csv", Write: TimelineCSV}},
}

// DefaultFormats are the files a run writes next to its results stream; the
// console table is printed, not saved.
var DefaultFormats = []string{"json", "md", "html", "junit", "csv"}

// Names returns the format names, sorted.
func Names() []string {
	names := make([]string, 0, len(Formats))
	for n := range Formats {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// WriteAll writes the files of each format into dir (created if missing) and
// returns the paths written, in order. Each file is written to a temporary
// name and renamed, so a reader never sees half a report. An unknown format
// fails before anything is written; a failing file does not stop the others,
// and every failure is in the returned error.
func WriteAll(dir string, r *slo.Report, formats []string) ([]string, error) {
	files, err := filesFor(formats)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create report directory: %w", err)
	}
	var paths []string
	var errs []error
	for _, f := range files {
		p := filepath.Join(dir, f.Name)
		if err := writeFile(p, f.Write, r); err != nil {
			errs = append(errs, fmt.Errorf("write %s: %w", f.Name, err))
			continue
		}
		paths = append(paths, p)
	}
	return paths, errors.Join(errs...)
}

// filesFor resolves format names (duplicates ignored) to their files.
func filesFor(formats []string) ([]File, error) {
	var files []File
	seen := map[string]bool{}
	for _, name := range formats {
		fs, ok := Formats[name]
		if !ok {
			return nil, fmt.Errorf("unknown report format %q (known: %s)", name, strings.Join(Names(), ", "))
		}
		if seen[name] {
			continue
		}
		seen[name] = true
		files = append(files, fs...)
	}
	return files, nil
}

// writeFile renders into a temporary file beside path and renames it into
// place.
func writeFile(path string, write Writer, r *slo.Report) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err = write(tmp, r); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
