package slo

import (
	"strings"
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
)

// rpoFault is injected at 20 s and healed at 45 s; lookback 10 s in the tests
// below, so candidates are eastus's writes acknowledged in [10 s, 45 s).
var rpoFault = Fault{Name: "eastus-down", Target: "eastus", Injected: at(20), Healed: at(45)}

func first(id string, t float64, found bool) results.Readback {
	return results.Readback{ID: id, Region: "westeurope", Time: at(t), Found: found, Phase: PhaseAfterFault, Fault: "eastus-down"}
}

func again(id string, found bool) results.Readback {
	return results.Readback{ID: id, Region: "westeurope", Time: at(48), Found: found, Phase: PhaseAfterHeal, Fault: "eastus-down"}
}

func eastus(id string, acked float64) results.AckedWrite {
	return results.AckedWrite{ID: id, Region: "eastus", Acked: at(acked)}
}

func TestComputeRPO(t *testing.T) {
	const lookback = 10 * time.Second
	tests := []struct {
		name      string
		f         Fault
		sole      bool
		writes    []results.AckedWrite
		readbacks []results.Readback
		want      WriteLoss
	}{
		{name: "nothing written", f: rpoFault},
		{name: "kept", f: rpoFault, writes: []results.AckedWrite{eastus("a", 19)},
			readbacks: []results.Readback{first("a", 21, true)},
			want:      WriteLoss{Candidates: 1, Read: 1, Kept: 1}},
		{name: "late", f: rpoFault, writes: []results.AckedWrite{eastus("a", 19)},
			readbacks: []results.Readback{first("a", 21, false), again("a", true)},
			want:      WriteLoss{Candidates: 1, Read: 1, Absent: 1, Late: 1}},
		{name: "lost 3 s before the injection", f: rpoFault, writes: []results.AckedWrite{eastus("a", 17), eastus("b", 19.65)},
			readbacks: []results.Readback{first("a", 21, false), again("a", false), first("b", 21, false), again("b", false)},
			want:      WriteLoss{Candidates: 2, Read: 2, Absent: 2, Lost: 2, RPO: 3 * time.Second}},
		{name: "lost during the fault counts |injection − ack|", f: rpoFault, writes: []results.AckedWrite{eastus("a", 22.5)},
			readbacks: []results.Readback{first("a", 23, false), again("a", false)},
			want:      WriteLoss{Candidates: 1, Read: 1, Absent: 1, Lost: 1, RPO: 2500 * time.Millisecond}},
		{name: "lost at the injection instant counts 1 ms", f: rpoFault, writes: []results.AckedWrite{eastus("a", 20)},
			readbacks: []results.Readback{first("a", 21, false), again("a", false)},
			want:      WriteLoss{Candidates: 1, Read: 1, Absent: 1, Lost: 1, RPO: time.Millisecond}},
		{name: "never read", f: rpoFault, writes: []results.AckedWrite{eastus("a", 12), eastus("b", 19), eastus("c", 30)},
			readbacks: []results.Readback{first("b", 21, true)},
			want:      WriteLoss{Candidates: 3, Read: 1, Kept: 1, Unread: 2, UnreadFrom: 15 * time.Second, UnreadTo: 33 * time.Second}},
		{name: "absent, never re-read: unsettled", f: rpoFault, writes: []results.AckedWrite{eastus("a", 19)},
			readbacks: []results.Readback{first("a", 21, false)},
			want:      WriteLoss{Candidates: 1, Read: 1, Absent: 1, Unread: 1, UnreadFrom: 26 * time.Second, UnreadTo: 26 * time.Second}},
		{name: "a first read answered after the heal is no first read", f: rpoFault, writes: []results.AckedWrite{eastus("a", 19)},
			readbacks: []results.Readback{first("a", 45.2, true)},
			want:      WriteLoss{Candidates: 1, Unread: 1, UnreadFrom: 26 * time.Second, UnreadTo: 26 * time.Second}},
		{name: "acknowledged too close to the heal: the after-heal read settles it", f: rpoFault,
			writes:    []results.AckedWrite{eastus("found", 44.9), eastus("gone", 44.95)},
			readbacks: []results.Readback{again("found", true), again("gone", false)},
			want:      WriteLoss{Candidates: 2, Kept: 1, Lost: 1, RPO: 24950 * time.Millisecond}},
		{name: "outside the candidates: other region, before the lookback, at or after the heal", f: rpoFault,
			writes: []results.AckedWrite{{ID: "we", Region: "westeurope", Acked: at(19)}, eastus("old", 9.99), eastus("heal", 45), eastus("after", 46)},
			readbacks: []results.Readback{first("we", 21, false), again("we", false), first("old", 21, false), again("old", false),
				again("heal", false), again("after", false)}},
		{name: "never healed: candidates run to the end", f: Fault{Name: "eastus-down", Target: "eastus", Injected: at(20)},
			writes:    []results.AckedWrite{eastus("a", 50), eastus("b", 71)},
			readbacks: []results.Readback{first("a", 55, false), again("a", false)},
			want:      WriteLoss{Candidates: 1, Read: 1, Absent: 1, Lost: 1, RPO: 30 * time.Second}},
		{name: "another fault's reads do not count", f: rpoFault, writes: []results.AckedWrite{eastus("a", 19)},
			readbacks: []results.Readback{{ID: "a", Phase: PhaseAfterFault, Time: at(21), Found: true, Fault: "other"}},
			want:      WriteLoss{Candidates: 1, Unread: 1, UnreadFrom: 26 * time.Second, UnreadTo: 26 * time.Second}},
		{name: "unnamed reads belong to a sole fault", f: rpoFault, sole: true, writes: []results.AckedWrite{eastus("a", 19)},
			readbacks: []results.Readback{{ID: "a", Phase: PhaseAfterFault, Time: at(21), Found: true}},
			want:      WriteLoss{Candidates: 1, Read: 1, Kept: 1}},
		{name: "unnamed reads with several faults do not count", f: rpoFault, writes: []results.AckedWrite{eastus("a", 19)},
			readbacks: []results.Readback{{ID: "a", Phase: PhaseAfterFault, Time: at(21), Found: true}},
			want:      WriteLoss{Candidates: 1, Unread: 1, UnreadFrom: 26 * time.Second, UnreadTo: 26 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ComputeRPO(tt.f, tt.sole, at(70), lookback, tt.writes, tt.readbacks)
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			if got.Candidates != got.Kept+got.Late+got.Lost+got.Unread {
				t.Errorf("candidates %d != kept+late+lost+unread", got.Candidates)
			}
		})
	}
}

