package live

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/slocheck/slocheck/results"
)

// liveChromium returns a chromedp context on Debian's headless chromium
// with the flags that work on these machines (a fresh profile, no
// background networking). Without chromium it fails when CI=true (.ci/run
// installs it) and skips otherwise.
func liveChromium(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed: .ci/run installs Debian's chromium for the live page test")
		}
		t.Skip("chromium is not installed (apt-get install chromium): the live page test needs a headless browser")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), // a fresh profile that chromedp removes once chromium has exited
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1200, 900))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel3)
	return ctx
}

// streamWriter writes a results stream interval by interval on a fake clock.
type streamWriter struct {
	rec   *results.Recorder
	start time.Time
	now   time.Time
	f     *os.File
}

func newStreamWriter(t *testing.T, path string) *streamWriter {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	sw := &streamWriter{start: time.Now().Add(-time.Minute).Truncate(time.Second), f: f}
	sw.now = sw.start
	h := results.Header{Scenario: "live-page", Engine: "go", Target: "embedded", Started: sw.start,
		ClientRegions: []string{"us"}, Steps: []string{"browse"}, Regions: []string{"eastus"}}
	sw.rec, err = results.NewRecorder(h, f, results.WithClock(func() time.Time { return sw.now }), results.WithoutTicker())
	if err != nil {
		t.Fatal(err)
	}
	return sw
}

// seconds records n more seconds of 50 req/s, all answered in 20 ms, and
// writes them.
func (sw *streamWriter) seconds(t *testing.T, n int) {
	t.Helper()
	for range n {
		for i := range 50 {
			at := sw.now.Add(time.Duration(i) * 20 * time.Millisecond)
			sw.rec.Record(&results.Outcome{ClientRegion: "us", Step: "browse", Intended: at, Sent: at, End: at.Add(20 * time.Millisecond), Status: 200})
		}
		sw.now = sw.now.Add(time.Second)
	}
	sw.now = sw.now.Add(time.Second) // past the flush lag
	if err := sw.rec.Flush(); err != nil {
		t.Fatal(err)
	}
	sw.now = sw.now.Add(-time.Second)
}

// chartPoints is how many points the requests-per-second chart draws.
const chartPoints = `echarts.getInstanceByDom(document.getElementById("chart_rps")).getOption().series[0].data.length`

// TestLivePageGrowsInChromium opens the live page in headless chromium,
// writes more of the stream, and checks that the page reloaded itself
// (server-sent events) with a longer chart: two screenshots, more points.
func TestLivePageGrowsInChromium(t *testing.T) {
	ctx := liveChromium(t)
	dir := t.TempDir()
	path := filepath.Join(dir, results.FileName)
	sw := newStreamWriter(t, path)
	sw.seconds(t, 3)
	srv, err := Start(Config{Addr: "127.0.0.1:0", Dashboard: "127.0.0.1:0"}, NewMetrics(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.Refresh(path)
	if err := chromedp.Run(ctx, chromedp.Navigate(srv.DashboardURL()), chromedp.WaitVisible("#chart_rps")); err != nil {
		t.Fatalf("open the live page: %v", err)
	}
	var before int
	if err := chromedp.Run(ctx, chromedp.Evaluate(chartPoints, &before)); err != nil {
		t.Fatal(err)
	}
	var shot1 []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&shot1, 100)); err != nil {
		t.Fatal(err)
	}
	sw.seconds(t, 5)
	srv.Refresh(path) // the run's Follow does this every --live-refresh
	after, deadline := 0, time.Now().Add(30*time.Second)
	for after <= before && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		// The page reloads itself; between reloads the chart may be missing for a moment.
		if chromedp.Run(ctx, chromedp.WaitVisible("#chart_rps")) == nil {
			_ = chromedp.Run(ctx, chromedp.Evaluate(chartPoints, &after))
		}
	}
	var shot2 []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&shot2, 100)); err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(filepath.Join(dir, "before.png"), shot1, 0o644) // kept beside the stream for a look when it fails
	_ = os.WriteFile(filepath.Join(dir, "after.png"), shot2, 0o644)
	if after <= before || before == 0 {
		t.Fatalf("the chart had %d points, then %d: want it to grow without a manual reload", before, after)
	}
	if bytes.Equal(shot1, shot2) {
		t.Error("the two screenshots are identical")
	}
	t.Logf("chart points %d -> %d; screenshots in %s", before, after, dir)
	if out := os.Getenv("SLOCHECK_SCREENSHOTS"); out != "" {
		_ = os.WriteFile(filepath.Join(out, "live-before.png"), shot1, 0o644)
		_ = os.WriteFile(filepath.Join(out, "live-after.png"), shot2, 0o644)
	}
}
