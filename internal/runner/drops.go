package runner

import (
	"time"

	"github.com/slocheck/slocheck/internal/driver"
	"github.com/slocheck/slocheck/results"
)

var _ driver.DropSink = (*sink)(nil)

// Dropped records a batch of requests the driver skipped in bulk (it had
// fallen further behind than the timeout) as dropped requests of the
// intervals they were intended in, spread over [From, To] by overlap, so
// that the stream counts every arrival the generator could not serve.
func (s *sink) Dropped(d driver.Drop) {
	if s.hooks.drop != nil {
		s.hooks.drop(d)
	}
	h := s.rec.Header()
	iv := h.Interval.Std()
	for _, part := range spread(d, h.Started, iv) {
		if part.n == 0 {
			continue
		}
		rec := results.Interval{Start: part.start, ClientRegion: d.ClientRegion, Step: d.Step}
		rec.Counts[results.ErrDropped] = part.n
		_ = s.rec.RecordInterval(&rec) // no histogram, no successes: it cannot be refused
	}
}

type dropPart struct {
	start time.Time
	n     uint64
}

// spread splits d.N over the intervals (of length iv from start) that
// [d.From, d.To] overlaps, in proportion to the overlap; the parts add up
// to d.N (the remainder goes to the first ones).
func spread(d driver.Drop, start time.Time, iv time.Duration) []dropPart {
	if d.N == 0 {
		return nil
	}
	first := floorIndex(d.From.Sub(start), iv)
	last := floorIndex(d.To.Sub(start), iv)
	span := d.To.Sub(d.From)
	if last <= first || span <= 0 {
		return []dropPart{{start.Add(time.Duration(first) * iv), d.N}}
	}
	parts := make([]dropPart, 0, last-first+1)
	var given uint64
	for k := first; k <= last; k++ {
		lo := max(time.Duration(k)*iv, d.From.Sub(start))
		hi := min(time.Duration(k+1)*iv, d.To.Sub(start))
		n := uint64(float64(d.N) * float64(hi-lo) / float64(span))
		parts = append(parts, dropPart{start.Add(time.Duration(k) * iv), n})
		given += n
	}
	for i := 0; given < d.N; i = (i + 1) % len(parts) {
		parts[i].n++
		given++
	}
	return parts
}

func floorIndex(d, iv time.Duration) int64 {
	k := int64(d / iv)
	if d < 0 && d%iv != 0 {
		k--
	}
	return k
}
