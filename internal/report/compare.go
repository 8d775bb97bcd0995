package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"strings"
	"sync"

	"github.com/olekukonko/tablewriter/renderer"

	"github.com/slocheck/slocheck/internal/compare"
)

// CompareWriter renders a comparison (slocheck compare, run --baseline).
type CompareWriter func(w io.Writer, c *compare.Comparison) error

// CompareFormats maps compare's --format names to their writers and the
// file each writes with --out.
var CompareFormats = map[string]struct {
	Name  string
	Write CompareWriter
}{
	"table": {"compare.txt", CompareTable},
	"json":  {"compare.json", CompareJSON},
	"md":    {"compare.md", CompareMarkdown},
}

// CompareTable writes the console comparison: which run against which, a
// table of the objectives compared (baseline, run, change with its 95 %
// interval, tolerance, verdict), the reason beside every verdict that is
// not NO CHANGE, and a last line "verdict: NO CHANGE (exit 0)".
func CompareTable(w io.Writer, c *compare.Comparison) error {
	bw := bufio.NewWriter(w)
	for _, l := range compareHeader(c) {
		fmt.Fprintln(bw, l)
	}
	t := compareTable(c)
	if err := renderTable(bw, renderer.NewBlueprint(), t); err != nil {
		return err
	}
	for _, why := range t.Why {
		fmt.Fprintln(bw, why)
	}
	fmt.Fprintf(bw, "verdict: %s (exit %d)\n", c.Verdict, c.ExitCode)
	return bw.Flush()
}

// CompareMarkdown writes compare.md: the same figures as the table, as a
// Markdown section (it is also what run --baseline appends to report.md).
func CompareMarkdown(w io.Writer, c *compare.Comparison) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "## Against the baseline\n\n**Verdict: %s** (exit %d)\n\n", c.Verdict, c.ExitCode)
	for _, l := range compareHeader(c) {
		fmt.Fprintf(bw, "- %s\n", mdEscape(l))
	}
	fmt.Fprintln(bw)
	t := compareTable(c)
	if err := renderTable(bw, renderer.NewMarkdown(), mdTable(t)); err != nil {
		return err
	}
	if len(t.Why) > 0 {
		fmt.Fprintln(bw)
	}
	for _, why := range t.Why {
		fmt.Fprintf(bw, "- %s\n", mdEscape(why))
	}
	return bw.Flush()
}

