package results

import (
	"slices"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

func timeDuration(k int64) time.Duration { return time.Duration(k) }

// Flush writes every interval that ended at least the flush lag ago, with
// the failures, writes and read-backs recorded so far. The ticker calls it
// each interval; call it yourself with WithoutTicker.
func (r *Recorder) Flush() error {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	if r.closed {
		return ErrClosed
	}
	r.flushLocked(false)
	return r.werr
}

// flushLocked writes what is due, or everything when force (flushMu held).
// After a write error it still drains what is due, so memory stays bounded,
// but writes nothing more: the stream would be torn.
func (r *Recorder) flushLocked(force bool) {
	now := r.cfg.now()
	due := func(k int64) bool {
		return force || !r.started.Add(timeDuration(k+1)*r.interval+r.cfg.lag).After(now)
	}
	batch := make(map[spillKey]*Interval)
	for _, c := range r.table.Load().cells {
		for i := range c.stripes {
			r.take(c, &c.stripes[i], due, batch)
		}
	}
	r.pendMu.Lock()
	for key, iv := range r.spill {
		if due(key.k) {
			combine(batchInterval(batch, key, r), iv)
			delete(r.spill, key)
		}
	}
	writes, readbacks := r.writes, r.readbacks
	r.writes, r.readbacks = nil, nil
	r.pendMu.Unlock()
	r.encodeIntervals(batch)
	r.encodeFailures()
	r.pruneFailureCounts(now)
	slices.SortFunc(writes, func(a, b AckedWrite) int { return a.Acked.Compare(b.Acked) })
	r.enc.writes(writes)
	slices.SortFunc(readbacks, func(a, b Readback) int { return a.Time.Compare(b.Time) })
	r.enc.readbacks(readbacks)
	if r.werr != nil {
		r.enc.out = r.enc.out[:0]
		return
	}
	r.werr = r.writeOut()
}

// take moves a stripe's due slots into the batch. Only the counts move under
// the stripe's lock; the histograms are folded in after it is released.
func (r *Recorder) take(c *cell, st *stripe, due func(int64) bool, batch map[spillKey]*Interval) {
	var hists [ringSize]*hdrhistogram.Histogram
	var ivs [ringSize]*Interval
	n := 0
	st.mu.Lock()
	for i := range st.slots {
		s := &st.slots[i]
		if !s.used || !due(s.k) {
			continue
		}
		ivs[n], hists[n] = batchInterval(batch, spillKey{s.k, c}, r), s.hist
		s.moveTo(ivs[n])
		s.hist = nil
		n++
	}
	st.mu.Unlock()
	for i := range n {
		ivs[i].Packed.MergeFrom(hists[i])
		r.release(hists[i])
	}
}

func batchInterval(batch map[spillKey]*Interval, key spillKey, r *Recorder) *Interval {
	iv := batch[key]
	if iv == nil {
		iv = &Interval{Start: r.started.Add(timeDuration(key.k) * r.interval), ClientRegion: key.c.region,
			Step: key.c.step, Packed: NewPackedLatencyHistogram()}
		batch[key] = iv
	}
	return iv
}

func (r *Recorder) encodeIntervals(batch map[spillKey]*Interval) {
	keys := make([]spillKey, 0, len(batch))
	for k := range batch {
		keys = append(keys, k)
	}
	sortSpillKeys(keys)
	for _, k := range keys {
		iv := batch[k]
		r.enc.intervalRecord(iv)
		if r.cfg.onWrite != nil {
			r.cfg.onWrite(iv)
		}
		combine(&k.c.total, iv)
	}
}

func (r *Recorder) encodeFailures() {
	r.failMu.Lock()
	fs := r.fails
	r.fails, r.failSpare = r.failSpare[:0], nil
	r.failMu.Unlock()
	slices.SortFunc(fs, compareFailures)
	r.enc.failures(fs)
	clear(fs)
	r.failMu.Lock()
	r.failSpare = fs[:0]
	r.failMu.Unlock()
}

// totalRequests is every request flushed so far (flushMu held).
func (r *Recorder) totalRequests() uint64 {
	var n uint64
	for _, c := range r.table.Load().cells {
		n += c.total.Requests()
	}
	return n
}

// Live is a recorder's running totals, for a progress line.
type Live struct {
	Elapsed  time.Duration // since Header.Started
	Requests uint64
	Failures uint64 // by DESIGN.md §2, too slow ones included
	Dropped  uint64
	P99      time.Duration // over the successful requests so far; 0 when none
	Regions  []LiveRegion  // per client region, the header's first
}

// LiveRegion is one client region's running totals.
type LiveRegion struct {
	ClientRegion string
	Requests     uint64
	Failures     uint64
	P99          time.Duration
}

// Snapshot returns the totals of everything recorded so far, written or not.
// It costs a few milliseconds (it adds up histograms): call it for a
// progress line, not per request.
func (r *Recorder) Snapshot() Live { return r.snapshot(true) }

// Counts is Snapshot without the latencies (its P99 fields are zero): it
// adds up counters only, with no histogram to allocate or merge, so its cost
// follows the cells, not their histograms' buckets: cheap enough for a
// sampler several times a second.
func (r *Recorder) Counts() Live { return r.snapshot(false) }

func (r *Recorder) snapshot(latency bool) Live {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	t := r.table.Load()
	regions := make([]Interval, len(t.regions))
	for i := range regions {
		regions[i] = Interval{ClientRegion: t.regions[i]}
		if latency {
			regions[i].Latency = NewLatencyHistogram()
		}
	}
	for _, c := range t.cells {
		acc := &regions[slices.Index(t.regions, c.region)]
		addCounts(acc, &c.total)
		if latency {
			c.total.AddLatencyTo(acc.Latency)
		}
		for i := range c.stripes {
			liveStripe(&c.stripes[i], acc)
		}
	}
	r.pendMu.Lock()
	for key, iv := range r.spill {
		if i := slices.Index(t.regions, key.c.region); i >= 0 { // else a region newer than t: next time
			addCounts(&regions[i], iv)
			if latency {
				iv.AddLatencyTo(regions[i].Latency)
			}
		}
	}
	r.pendMu.Unlock()
	return liveOf(regions, r.cfg.now().Sub(r.started), latency)
}

func liveStripe(st *stripe, acc *Interval) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for i := range st.slots {
		if s := &st.slots[i]; s.used {
			for k, n := range s.counts {
				acc.Counts[k] += n
			}
			acc.TooSlow += s.tooSlow
			if acc.Latency != nil {
				acc.Latency.Merge(s.hist)
			}
		}
	}
}

func addCounts(dst, src *Interval) {
	for k, n := range src.Counts {
		dst.Counts[k] += n
	}
	dst.TooSlow += src.TooSlow
}

func liveOf(regions []Interval, elapsed time.Duration, latency bool) Live {
	l := Live{Elapsed: elapsed}
	var all *hdrhistogram.Histogram
	if latency {
		all = NewLatencyHistogram()
	}
	for i := range regions {
		iv := &regions[i]
		l.Requests += iv.Requests()
		l.Failures += iv.Failures()
		l.Dropped += iv.Counts[ErrDropped]
		if all != nil {
			all.Merge(iv.Latency)
		}
		l.Regions = append(l.Regions, LiveRegion{ClientRegion: iv.ClientRegion, Requests: iv.Requests(),
			Failures: iv.Failures(), P99: p99(iv.Latency)})
	}
	l.P99 = p99(all)
	return l
}

// p99 is h's 99th percentile; 0 for an empty or nil h.
func p99(h *hdrhistogram.Histogram) time.Duration {
	if h == nil || h.TotalCount() == 0 {
		return 0
	}
	return LatencyDuration(h.ValueAtQuantile(99))
}