func TestComputeRPODefaultLookback(t *testing.T) {
	writes := []results.AckedWrite{eastus("in", 20-119), eastus("out", 20-121)}
	got := ComputeRPO(Fault{Name: "f", Target: "eastus", Injected: at(20), Healed: at(30)}, true, at(40), 0, writes, nil)
	if got.Candidates != 1 {
		t.Errorf("zero lookback: %d candidates, want 1 (the default %v)", got.Candidates, DefaultReadbackLookback)
	}
}

// rpoRun is a run with rpoFault, writes and read-backs, and 5 requests a
// second to step checkout, a write step when checkouts is above zero.
func rpoRun(checkouts int, writes []results.AckedWrite, readbacks []results.Readback) *results.Run {
	s := synth{seconds: 60, regions: []string{"eastus"}, steps: []string{"checkout"}, perStep: 5,
		outcome: func(_, _ string, sent time.Time, _ int) (results.ErrorKind, time.Time, time.Duration) {
			return results.ErrNone, sent.Add(time.Millisecond), time.Millisecond
		}}
	run := s.run()
	if checkouts > 0 {
		run.Header.WriteSteps = []string{"checkout"}
	}
	run.Header.Targets.ReadbackLookback = results.Duration(30 * time.Second)
	run.Events = []results.Event{
		{Time: at(20), Kind: results.EventFaultInjected, Fault: "eastus-down", Target: "eastus", Mode: "down"},
		{Time: at(45), Kind: results.EventFaultHealed, Fault: "eastus-down", Target: "eastus", Mode: "down"},
	}
	run.Writes, run.Readbacks = writes, readbacks
	run.Trailer = &results.Trailer{Ended: at(60), Reason: "completed"}
	return run
}

