package cli_test

import (
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/slocheck/slocheck/internal/slo"
)

// TestFinalReportFromThreeRuns: three real runs on the embedded platform,
// then final-report; the document has no placeholder left and every figure
// of its summary and DR tables equals the runs' report.json.
func TestFinalReportFromThreeRuns(t *testing.T) {
	root := t.TempDir()
	dirs := map[string]string{}
	var wg sync.WaitGroup
	for _, role := range []string{"gate", "nightly", "gameday"} {
		dirs[role] = filepath.Join(root, role)
		dir := dirs[role]
		wg.Go(func() { // three light runs side by side: one run's wall time
			code, out, errs := runCLI(t, nil, "run", "--quiet", "--duration", "4s", "--rate", "100", "--fault-at", "1s", "--fault-for", "2s",
				"--out", dir, "--label", "role="+role)
			if code != 0 && code != 98 && code != 99 {
				t.Errorf("%s run: exit %d\n%s%s", role, code, out, errs)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	out := filepath.Join(root, "final")
	cost := filepath.Join(root, "cost.md")
	if err := os.WriteFile(cost, []byte("# Cost\n\n| item | monthly |\n|---|---|\n| AKS eastus | 412 USD |\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, errs := runCLI(t, nil, "final-report", "--gate", dirs["gate"], "--nightly", dirs["nightly"], "--gameday", dirs["gameday"],
		"--cost", cost, "--out", out)
	if code != 0 {
		t.Fatalf("final-report: exit %d\n%s%s", code, stdout, errs)
	}
	b, err := os.ReadFile(filepath.Join(out, "final-report.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, placeholder := range []string{"{{", "}}", "TODO", "TBD"} {
		if strings.Contains(doc, placeholder) {
			t.Errorf("final-report.md holds %q", placeholder)
		}
	}
	for _, h := range []string{"## 1. Summary", "## 2. Architecture", "## 3. Performance", "## 4. Disaster recovery", "## 5. Cost", "412 USD", "## 6. Lessons learned", "## 7. Potential improvements"} {
		if !strings.Contains(doc, h) {
			t.Errorf("final-report.md has no %q", h)
		}
	}
	for _, f := range []string{"gate.html", "nightly.html", "gameday.html"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("charts beside it: %v", err)
		}
	}
	gate, nightly, gameday := readReport(t, dirs["gate"]), readReport(t, dirs["nightly"]), readReport(t, dirs["gameday"])
	checkFigure(t, tableRows(doc, "NFR", "target")["error budget (worst fault)"][2], worstBudget(&nightly))
	summary := tableRows(doc, "NFR", "target")
	checkFigure(t, summary["p99 latency"][2], objective(t, &gate, "p99", "overall"))
	checkFigure(t, summary["availability (steady state)"][2], objective(t, &gate, "availability", "steady-state"))
	checkFigure(t, summary["RTO (worst fault)"][2], objective(t, &nightly, "rto", "overall"))
	checkFigure(t, summary["RPO (worst fault)"][2], objective(t, &nightly, "rpo", "overall"))
	dr := tableRows(doc, "run", "fault")
	for role, rep := range map[string]*slo.Report{"nightly failover": &nightly, "game day": &gameday} {
		row, f := dr[role], rep.Faults[0]
		if row == nil {
			t.Fatalf("no DR row for %s", role)
		}
		checkFigure(t, row[5], f.RTOS.Overall)
		checkFigure(t, row[7], f.RPOS)
		checkFigure(t, row[9], &f.BudgetShare)
		if want := strconv.FormatUint(f.LostWrites, 10) + " / " + strconv.FormatUint(f.AckedWrites, 10); row[8] != want {
			t.Errorf("%s lost / acknowledged %q, report.json says %q", role, row[8], want)
		}
	}
}

// worstBudget is the largest budget share of r's faults.
func worstBudget(r *slo.Report) *float64 {
	var w *float64
	for i := range r.Faults {
		if w == nil || r.Faults[i].BudgetShare > *w {
			w = &r.Faults[i].BudgetShare
		}
	}
	return w
}

func objective(t *testing.T, r *slo.Report, name, scope string) *float64 {
	t.Helper()
	for _, o := range r.Objectives {
		if o.Name == name && o.Scope == scope {
			return o.Value
		}
	}
	t.Fatalf("report.json has no %s %s", name, scope)
	return nil
}

// tableRows reads the Markdown table whose header's first two cells are
// first and second: its rows' cells by their first cell.
func tableRows(doc, first, second string) map[string][]string {
	out := map[string][]string{}
	in := false
	for _, l := range strings.Split(doc, "\n") {
		cells := mdCells(l)
		switch {
		case len(cells) > 1 && cells[0] == first && cells[1] == second:
			in = true
		case in && strings.HasPrefix(l, "|:"):
		case in && len(cells) > 0:
			out[cells[0]] = cells
		default:
			in = false
		}
	}
	return out
}

// mdCells splits a Markdown table line into its trimmed cells (nil for
// another line).
func mdCells(l string) []string {
	if !strings.HasPrefix(l, "|") {
		return nil
	}
	var cells []string
	for _, c := range strings.Split(strings.Trim(l, "|"), "|") {
		cells = append(cells, strings.TrimSpace(c))
	}
	return cells
}

var figureRE = regexp.MustCompile(`^(-?[0-9.]+) (ms|s|%)$`)

// checkFigure parses a cell such as "93.2 ms", "4.20 s" or "99.99 %" and
// checks it against want (seconds, or a ratio) to the cell's precision.
func checkFigure(t *testing.T, cell string, want *float64) {
	t.Helper()
	if want == nil {
		if cell != "—" && cell != "not recovered" {
			t.Errorf("cell %q, report.json has no value", cell)
		}
		return
	}
	m := figureRE.FindStringSubmatch(cell)
	if m == nil {
		t.Errorf("cell %q is not a figure (report.json: %v)", cell, *want)
		return
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	scale := map[string]float64{"ms": 1e-3, "s": 1, "%": 1e-2}[m[2]]
	digits := 0
	if i := strings.IndexByte(m[1], '.'); i >= 0 {
		digits = len(m[1]) - i - 1
	}
	if tol := 0.5 * math.Pow(10, -float64(digits)) * scale; math.Abs(v*scale-*want) > tol+1e-12 {
		t.Errorf("cell %q = %v, report.json says %v", cell, v*scale, *want)
	}
}
