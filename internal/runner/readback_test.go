package runner

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/internal/platform"
	"github.com/slocheck/slocheck/internal/scenario"
	"github.com/slocheck/slocheck/internal/slo"
	"github.com/slocheck/slocheck/results"
)

// runWithPlatform runs s on the embedded platform and returns the result, the
// stream and the platform (stopped, its store still readable).
func runWithPlatform(t *testing.T, s *scenario.Scenario) (*Result, *results.Run, *platform.Platform) {
	t.Helper()
	var p *platform.Platform
	dir := t.TempDir()
	res, err := Run(context.Background(), s, Options{OutDir: dir, onPlatform: func(pl *platform.Platform) { p = pl }})
	if err != nil {
		t.Fatalf("run %s: %v", s.Source(), err)
	}
	stream, err := results.ReadFile(filepath.Join(dir, results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	return res, stream, p
}

// TestRegionLostWrites runs region-lost-writes, shortened: eastus goes down
// and comes back without its unreplicated writes. The lost writes must be
// exactly the platform's stranded writes whose ack reached the client, the RPO
// their oldest age at the injection, and the run must fail (exit 99).
func TestRegionLostWrites(t *testing.T) {
	s := shortScenario(t, "region-lost-writes", 400, 16*time.Second, 4*time.Second, 8*time.Second)
	res, run, p := runWithPlatform(t, s)
	rep := res.Eval.Report
	if rep.ExitCode != exitcode.Failed {
		t.Errorf("exit code %d, want %d (verdict %s)", rep.ExitCode, exitcode.Failed, rep.Verdict)
	}
	f := rep.Faults[0]
	acked := map[string]bool{}
	for _, w := range run.Writes {
		acked[w.ID] = true
	}
	truth := map[string]bool{}
	var oldest time.Time
	for _, st := range p.Stranded() {
		if !acked[st.ID] { // its ack never reached the client: not an acknowledged write
			continue
		}
		truth[st.ID] = true
		if !st.Recovered.IsZero() {
			t.Errorf("stranded write %s recovered at %v under the lost policy", st.ID, st.Recovered)
		}
		if oldest.IsZero() || st.Acked.Before(oldest) {
			oldest = st.Acked
		}
	}
	// ~50 checkouts a second to eastus, each stranded for the 2 s lag: ~100.
	if len(truth) < 50 {
		t.Fatalf("only %d acknowledged writes stranded; the scenario should strand about 100", len(truth))
	}
	if f.LostWrites != uint64(len(truth)) || f.LateWrites != 0 || f.UnreadWrites != 0 {
		t.Errorf("lost %d, late %d, unread %d; the platform stranded %d acknowledged writes for good", f.LostWrites, f.LateWrites, f.UnreadWrites, len(truth))
	}
	// The report's lost writes are the stranded ones, id by id.
	for id, ok := range lostIDs(run, f.Name) {
		if ok && !truth[id] {
			t.Errorf("write %s reported lost, the platform never stranded it", id)
		}
	}
	want := f.Injected.Sub(oldest).Seconds()
	if f.RPOS == nil || *f.RPOS != want {
		t.Errorf("RPO %v s, want %.6f s (injection − oldest stranded ack)", deref(f.RPOS), want)
	}
	o := objectiveOf(rep, "rpo", "fault:"+f.Name)
	if o.Verdict != slo.Fail || !strings.Contains(o.Reason, "lost") {
		t.Errorf("rpo objective %s (%q), want FAIL with a reason", o.Verdict, o.Reason)
	}
	t.Logf("lost %d of %d candidates (stranded %d), RPO %.3f s", f.LostWrites, f.AckedWrites, len(truth), *f.RPOS)
}

// lostIDs is every write the stream shows absent at its first read and at
// its after-heal read, for fault.
func lostIDs(run *results.Run, fault string) map[string]bool {
	absent := map[string]bool{}
	out := map[string]bool{}
	for _, rb := range run.Readbacks {
		if rb.Fault != fault || rb.Found {
			continue
		}
		if rb.Phase == slo.PhaseAfterFault {
			absent[rb.ID] = true
		} else if absent[rb.ID] {
			out[rb.ID] = true
		}
	}
	return out
}

// TestReplicationCutReadsWritesDuringTheCut runs replication-cut, shortened:
// eastus keeps acknowledging orders while its replication is cut. Every write
// it acknowledged from the lookback to the heal must be read back, those
// acknowledged during the cut included, and each first read must say what the
// store's model makes true: a write acknowledged at a reached westeurope
// before the cut at T exactly when a + lag <= T; later ones are absent until
// the heal (late), none lost.
func TestReplicationCutReadsWritesDuringTheCut(t *testing.T) {
	s := shortScenario(t, "replication-cut", 400, 16*time.Second, 4*time.Second, 8*time.Second)
	res, run, p := runWithPlatform(t, s)
	f := res.Eval.Report.Faults[0]
	lag := p.Config().ReplicationLag
	healed := f.Healed
	if healed == nil {
		t.Fatal("the cut was never healed")
	}
	first := map[string]results.Readback{}
	again := map[string]bool{}
	for _, rb := range run.Readbacks {
		switch rb.Phase {
		case slo.PhaseAfterFault:
			first[rb.ID] = rb
		case slo.PhaseAfterHeal:
			again[rb.ID] = true
		}
	}
	var during, readDuring int
	for _, w := range run.Writes {
		if w.Region != "eastus" || !w.Acked.Before(*healed) {
			continue
		}
		rb, ok := first[w.ID]
		if !w.Acked.Before(f.Injected) {
			during++
			if ok {
				readDuring++
			}
		}
		switch {
		case !ok && !again[w.ID]:
			t.Errorf("write %s acknowledged %.3f s after the injection was never read back", w.ID, w.Acked.Sub(f.Injected).Seconds())
		case ok && rb.Found != !w.Acked.Add(lag).After(f.Injected):
			t.Errorf("write %s acknowledged %.3f s after the injection: first read found=%v, the store's model says %v",
				w.ID, w.Acked.Sub(f.Injected).Seconds(), rb.Found, !w.Acked.Add(lag).After(f.Injected))
		}
	}
	// ~50 checkouts a second to eastus over the 8 s cut; all but those within
	// the allowance of the heal are read during it.
	if during < 200 || readDuring < during*3/4 {
		t.Errorf("%d writes acknowledged during the cut, %d of them read during it", during, readDuring)
	}
	if f.UnreadWrites != 0 || f.LostWrites != 0 || f.LateWrites == 0 || f.RPOS == nil || *f.RPOS != 0 {
		t.Errorf("unread %d, lost %d, late %d, RPO %v; want every write read, late ones, none lost", f.UnreadWrites, f.LostWrites, f.LateWrites, deref(f.RPOS))
	}
	t.Logf("%d candidates, %d acknowledged during the cut (%d read during it), %d absent, %d late", f.AckedWrites, during, readDuring, f.AbsentWrites, f.LateWrites)
}

func objectiveOf(rep *slo.Report, name, scope string) slo.Objective {
	for _, o := range rep.Objectives {
		if o.Name == name && o.Scope == scope {
			return o
		}
	}
	return slo.Objective{}
}

func deref(p *float64) any {
	if p == nil {
		return "nil"
	}
	return *p
}
