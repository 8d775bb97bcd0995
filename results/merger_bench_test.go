package results

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"
)

// BenchmarkMergeEightHours merges the streams of 8 generators, each the
// reference hour (1,000 req/s for an hour, 3.6 M requests; each holding
// one eighth of both client regions by segment), from their run
// directories as `slocheck merge` does: read one, add it, drop it. It
// reports the peak of the heap's live and unswept objects while merging
// (sampled every 5 ms) beside the time (issue 15: under 5 s and 200 MB).
func BenchmarkMergeEightHours(b *testing.B) {
	dirs := eightHours(b)
	b.ReportAllocs()
	var peak uint64
	b.ResetTimer()
	for range b.N {
		runtime.GC()
		stop := samplePeakHeap(&peak)
		run, cut, err := MergeDirs(MergeOptions{}, dirs...)
		stop()
		if err != nil || len(cut) > 0 || run.Trailer == nil || run.Trailer.Requests != 8*3_600_000 {
			b.Fatalf("merge: %v %v", err, cut)
		}
	}
	b.ReportMetric(float64(peak)/1e6, "peak-heap-MB")
}

// eightHours writes the 8 streams into run directories.
func eightHours(b *testing.B) []string {
	base := mustRead(b, hour(b))
	root := b.TempDir()
	var dirs []string
	for i := range 8 {
		r := *base
		r.Header.Generator = fmt.Sprintf("g%d", i)
		r.Header.Role = RoleGenerator
		r.Header.Segment = fmt.Sprintf("%d/8:%d/8", i, i+1)
		var buf bytes.Buffer
		if err := Write(&buf, &r); err != nil {
			b.Fatal(err)
		}
		dir := filepath.Join(root, r.Header.Generator)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, FileName), buf.Bytes(), 0o644); err != nil {
			b.Fatal(err)
		}
		dirs = append(dirs, dir)
	}
	return dirs
}

// samplePeakHeap raises *peak to the heap's object bytes (live and not yet
// swept) seen every 5 ms until stop is called.
func samplePeakHeap(peak *uint64) (stop func()) {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	read := func() {
		metrics.Read(s)
		*peak = max(*peak, s[0].Value.Uint64())
	}
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				read()
				return
			case <-t.C:
				read()
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
