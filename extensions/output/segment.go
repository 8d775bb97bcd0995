package output

import (
	"strings"
	"time"

	k6output "go.k6.io/k6/output"
)

// One k6 test split over several instances (k6-operator's runners, or
// `k6 run --execution-segment`) writes one stream per instance, which
// `slocheck merge` makes one run of. Each stream's header says which share
// of the traffic it holds (k6's execution segment of the instance, the same
// notation as results.Segment), so that merge refuses two streams of the same
// share; and its start lies on the whole second, so that the instances'
// streams, started within moments of each other, share one interval grid.

// segmentOf is the instance's execution segment; "" for the whole test.
func segmentOf(p k6output.Params) string {
	s := p.ScriptOptions.ExecutionSegment
	if s == nil || s.String() == "0:1" {
		return ""
	}
	return s.String()
}

// segmentPath puts the segment into a path that asks for it with
// "{segment}" ("1/2:1" becomes "1_2-1", a file name), so that each instance
// of a distributed test writes its own stream under one --out argument.
func segmentPath(path, segment string) string {
	if segment == "" {
		segment = "0:1"
	}
	return strings.ReplaceAll(path, "{segment}", strings.NewReplacer("/", "_", ":", "-").Replace(segment))
}

// gridStart is a distributed instance's stream start: its first request's
// intended start, down to the whole second.
func gridStart(start time.Time, segment string) time.Time {
	if segment == "" {
		return start
	}
	return start.Truncate(time.Second)
}
