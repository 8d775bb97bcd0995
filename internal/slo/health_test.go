package slo

import (
	"strings"
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
)

// answeredIn is 60 s at 100 req/s, every request answered in latency, with a
// health record per interval saying the generator sent lag late (p99) and
// the platform's timers overshot by overshoot, the machine cpu busy.
func answeredIn(latency, lag, overshoot time.Duration, cpu float64) *results.Run {
	run := spaced(60, map[string]float64{"eu": 0.01}, func(_ string, sent time.Time) (results.ErrorKind, time.Time) {
		return results.ErrNone, sent.Add(latency)
	})
	for s := range 60 {
		h := results.Health{Start: at(float64(s)), Sends: 100, SendLagP99: results.Duration(lag / 2),
			SendLagMax: results.Duration(lag), CPUMachine: cpu / 2, CPUs: 2}
		if s == 17 { // the worst interval
			h.SendLagP99, h.TimerOvershootMax, h.CPUMachine = results.Duration(lag), results.Duration(overshoot), cpu
		}
		run.Health = append(run.Health, h)
	}
	return run
}

func TestGeneratorHealth(t *testing.T) {
	const late = "the generator was late by up to 130 ms: its own lag, not the target's"
	tests := []struct {
		name                 string
		latency, lag, over   time.Duration
		cpu                  float64
		p99, run             Verdict
		reason, note, noNote string
	}{
		{name: "slow target, on-time generator", latency: 200 * time.Millisecond, lag: time.Millisecond, cpu: 0.3,
			p99: Fail, run: Fail, noNote: "generator health"},
		{name: "fast target, late generator", latency: 200 * time.Millisecond, lag: 120 * time.Millisecond, over: 10 * time.Millisecond, cpu: 0.3,
			p99: Inconclusive, run: Inconclusive, reason: late, note: "late by up to 130 ms in the interval at 17 s (send lag p99 120 ms + platform timer overshoot 10 ms)"},
		{name: "slow beyond what the lateness explains", latency: 400 * time.Millisecond, lag: 120 * time.Millisecond, over: 10 * time.Millisecond, cpu: 0.3,
			p99: Fail, run: Fail, note: "late by up to 130 ms"},
		{name: "a pass stays a pass", latency: 30 * time.Millisecond, lag: 120 * time.Millisecond, over: 10 * time.Millisecond, cpu: 0.3,
			p99: Pass, run: Inconclusive /* steady state is too short to decide 99.99 % */, note: "late by up to 130 ms"},
		{name: "busy machine", latency: 30 * time.Millisecond, lag: time.Millisecond, cpu: 0.97,
			p99: Pass, run: Inconclusive, note: "CPU was 97 % busy in the interval at 17 s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Evaluate(answeredIn(tt.latency, tt.lag, tt.over, tt.cpu), Options{})
			for _, scope := range []string{"overall", "region:eu"} {
				o := objective(t, r, "p99", scope)
				if o.Verdict != tt.p99 || (tt.reason != "" && o.Reason != tt.reason) {
					t.Errorf("p99 %s: %s %q, want %s %q", scope, o.Verdict, o.Reason, tt.p99, tt.reason)
				}
			}
			if r.Verdict != tt.run {
				t.Errorf("run verdict %s, want %s", r.Verdict, tt.run)
			}
			notes := strings.Join(r.Notes, "\n")
			if tt.note != "" && !strings.Contains(notes, tt.note) {
				t.Errorf("notes %q lack %q", notes, tt.note)
			}
			if tt.noNote != "" && strings.Contains(notes, tt.noNote) {
				t.Errorf("notes %q should not mention %q", notes, tt.noNote)
			}
		})
	}
}

// TestGeneratorHealthLatencyWithin: the deciding share within the target is
// excused the same way.
func TestGeneratorHealthLatencyWithin(t *testing.T) {
	run := answeredIn(200*time.Millisecond, 120*time.Millisecond, 10*time.Millisecond, 0.3)
	run.Header.Targets.LatencyWithinDecides = true
	o := objective(t, Evaluate(run, Options{}), LatencyWithinName, "overall")
	if o.Verdict != Inconclusive || !strings.HasPrefix(o.Reason, "the generator was late") {
		t.Errorf("latency-within: %s %q, want INCONCLUSIVE for the generator's lateness", o.Verdict, o.Reason)
	}
}

// TestGeneratorHealthPerInterval: each interval's latencies may be late by
// its own request lateness (send lag p99 + PlatformWaits × timer
// overshoot), more than the run's worst send lag + overshoot explains. A
// latency FAIL that lateness explains is INCONCLUSIVE; a slow target on the
// same late rig, or where the rig was on time, still FAILs.
func TestGeneratorHealthPerInterval(t *testing.T) {
	const ms = time.Millisecond
	type second struct{ latency, lag, over time.Duration }
	quiet := second{20 * ms, time.Millisecond, time.Millisecond}
	tests := []struct {
		name   string
		busy   second // seconds 20–39; quiet elsewhere
		other  second // seconds 40–59 (quiet when zero)
		want   Verdict
		reason string
	}{
		{name: "latency the rig added, interval by interval", busy: second{20*ms + 30*ms + 3*100*ms, 30 * ms, 100 * ms},
			want: Inconclusive, reason: "the generator was late by up to 330 ms: its own lag, not the target's"},
		{name: "slow target on the late rig", busy: second{20*ms + 300*ms + 30*ms + 3*20*ms, 30 * ms, 20 * ms}, want: Fail},
		{name: "slow target where the rig was on time, beside intervals where it was late", busy: second{320 * ms, time.Millisecond, time.Millisecond},
			other: second{20 * ms, 30 * ms, 40 * ms}, want: Fail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			of := func(sec int) second {
				switch {
				case sec >= 20 && sec < 40:
					return tt.busy
				case sec >= 40 && tt.other != (second{}):
					return tt.other
				}
				return quiet
			}
			run := spaced(60, map[string]float64{"eu": 0.01}, func(_ string, sent time.Time) (results.ErrorKind, time.Time) {
				return results.ErrNone, sent.Add(of(int(sent.Sub(t0) / time.Second)).latency)
			})
			for s := range 60 {
				run.Health = append(run.Health, results.Health{Start: at(float64(s)), Sends: 100, SendLagP99: results.Duration(of(s).lag),
					SendLagMax: results.Duration(of(s).lag), TimerOvershootMax: results.Duration(of(s).over), CPUMachine: 0.99, CPUs: 2})
			}
			r := Evaluate(run, Options{})
			for _, scope := range []string{"overall", "region:eu"} {
				if o := objective(t, r, "p99", scope); o.Verdict != tt.want || (tt.reason != "" && o.Reason != tt.reason) {
					t.Errorf("p99 %s: %s %q, want %s %q", scope, o.Verdict, o.Reason, tt.want, tt.reason)
				}
			}
		})
	}
}
