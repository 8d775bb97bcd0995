package slo

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
)

// streamCase is a results stream as a file holds it.
type streamCase struct {
	name   string
	stream []byte
}

// streamCases are real streams of every shape the evaluation meets: a
// failover run; the same cut by a crash inside a record and between two; a
// stream whose records of one interval come apart (as k6's late samples) and
// out of time order; a merge of two generators' streams, and the two written
// one after the other; generator-late runs whose latency FAIL is excused or
// not (the third pass); and the runner's recorded 100k-request fixtures.
func streamCases(t *testing.T) []streamCase {
	t.Helper()
	fo := encode(t, failover(90, 33.5, latencyOf))
	boundary := recordBoundary(t, fo[:len(fo)/2])
	parts := splitByClientRegion(randomFailover(rand.New(rand.NewPCG(18, 6))))
	merged, err := results.Merge(parts...)
	if err != nil {
		t.Fatal(err)
	}
	within := answeredIn(200*time.Millisecond, 120*time.Millisecond, 10*time.Millisecond, 0.3)
	within.Header.Targets.LatencyWithinDecides = true
	cases := []streamCase{
		{"failover", fo},
		{"cut-inside-a-record", fo[:len(fo)*2/3]},
		{"cut-between-records", fo[:boundary]},
		{"records-apart-out-of-order", encode(t, apart(failover(60, 40, latencyOf), failover(60, 33.5, func(i int) time.Duration { return latencyOf(3*i) + 70*time.Millisecond })))},
		{"merged", encode(t, merged)},
		{"generators-one-after-the-other", encode(t, apart(parts[0], parts[1]))},
		{"late-fail-not-excused", encode(t, answeredIn(400*time.Millisecond, 120*time.Millisecond, 10*time.Millisecond, 0.3))},
		{"late-within", encode(t, within)},
	}
	for _, name := range []string{"baseline", "run"} {
		cases = append(cases, streamCase{"compare-100k-" + name, gunzip(t, filepath.Join("..", "runner", "testdata", "compare-100k", name+".stream.gz"))})
	}
	return cases
}

func encode(t *testing.T, run *results.Run) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := results.Write(&b, run); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// recordBoundary is where the last whole record of a cut stream ends.
func recordBoundary(t *testing.T, cut []byte) int {
	t.Helper()
	var te *results.TruncatedError
	if _, err := results.Read(bytes.NewReader(cut)); !errors.As(err, &te) {
		t.Fatalf("a cut stream reads with %v", err)
	}
	return int(te.Offset)
}

// apart is a's run with b's intervals and failures after a's, last interval
// first: records of one start, client region and step twice, out of order.
func apart(a, b *results.Run) *results.Run {
	out := *a
	ivs := slices.Clone(b.Intervals)
	slices.Reverse(ivs)
	out.Intervals = append(slices.Clone(a.Intervals), ivs...)
	out.Failures = append(slices.Clone(a.Failures), b.Failures...)
	return &out
}

func gunzip(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(z)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