// writeCounts are a FaultSummary's read-back counts.
type writeCounts struct {
	AckedWrites, ReadWrites, AbsentWrites, UnreadWrites, LostWrites, LateWrites uint64
}

func TestRPOObjective(t *testing.T) {
	tests := []struct {
		name      string
		checkouts int
		writes    []results.AckedWrite
		readbacks []results.Readback
		verdict   Verdict
		value     *float64
		reason    string // a part of the reason; "" for none
		summary   writeCounts
	}{
		{name: "nothing writes", verdict: Info, reason: "not measured"},
		{name: "writes sent, none acknowledged", checkouts: 5, verdict: Inconclusive,
			reason: "journeys sent 300 requests to write steps but no write was acknowledged"},
		{name: "other regions wrote, the faulted one did not", checkouts: 5, verdict: Info, reason: "not measured: eastus acknowledged no write",
			writes: []results.AckedWrite{{ID: "we", Region: "westeurope", Acked: at(19)}}},
		{name: "all kept", checkouts: 5, verdict: Pass, value: f64(0),
			writes: []results.AckedWrite{eastus("a", 19), eastus("b", 19.5)}, readbacks: []results.Readback{first("a", 21, true), first("b", 21, true)},
			summary: writeCounts{AckedWrites: 2, ReadWrites: 2}},
		{name: "lost within the target", checkouts: 5, verdict: Pass, value: f64(0.5),
			writes: []results.AckedWrite{eastus("a", 19), eastus("b", 19.5), eastus("c", 19.8)},
			readbacks: []results.Readback{first("a", 21, true), first("b", 21, false), again("b", false),
				first("c", 21, false), again("c", true)},
			summary: writeCounts{AckedWrites: 3, ReadWrites: 3, AbsentWrites: 2, LostWrites: 1, LateWrites: 1}},
		{name: "lost beyond the target", checkouts: 5, verdict: Fail, value: f64(12), reason: "1 acknowledged writes lost: RPO 12.000 s",
			writes: []results.AckedWrite{eastus("a", 8)}, readbacks: []results.Readback{first("a", 21, false), again("a", false)}},
		{name: "unread", checkouts: 5, verdict: Inconclusive,
			reason:    "2 of 3 acknowledged writes not read back (acknowledged 26.0–33.0 s before the heal)",
			writes:    []results.AckedWrite{eastus("a", 12), eastus("b", 19), eastus("c", 19.5)},
			readbacks: []results.Readback{first("c", 21, true)},
			summary:   writeCounts{AckedWrites: 3, ReadWrites: 1, UnreadWrites: 2}},
		{name: "unread, but the lost alone fail", checkouts: 5, verdict: Fail, value: f64(11),
			writes:    []results.AckedWrite{eastus("a", 9), eastus("b", 19)},
			readbacks: []results.Readback{first("a", 21, false), again("a", false)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Evaluate(rpoRun(tt.checkouts, tt.writes, tt.readbacks), Options{})
			o := objective(t, r, "rpo", "fault:eastus-down")
			if o.Verdict != tt.verdict {
				t.Errorf("verdict %s, want %s (%+v)", o.Verdict, tt.verdict, o)
			}
			if (o.Value == nil) != (tt.value == nil) || (o.Value != nil && *o.Value != *tt.value) {
				t.Errorf("value %v, want %v", deref(o.Value), deref(tt.value))
			}
			if (o.Verdict == Pass) != (o.Reason == "") || !strings.Contains(o.Reason, tt.reason) {
				t.Errorf("reason %q, want one containing %q", o.Reason, tt.reason)
			}
			fs := r.Faults[0]
			got := writeCounts{AckedWrites: fs.AckedWrites, ReadWrites: fs.ReadWrites, AbsentWrites: fs.AbsentWrites,
				UnreadWrites: fs.UnreadWrites, LostWrites: fs.LostWrites, LateWrites: fs.LateWrites}
			if tt.summary != (writeCounts{}) && got != tt.summary {
				t.Errorf("summary %+v, want %+v", got, tt.summary)
			}
			if (fs.RPOS == nil) != (o.Value == nil) {
				t.Errorf("rpo_s %v and the objective's value %v disagree", deref(fs.RPOS), deref(o.Value))
			}
		})
	}
}
