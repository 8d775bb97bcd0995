package driver

import (
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
)

// TestHoldSendsMakesEverySendLate: with HoldSends every request goes out that
// long after it is due (the generator late on purpose), and its latency,
// counted from the intended start, includes the wait. The server's own clock
// is the truth: its k-th request cannot have come before the k-th earliest
// instant (intended start + hold) at which a request was allowed out.
func TestHoldSendsMakesEverySendLate(t *testing.T) {
	bothTransports(t, func(t *testing.T) {
		const hold = 50 * time.Millisecond
		var mu sync.Mutex
		var seen []time.Time
		srv := server(t, func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen = append(seen, time.Now())
			mu.Unlock()
			okHandler("eastus")(w, r)
		})
		var sink memSink
		st := run(t, Config{
			Targets: map[string]string{"us": srv.URL}, Rate: 100, Duration: 400 * time.Millisecond,
			HoldSends: hold,
			Journeys: []Journey{
				{Name: "shop", Weight: 1, Steps: Steps},
				{Name: "slow", Weight: 1, ThinkTime: 10 * time.Millisecond, Steps: []string{StepBrowse, StepProduct}},
			},
		}, &sink)
		outs := sink.sorted()
		if st.Dropped != 0 || st.Sent == 0 || uint64(len(outs)) != st.Sent {
			t.Fatalf("sent %d dropped %d outcomes %d: want all sent", st.Sent, st.Dropped, len(outs))
		}
		held := make([]time.Time, 0, len(outs))
		for _, o := range outs {
			if o.Err != results.ErrNone && o.Err != results.Err4xx {
				t.Fatalf("outcome %+v", o)
			}
			if lag := o.Sent.Sub(o.Intended); lag < hold {
				t.Fatalf("%s sent %s after its intended start, want >= the hold %s", o.Step, lag, hold)
			}
			if o.Latency() < hold {
				t.Fatalf("latency %s hides the hold %s", o.Latency(), hold)
			}
			held = append(held, o.Intended.Add(hold))
		}
		mu.Lock()
		defer mu.Unlock()
		if len(seen) != len(outs) {
			t.Fatalf("server saw %d requests, driver sent %d", len(seen), len(outs))
		}
		sort.Slice(seen, func(i, j int) bool { return seen[i].Before(seen[j]) })
		sort.Slice(held, func(i, j int) bool { return held[i].Before(held[j]) })
		for k := range seen {
			if seen[k].Before(held[k]) {
				t.Fatalf("server's request %d came %s before the hold allowed it", k, held[k].Sub(seen[k]))
			}
		}
	})
}
