package output

import (
	"testing"
	"time"

	"go.k6.io/k6/lib"
	k6output "go.k6.io/k6/output"
)

// TestDistributedInstance: a runner of a distributed test records its
// execution segment in the header, writes where {segment} says, and starts
// its stream on the whole second.
func TestDistributedInstance(t *testing.T) {
	seg, err := lib.NewExecutionSegmentFromString("1/2:1")
	if err != nil {
		t.Fatal(err)
	}
	var p k6output.Params
	p.ConfigArgument = "/reports/run-1/k6-{segment}"
	p.ScriptOptions.ExecutionSegment = seg
	out, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	o := out.(*Output)
	if o.header.Segment != "1/2:1" || o.path != "/reports/run-1/k6-1_2-1/results.stream" {
		t.Errorf("segment %q, path %q", o.header.Segment, o.path)
	}
	at := time.Date(2026, 11, 24, 10, 0, 0, 734_000_000, time.UTC)
	if got := gridStart(at, o.header.Segment); !got.Equal(at.Truncate(time.Second)) {
		t.Errorf("start %v, want the whole second", got)
	}
	if got := gridStart(at, ""); !got.Equal(at) {
		t.Errorf("a whole test's start moved to %v", got)
	}
	p.ScriptOptions.ExecutionSegment = nil
	if out, err := New(p); err != nil || out.(*Output).header.Segment != "" || out.(*Output).path != "/reports/run-1/k6-0-1/results.stream" {
		t.Errorf("whole test: %+v %v", out, err)
	}
}
