package driver

import (
	"sort"
	"time"
)

// Drop is a batch of requests dropped in bulk: the generator had fallen
// further behind their due times than the timeout, so it skipped them
// without generating them one by one. N requests of a client region's step
// were intended between From and To (spread as the schedule spreads them).
type Drop struct {
	ClientRegion string
	Step         string
	From, To     time.Time
	N            uint64
}

// DropSink is an optional interface of a Sink: a sink that has it is told of
// bulk drops in batches (a few calls per batch, whatever its size). A sink
// without it is not told of them; Stats.BulkDropped counts them (they are
// in Stats.Dropped too). Requests dropped one at a time (no worker free, a
// full backlog) always reach Sink.Outcome as results.ErrDropped.
type DropSink interface {
	Dropped(Drop)
}

// lateCheck is how many arrivals an event loop handles between two looks at
// the clock to see whether it has fallen behind by more than the timeout
// (a slow sink, a starved process): it then skips ahead in bulk.
const lateCheck = 64

// overdue reports whether an arrival due at due can no longer be served at
// now (offsets from the start): it is further behind than the timeout.
func (r *runner) overdue(due, now time.Duration) bool { return now-due > r.cfg.Timeout }

// bulkDrop accounts for k arrivals due between from and to (offsets) that
// the generator skipped, and returns how many requests they were. They are
// split over client regions and journeys by their weights (largest
// remainder, so the counts add up to k): one accounting step per batch, not
// per arrival.
func (r *runner) bulkDrop(k uint64, from, to time.Duration) uint64 {
	if k = r.keptOf(k); k == 0 {
		return 0
	}
	var dropped uint64
	for _, c := range r.split(k) {
		j := &r.journeys[c.journey]
		dropped += c.n * uint64(len(j.steps))
		if r.drops == nil {
			continue
		}
		for i, s := range j.steps {
			shift := time.Duration(i) * j.think
			r.drops.Dropped(Drop{ClientRegion: r.regions[c.region].name, Step: r.steps[s].Name,
				From: r.start.Add(from + shift), To: r.start.Add(to + shift), N: c.n})
		}
	}
	return dropped
}

// share is a number of arrivals of one client region and journey.
type share struct {
	region, journey int
	n               uint64
	rem             float64
}

// split shares k arrivals out over client regions and journeys by weight.
func (r *runner) split(k uint64) []share {
	var out []share
	left := k
	for rg := range r.regions {
		for j := range r.journeys {
			exact := float64(k) * r.regionShare(rg) * r.pickJour.share(j)
			if exact <= 0 {
				continue // no weight: none of its arrivals
			}
			n := min(uint64(exact), left)
			left -= n
			out = append(out, share{region: rg, journey: j, n: n, rem: exact - float64(n)})
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].rem > out[b].rem })
	for i := 0; left > 0; i = (i + 1) % len(out) {
		out[i].n++
		left--
	}
	return out
}

// countMod is how many n in [a, b) have n mod of == id (an event loop's
// share of a range of arrivals).
func countMod(a, b, of, id uint64) uint64 {
	below := func(x uint64) uint64 {
		if x <= id {
			return 0
		}
		return (x-id-1)/of + 1
	}
	return below(b) - below(a)
}
