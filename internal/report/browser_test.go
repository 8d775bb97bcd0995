package report

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/slocheck/slocheck/internal/compare"
	"github.com/slocheck/slocheck/internal/slo"
)

// chromium returns Debian's chromium, or skips the test where it is absent
// and CI is not set (CI installs it: .ci/run); under CI=true its absence
// fails the test.
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "chromium"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed and CI=true: .ci/run installs Debian's chromium")
	}
	t.Skip("chromium is not installed (apt-get install chromium): the HTML pages are not opened in a browser")
	return ""
}

// chartState is what the page's JavaScript reports of one chart.
type chartState struct {
	ID     string `json:"id"`
	Series int    `json:"series"`
	Canvas int    `json:"canvas"` // the canvas's width in pixels; 0 when none
}

const chartsJS = `Array.from(document.querySelectorAll('div[id^="chart_"]:not([id$="_box"]), div[id^="trend_"]')).map(el => {
	const c = echarts.getInstanceByDom(el), cv = el.querySelector('canvas');
	return {id: el.id, series: c ? c.getOption().series.length : 0, canvas: cv ? cv.width : 0};
})`

// hiddenJS lists the tables wider than their box (the title above each).
const hiddenJS = `Array.from(document.querySelectorAll('div.scroll')).filter(d => d.scrollWidth > d.clientWidth + 1).map(d => {
	const h = d.previousElementSibling;
	return (h ? h.textContent : '?') + ': ' + d.scrollWidth + ' px in ' + d.clientWidth;
})`

// newBrowser starts headless chromium (flags as the machine notes say work
// here, no network) for the test and returns its context.
func newBrowser(t *testing.T) context.Context {
	bin := chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1280, 900), // no UserDataDir: chromedp makes a fresh profile and removes it once chromium has exited
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	return ctx
}

// openInChromium opens page in a new tab of browser, checks that every
// chart rendered into a canvas with its series, and saves a full-page
// screenshot as a test artifact (in $SLOCHECK_ARTIFACTS, or the test's
// temporary directory).
func openInChromium(t *testing.T, browser context.Context, name string, page []byte, wantCharts int) {
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, page, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := chromedp.NewContext(browser)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	var ready bool
	err := chromedp.Run(ctx, chromedp.Navigate("file://"+path), chromedp.WaitReady("body"),
		chromedp.Poll(fmt.Sprintf("document.querySelectorAll('canvas').length >= %d", wantCharts), &ready,
			chromedp.WithPollingTimeout(60*time.Second)))
	if err != nil {
		t.Fatalf("open %s in chromium: %v", name, err)
	}
	var charts []chartState
	if err := chromedp.Run(ctx, chromedp.Evaluate(chartsJS, &charts)); err != nil {
		t.Fatalf("%s: read the charts: %v", name, err)
	}
	var shot []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&shot, 100)); err != nil {
		t.Fatalf("%s: screenshot: %v", name, err)
	}
	// Every table fits the page (1280 px wide): none hides columns behind a
	// scroll bar, the failover story's long cells included.
	var hidden []string
	if err := chromedp.Run(ctx, chromedp.Evaluate(hiddenJS, &hidden)); err != nil {
		t.Fatalf("%s: measure the tables: %v", name, err)
	}
	if len(hidden) > 0 {
		t.Errorf("%s: tables wider than the page: %v", name, hidden)
	}
	if len(charts) != wantCharts {
		t.Errorf("%s: %d charts on the page, want %d", name, len(charts), wantCharts)
	}
	for _, c := range charts {
		if c.Series == 0 || c.Canvas == 0 {
			t.Errorf("%s: chart %s did not render (series %d, canvas width %d)", name, c.ID, c.Series, c.Canvas)
		}
	}
	saveArtifact(t, name+".png", shot)
}

func saveArtifact(t *testing.T, name string, b []byte) {
	t.Helper()
	dir := os.Getenv("SLOCHECK_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Errorf("%s: the screenshot is not a PNG", name)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

// storyFixture is the fixture with the failover story filled in: eastus
// served until the fault, westeurope during it, refusals at its start.
func storyFixture() *slo.Report {
	r := fixture()
	for i := range r.Timeline {
		p := &r.Timeline[i]
		served := "eastus"
		if p.T >= 20 && p.T < 45 {
			served = "westeurope"
		}
		p.ServedBy = map[string]uint64{served: p.Requests - p.Failures}
		if p.Failures > 0 {
			p.FailuresByKind = map[string]uint64{"refused": p.Failures}
		}
	}
	r.Probes = []slo.Probe{{T: 23, Edge: "eastus", Region: "eastus", Healthy: false}, {T: 47, Edge: "eastus", Region: "eastus", Healthy: true}}
	return r
}

// TestHTMLPagesInChromium opens report.html (with the failover story) and
// history.html in one headless chromium.
func TestHTMLPagesInChromium(t *testing.T) {
	browser := newBrowser(t)
	t.Run("report.html", func(t *testing.T) {
		r := storyFixture()
		var buf bytes.Buffer
		if err := HTML(&buf, r); err != nil {
			t.Fatal(err)
		}
		openInChromium(t, browser, "report.html", buf.Bytes(), len(timelineCharts(r))+len(failoverCharts(r)))
	})
	t.Run("history.html", func(t *testing.T) {
		h := historyFixture()
		var buf bytes.Buffer
		if err := HistoryHTML(&buf, h); err != nil {
			t.Fatal(err)
		}
		openInChromium(t, browser, "history.html", buf.Bytes(), len(h.Columns))
	})
}

// historyFixture is three nightly runs, the third regressed on p99.
func historyFixture() *compare.History {
	v := func(f float64) *float64 { return &f }
	h := &compare.History{
		Columns: []compare.Column{{Name: "p99", Scope: "overall", Unit: "s"}, {Name: "rto", Scope: "fault:eastus-down", Unit: "s"}},
	}
	for i, p99 := range []float64{0.081, 0.083, 0.102} {
		row := compare.HistoryRow{Run: compare.RunInfo{Dir: fmt.Sprintf("nightly-%d", i), Scenario: "default-failover", Started: t0.Add(time.Duration(i) * 24 * time.Hour), Verdict: slo.Pass},
			Values: []*float64{v(p99), v(3 + float64(i))}, Verdicts: []slo.Verdict{slo.Pass, slo.Pass}}
		if i == 2 {
			row.Against, row.Regressed = compare.Regressed, []string{"p99 overall"}
		}
		h.Rows = append(h.Rows, row)
	}
	return h
}
