package report

import (
	"io"
	"runtime"
	"testing"

	"github.com/slocheck/slocheck/internal/slo"
)

// allocated is what one call of write allocates (bytes), after a first call
// has parsed the templates.
func allocated(t *testing.T, write Writer) uint64 {
	t.Helper()
	return allocatedFor(t, write, fixture())
}

// allocatedFor is allocated with r.
func allocatedFor(t *testing.T, write Writer, r *slo.Report) uint64 {
	t.Helper()
	if err := write(io.Discard, r); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if err := write(io.Discard, r); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestTablesAllocateLittle: tablewriter v1.1.1 to v1.1.5 make a
// 10,240-entry stringer cache (about 400 KB) in every NewTable, which string
// rows never use (and a 8,192-entry width cache in package init, which every
// process paid at start-up); v1.1.0 makes neither. At v1.1.5 the fixture's
// Markdown (seven tables) allocated 3.0 MB.
func TestTablesAllocateLittle(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts under the race detector are not the product's: make test-stats runs this without it")
	}
	n := uint64(len(tables(fixture())))
	if got := allocated(t, Markdown); got > n*100<<10 {
		t.Errorf("Markdown with %d tables allocated %d KB, want at most 100 KB a table", n, got>>10)
	}
	if got := allocated(t, Table); got > 200<<10 {
		t.Errorf("the console table allocated %d KB, want at most 200 KB", got>>10)
	}
}

// TestHTMLDoesNotCopyTheLibrary: the inlined ECharts library (1 MB) goes
// from the binary to the writer, not through a buffer of its own size.
func TestHTMLDoesNotCopyTheLibrary(t *testing.T) {
	inline := allocated(t, HTML)
	linked := allocated(t, NewHTML(HTMLOptions{AssetsHost: "./"}))
	if inline > linked+uint64(len(echartsJS))/4 {
		t.Errorf("inlining the library allocated %d KB more than linking it (the library is %d KB)",
			(inline-linked)>>10, len(echartsJS)>>10)
	}
}

// TestChartsAllocateLittle: go-echarts' RenderSnippet parses its templates
// again for every chart and renders the unused option JSON besides (256 KB a
// chart of the failover story); with the templates parsed once a chart costs
// its data and one pass of two templates (about 110 KB).
func TestChartsAllocateLittle(t *testing.T) {
	r := storyFixture()
	draw := func() int { return len(timelineCharts(r)) + len(failoverCharts(r)) }
	n := draw() // parses the templates
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	draw()
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / uint64(n); per > 180<<10 {
		t.Errorf("a chart allocated %d KB, want at most 180 KB", per>>10)
	}
}
