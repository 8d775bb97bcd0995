package report

import (
	"io"
	"runtime"
	"testing"
)

// allocated is what one call of write allocates (bytes), after a first call
// has parsed the templates.
func allocated(t *testing.T, write Writer) uint64 {
	t.Helper()
	r := fixture()
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
