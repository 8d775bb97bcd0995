package runner

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/slocheck/slocheck/results"
)

// progress shows a long run's state: on a terminal a line rewritten in place
// twice a second; elsewhere (CI logs) a line every logEvery.
type progress struct {
	w           io.Writer
	interactive bool
	total       time.Duration
	rec         *results.Recorder

	mu     sync.Mutex
	faults []string          // fault names in the order first seen
	state  map[string]string // fault -> "injected", "healed", …

	done  chan struct{}
	wg    sync.WaitGroup
	last  results.Live
	at    time.Time
	final bool // the last line, after the traffic stopped

	onPanic func(any) // the printer's panics go here (the run's guard); nil: they end the process
}

const (
	liveEvery = 500 * time.Millisecond
	logEvery  = 5 * time.Second
)

func newProgress(w io.Writer, interactive bool, total time.Duration, rec *results.Recorder) *progress {
	return &progress{w: w, interactive: interactive, total: total, rec: rec, state: map[string]string{}, done: make(chan struct{})}
}

func (p *progress) start() {
	if p.w == nil {
		return
	}
	every := logEvery
	if p.interactive {
		every = liveEvery
	}
	p.at = time.Now()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		if p.onPanic != nil {
			defer func() {
				if v := recover(); v != nil {
					p.onPanic(v)
				}
			}()
		}
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-p.done:
				return
			case now := <-t.C:
				p.print(now)
			}
		}
	}()
}

// stop ends the progress lines with one last line: the totals when the
// traffic stopped, the figures the final table counts.
func (p *progress) stop() {
	if p.w == nil {
		return
	}
	close(p.done)
	p.wg.Wait()
	p.final = true
	p.print(time.Now())
	if p.interactive {
		fmt.Fprintln(p.w)
	}
}

// event notes a fault's state; in log mode it is printed at once.
func (p *progress) event(e results.Event) {
	if e.Fault == "" {
		return
	}
	p.mu.Lock()
	if _, ok := p.state[e.Fault]; !ok {
		p.faults = append(p.faults, e.Fault)
	}
	p.state[e.Fault] = strings.TrimPrefix(string(e.Kind), "fault-")
	p.mu.Unlock()
	if p.w != nil && !p.interactive {
		fmt.Fprintf(p.w, "%s fault %s %s (%s %s)\n", e.Time.UTC().Format("15:04:05.000"), e.Fault, e.Kind, e.Target, e.Mode)
	}
}

func (p *progress) print(now time.Time) {
	live := p.rec.Snapshot()
	prev, since := p.last, now.Sub(p.at)
	if p.final { // the last line: the whole run's rate, not the tail's
		prev, since = results.Live{}, live.Elapsed
	}
	line := progressLine(live, prev, since, p.total) + p.faultState()
	p.last, p.at = live, now
	if p.interactive {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		return
	}
	fmt.Fprintln(p.w, line)
}

// progressLine says what the run has done so far in the words and counts of
// the final table: requests whose outcome is recorded (done: answered, failed
// or dropped, by the same count as the table's "requests"), how many of them
// were done per second since the previous line, the failures among them
// (dropped ones included, as in the table) and p99 over the successes.
// Requests still in flight are not counted until they end.
func progressLine(live, prev results.Live, since, total time.Duration) string {
	rate := 0.0
	if since > 0 && live.Requests >= prev.Requests {
		rate = float64(live.Requests-prev.Requests) / since.Seconds()
	}
	return fmt.Sprintf("%4.0fs/%.0fs  %d requests done (%.0f/s)  %d failures (%s), %d dropped  p99 of successes %s",
		live.Elapsed.Seconds(), total.Seconds(), live.Requests, rate, live.Failures,
		pct(live.Failures, live.Requests), live.Dropped, ms(live.P99))
}

func (p *progress) faultState() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	for _, f := range p.faults {
		fmt.Fprintf(&b, "  %s: %s", f, p.state[f])
	}
	return b.String()
}

func ms(d time.Duration) string {
	if d <= 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

func pct(n, of uint64) string {
	if of == 0 {
		return "0 %"
	}
	return fmt.Sprintf("%.2f %%", 100*float64(n)/float64(of))
}