// CompareJSON writes the comparison as JSON (schema slocheck/compare/v1,
// docs/compare.md), indented, times in UTC at millisecond precision.
func CompareJSON(w io.Writer, c *compare.Comparison) error {
	out := *c
	out.Baseline.Started, out.Run.Started = ms(c.Baseline.Started), ms(c.Run.Started)
	if out.Rows == nil {
		out.Rows = []compare.Row{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&out); err != nil {
		return fmt.Errorf("encode the comparison: %w", err)
	}
	return nil
}

// compareHeader names the two runs: "baseline: DIR · scenario · started ·
// requests · verdict · labels" and the same for the run.
func compareHeader(c *compare.Comparison) []string {
	return []string{runLine("baseline", &c.Baseline), runLine("run", &c.Run), "tolerances: " + c.Tolerances.String()}
}

func runLine(what string, r *compare.RunInfo) string {
	parts := []string{r.Scenario, "started " + stamp(r.Started), count(r.Requests) + " requests", string(r.Verdict)}
	if r.Dir != "" {
		parts = append([]string{r.Dir}, parts...)
	}
	if l := Labels(r.Labels); l != "" {
		parts = append(parts, l)
	}
	return what + ": " + strings.Join(parts, " · ")
}

// Labels formats a run's labels as "build=1234 env=staging", sorted by key.
func Labels(labels map[string]string) string {
	var parts []string
	for _, k := range sortedKeys(labels) {
		parts = append(parts, k+"="+labels[k])
	}
	return strings.Join(parts, " ")
}

// compareTable is the rows of a comparison, with the reasons under it.
func compareTable(c *compare.Comparison) table {
	t := table{Title: "Against the baseline", Header: []string{"objective", "baseline", "run", "change", "95 % interval", "tolerance", "verdict"}}
	for _, r := range c.Rows {
		t.Rows = append(t.Rows, []string{r.Name + " " + r.Scope, optIn(r.Baseline, r.Unit, r.Name), optIn(r.Run, r.Unit, r.Name),
			optChange(r.Change, r.ChangeUnit), changeInterval(&r), compare.FormatTolerance(r.Tolerance, r.ChangeUnit), string(r.Verdict)})
		if r.Reason != "" {
			t.Why = append(t.Why, fmt.Sprintf("%s %s %s: %s", r.Verdict, r.Name, r.Scope, r.Reason))
		}
	}
	return t
}

// optIn formats a row's figure; a missing RTO is "not recovered".
func optIn(v *float64, unit, name string) string {
	switch {
	case v != nil:
		return inUnit(*v, unit)
	case name == "rto":
		return notRecovered
	}
	return none
}

func optChange(v *float64, unit string) string {
	if v == nil {
		return none
	}
	return compare.FormatChange(*v, unit)
}

// changeInterval formats a row's 95 % interval; an unbounded side is "∞".
func changeInterval(r *compare.Row) string {
	if r.Change == nil {
		return none
	}
	lo, hi := "-∞", "+∞"
	if r.CILow != nil {
		lo = compare.FormatChange(*r.CILow, r.ChangeUnit)
	}
	if r.CIHigh != nil {
		hi = compare.FormatChange(*r.CIHigh, r.ChangeUnit)
	}
	return lo + " … " + hi
}

// compareSection is parsed on first use, by runs with a baseline and compare.
var compareSection = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("compare").Funcs(template.FuncMap{
		"verdictClass": compareClass,
	}).Parse(`<section id="against-the-baseline">
<h2>Against the baseline: <span class="verdict {{verdictClass .Verdict}}">{{.Verdict}}</span> (exit {{.Exit}})</h2>
{{range .Header}}<p class="note">{{.}}</p>
{{end}}<div class="scroll"><table>
<thead><tr>{{range .T.Header}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>{{range .T.Rows}}<tr>{{range .}}<td{{with verdictClass .}} class="{{.}}"{{end}}>{{.}}</td>{{end}}</tr>
{{end}}</tbody>
</table></div>
{{range .T.Why}}<p class="note">{{.}}</p>
{{end}}</section>
`))
})

// compareClass colours a comparison verdict cell as report.html colours
// objective verdicts.
func compareClass(cell string) string {
	switch compare.Verdict(cell) {
	case compare.Regressed:
		return "v-FAIL"
	case compare.Improved, compare.NoChange:
		return "v-PASS"
	case compare.Inconclusive:
		return "v-INCONCLUSIVE"
	}
	return ""
}

// CompareHTML writes the comparison as a section of report.html (run
// --baseline inserts it before the page's end).
func CompareHTML(w io.Writer, c *compare.Comparison) error {
	data := struct {
		Verdict string
		Exit    int
		Header  []string
		T       table
	}{string(c.Verdict), c.ExitCode, compareHeader(c), compareTable(c)}
	if err := compareSection().Execute(w, data); err != nil {
		return fmt.Errorf("render the comparison's HTML section: %w", err)
	}
	return nil
}

// InsertCompareHTML returns page (a report.html) with the comparison's
// section inserted before </body>.
func InsertCompareHTML(page []byte, c *compare.Comparison) ([]byte, error) {
	i := bytes.LastIndex(page, []byte("</body>"))
	if i < 0 {
		return nil, errors.New("report.html has no </body>")
	}
	var sec bytes.Buffer
	if err := CompareHTML(&sec, c); err != nil {
		return nil, err
	}
	out := append([]byte(nil), page[:i]...)
	out = append(out, sec.Bytes()...)
	return append(out, page[i:]...), nil
}
