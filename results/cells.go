package results

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"sync"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// ringSize is how many intervals a stripe holds at once (a power of two): the
// current one, the one waiting for its flush lag, and stragglers.
const ringSize = 4

// table maps client region and step to their cell. It is immutable: a new
// pair copies it (rare), so lookups need no lock.
type table struct {
	regions []string
	steps   []string
	grid    [][]*cell // [region][step], nil where not yet used
	cells   []*cell   // every cell, in creation order
}

// cell is one client region's and step's recording state.
type cell struct {
	region, step string
	stripes      []stripe
	total        Interval // everything flushed so far, for Snapshot (Recorder.flushMu)
}

// stripe is one independently locked share of a cell. A worker that finds a
// stripe busy moves on to another, so workers rarely wait for each other.
type stripe struct {
	mu    sync.Mutex
	slots [ringSize]slot
	_     [64]byte // keeps neighbouring stripes' locks off one cache line
}

// slot is one interval's data in a stripe.
type slot struct {
	k       int64 // interval index
	used    bool
	counts  [NumErrorKinds]uint64
	tooSlow uint64
	served  []servedCount
	hist    *hdrhistogram.Histogram // dense: recording is an index and an add
}

type servedCount struct {
	region string
	n      uint64
}

func (t *table) lookup(region, step string) *cell {
	for i, r := range t.regions {
		if r == region {
			for j, s := range t.steps {
				if s == step {
					return t.grid[i][j]
				}
			}
			return nil
		}
	}
	return nil
}

// cellFor returns the cell of a client region and step, creating it on
// first use.
func (r *Recorder) cellFor(region, step string) *cell {
	if c := r.table.Load().lookup(region, step); c != nil {
		return c
	}
	r.tableMu.Lock()
	defer r.tableMu.Unlock()
	old := r.table.Load()
	if c := old.lookup(region, step); c != nil {
		return c
	}
	t := &table{regions: old.regions, steps: old.steps, cells: slices.Clone(old.cells)}
	if !slices.Contains(t.regions, region) {
		t.regions = append(slices.Clone(t.regions), region)
	}
	if !slices.Contains(t.steps, step) {
		t.steps = append(slices.Clone(t.steps), step)
	}
	t.grid = make([][]*cell, len(t.regions))
	for i := range t.grid {
		t.grid[i] = make([]*cell, len(t.steps))
		if i < len(old.grid) {
			copy(t.grid[i], old.grid[i])
		}
	}
	c := &cell{region: region, step: step, stripes: make([]stripe, r.cfg.stripes)}
	t.grid[slices.Index(t.regions, region)][slices.Index(t.steps, step)] = c
	t.cells = append(t.cells, c)
	r.table.Store(t)
	return c
}

// lock locks a stripe of c: the first if it is free (a lone worker never
// pays for more), else a free one probed from a random start, else waits for
// that random one.
func (c *cell) lock() *stripe {
	if c.stripes[0].mu.TryLock() {
		return &c.stripes[0]
	}
	n := uint32(len(c.stripes))
	i := uint32(uint64(rand.Uint32()) * uint64(n) >> 32)
	for j := range n {
		if st := &c.stripes[(i+j)%n]; st.mu.TryLock() {
			return st
		}
	}
	st := &c.stripes[i]
	st.mu.Lock()
	return st
}

// slot returns the stripe's slot for interval k (st locked), evicting an
// older interval that holds it to the spill. It returns nil when a newer
// interval holds it: the outcome is a straggler and goes to the spill.
func (st *stripe) slot(r *Recorder, c *cell, k int64) *slot {
	s := &st.slots[k&(ringSize-1)]
	if s.used && s.k == k {
		return s
	}
	if s.used {
		if s.k > k {
			return nil
		}
		r.evict(c, s)
	}
	s.used, s.k = true, k
	if s.hist == nil {
		s.hist = r.dense()
	}
	return s
}

func (s *slot) add(kind ErrorKind, lat int64, slow bool, servedBy string) {
	s.counts[kind]++
	if slow {
		s.tooSlow++
	}
	if lat >= 0 {
		_ = s.hist.RecordValue(lat) // in range: LatencyValue clamps
	}
	if servedBy == "" {
		return
	}
	for i := range s.served {
		if s.served[i].region == servedBy {
			s.served[i].n++
			return
		}
	}
	s.served = append(s.served, servedCount{servedBy, 1})
}

// moveTo adds the slot's counts to iv and empties them; the histogram is
// left to the caller.
func (s *slot) moveTo(iv *Interval) {
	for k, n := range s.counts {
		iv.Counts[k] += n
	}
	iv.TooSlow += s.tooSlow
	if len(s.served) > 0 && iv.ServedBy == nil {
		iv.ServedBy = make(map[string]uint64, len(s.served))
	}
	for _, sc := range s.served {
		iv.ServedBy[sc.region] += sc.n
	}
	s.counts, s.tooSlow, s.served, s.used = [NumErrorKinds]uint64{}, 0, s.served[:0], false
}

// dense returns a clean dense histogram for a slot, from the free list or new.
func (r *Recorder) dense() *hdrhistogram.Histogram {
	r.freeMu.Lock()
	defer r.freeMu.Unlock()
	if n := len(r.free); n > 0 {
		h := r.free[n-1]
		r.free = r.free[:n-1]
		return h
	}
	// Slots hold successes only, whose latency is at most the timeout: a
	// geometry ending there indexes like the stream's and is half the size.
	return hdrhistogram.New(LatencyLowest, max(LatencyValue(r.timeout), 2048), LatencyDigits)
}

func (r *Recorder) release(h *hdrhistogram.Histogram) {
	h.Reset()
	r.freeMu.Lock()
	r.free = append(r.free, h)
	r.freeMu.Unlock()
}

// spilled returns the spill interval of cell c and index k (pendMu held).
func (r *Recorder) spilled(c *cell, k int64) *Interval {
	key := spillKey{k, c}
	iv := r.spill[key]
	if iv == nil {
		iv = &Interval{Start: r.started.Add(r.interval * timeDuration(k)), ClientRegion: c.region, Step: c.step,
			Packed: NewPackedLatencyHistogram()}
		r.spill[key] = iv
	}
	return iv
}

// evict moves an older interval out of its slot into the spill (st locked).
func (r *Recorder) evict(c *cell, s *slot) {
	r.pendMu.Lock()
	defer r.pendMu.Unlock()
	iv := r.spilled(c, s.k)
	iv.Packed.MergeFrom(s.hist)
	s.hist.Reset()
	s.moveTo(iv)
}

// spillOutcome records a straggler whose slot a newer interval holds.
func (r *Recorder) spillOutcome(c *cell, k int64, kind ErrorKind, lat int64, slow bool, servedBy string) {
	r.pendMu.Lock()
	defer r.pendMu.Unlock()
	iv := r.spilled(c, k)
	iv.Counts[kind]++
	if slow {
		iv.TooSlow++
	}
	if lat >= 0 {
		_ = iv.Packed.RecordValue(lat)
	}
	if servedBy != "" {
		if iv.ServedBy == nil {
			iv.ServedBy = make(map[string]uint64)
		}
		iv.ServedBy[servedBy]++
	}
}

// sortSpillKeys orders intervals for writing: by index, client region, step.
func sortSpillKeys(keys []spillKey) {
	slices.SortFunc(keys, func(a, b spillKey) int {
		return cmp.Or(cmp.Compare(a.k, b.k), cmp.Compare(a.c.region, b.c.region), cmp.Compare(a.c.step, b.c.step))
	})
}
