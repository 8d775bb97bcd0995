package live

import (
	"time"

	"github.com/slocheck/slocheck/results"
)

// benchOutcomes are a run's mix: two client regions, four steps, one
// failure in fifty.
func benchOutcomes() []results.Outcome {
	now := time.Now()
	var out []results.Outcome
	for i := range 200 {
		o := results.Outcome{ClientRegion: []string{"us", "eu"}[i%2], Step: []string{"browse", "product", "cart", "checkout"}[i%4],
			Intended: now, Sent: now.Add(50 * time.Microsecond), End: now.Add(time.Duration(20+i%60) * time.Millisecond), Status: 200}
		if i%50 == 7 {
			o.Err, o.Status = results.ErrRefused, 0
		}
		out = append(out, o)
	}
	return out
}
