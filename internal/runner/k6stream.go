package runner

import (
	"math"
	"sync"
	"time"

	"github.com/slocheck/slocheck/results"
)

// k6Stream reads the stream k6's output is writing, while it writes it: the
// output flushes every interval (plus a short lag), so what is on disk is at
// most about 1.5 s behind the traffic. A partial read (the output is in the
// middle of a record) gives everything before it.
type k6Stream struct {
	path string

	mu   sync.Mutex
	run  *results.Run
	read time.Time
}

// k6StreamMaxAge is how long one read of k6.stream serves stop conditions,
// which ask many times a second; a new interval lands only once a second.
const k6StreamMaxAge = 500 * time.Millisecond

// current returns the stream as last read, reading it again when older than
// maxAge. nil when nothing could be read yet.
func (k *k6Stream) current(maxAge time.Duration) *results.Run {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.run == nil || time.Since(k.read) >= maxAge {
		if run, _ := results.ReadFile(k.path); run != nil {
			k.run, k.read = run, time.Now()
		}
	}
	return k.run
}

// refreshWrites gives the sink every write k6 has recorded so far, for the
// read-back (which takes them from the sink as they come). The sink's recorder does not see them: they
// are in k6.stream already.
func (k *k6Stream) refreshWrites(sk *sink) {
	run := k.current(0)
	if run == nil {
		return
	}
	sk.mu.Lock()
	sk.writes = run.Writes
	sk.mu.Unlock()
}

// failureRatio is the highest failure ratio of any client region over the
// last window of k6.stream's intervals (DESIGN.md §5 stop conditions), NaN
// when no region had requests in it. Its resolution is the interval, and it
// lags the traffic by up to an interval plus the output's flush lag.
func (k *k6Stream) failureRatio(window time.Duration) float64 {
	run := k.current(k6StreamMaxAge)
	if run == nil || len(run.Intervals) == 0 {
		return math.NaN()
	}
	iv := run.Header.Interval.Std()
	end := run.Intervals[len(run.Intervals)-1].Start.Add(iv)
	from := end.Add(-max(window, iv))
	reqs, fails := map[string]uint64{}, map[string]uint64{}
	for i := range run.Intervals {
		x := &run.Intervals[i]
		if x.Start.Before(from) {
			continue
		}
		reqs[x.ClientRegion] += x.Requests()
		fails[x.ClientRegion] += x.Failures()
	}
	worst := math.NaN()
	for cr, n := range reqs {
		if n == 0 {
			continue
		}
		if r := float64(fails[cr]) / float64(n); math.IsNaN(worst) || r > worst {
			worst = r
		}
	}
	return worst
}
