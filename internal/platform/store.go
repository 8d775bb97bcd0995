package platform

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/slocheck/slocheck/results"
)

// Order is one order as a region's store holds it.
type Order struct {
	ID     string          `json:"id"`
	Region string          `json:"region"` // region that acknowledged it
	Acked  time.Time       `json:"acked"`
	Items  json.RawMessage `json:"items,omitempty"`
	marker bool            // a lag probe's marker (markers.go), not an order
}

// Stranded is an acknowledged write that its region had not replicated when
// it went down or was blackholed: the ground truth of lost writes.
type Stranded struct {
	results.AckedWrite
	Fault     time.Time `json:"fault"`              // when its region failed
	Recovered time.Time `json:"recovered,omitzero"` // when it replicated late, on heal; zero while lost
}

// replica is one region's copy of the data.
type replica struct {
	orders  map[string]Order
	markers map[string]bool // the lag probe's markers (markers.go)
	failed  bool            // down or blackholed: neither serves nor replicates
	cut     bool            // replication-cut: serves, but neither sends nor receives
}

// link is the replication queue from one region to another, in ack order.
// Each order is due at the destination ReplicationLag after its ack.
type link struct {
	src, dst string
	queue    []Order
}

// store is the multi-region order store with asynchronous replication.
//
// Replication is modelled by due times and applied lazily: every observation
// (a read, a state change, the background tick) first delivers each queued
// order whose due time has passed, provided both ends can replicate. So an
// order acknowledged at a reaches the other regions at exactly a + lag, and a
// region that fails at T strands exactly the orders it acknowledged in
// (T − lag, T], however the goroutines happen to be scheduled.
type store struct {
	mu       sync.Mutex
	lag      time.Duration
	policy   Unreplicated
	replicas map[string]*replica
	links    []*link
	stranded []Stranded
	byID     map[string]int // index into stranded
	seq      uint64
	idBase   string
}

func newStore(regions []string, lag time.Duration, policy Unreplicated) *store {
	s := &store{
		lag:      lag,
		policy:   policy,
		replicas: make(map[string]*replica, len(regions)),
		byID:     map[string]int{},
		idBase:   strconv.FormatInt(time.Now().UnixMilli(), 36),
	}
	for _, src := range regions {
		s.replicas[src] = &replica{orders: map[string]Order{}, markers: map[string]bool{}}
		for _, dst := range regions {
			if dst != src {
				s.links = append(s.links, &link{src: src, dst: dst})
			}
		}
	}
	return s
}

// now is the store's clock: wall time without the monotonic reading, so that
// the times it publishes (JSON) are exactly the times it decides by.
func now() time.Time { return time.Now().Round(0) }

// put writes a new order in region and acknowledges it.
func (s *store) put(region string, items json.RawMessage) (Order, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.replicas[region]
	if r.failed {
		return Order{}, fmt.Errorf("write order: %w: %s", ErrUnavailable, region)
	}
	s.seq++
	o := Order{ID: fmt.Sprintf("%s-%s-%d", region, s.idBase, s.seq), Region: region, Acked: now(), Items: items}
	r.orders[o.ID] = o
	for _, l := range s.links {
		if l.src == region {
			l.queue = append(l.queue, o)
		}
	}
	return o, nil
}

// get reads order id from region.
func (s *store) get(region, id string) (Order, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(now())
	r := s.replicas[region]
	if r.failed {
		return Order{}, false, fmt.Errorf("read order: %w: %s", ErrUnavailable, region)
	}
	o, ok := r.orders[id]
	return o, ok, nil
}

// tick delivers what is due; it only keeps the queues short.
func (s *store) tick() {
	s.mu.Lock()
	s.advance(now())
	s.mu.Unlock()
}

// advance delivers every queued order due by t whose link is up. s.mu held.
func (s *store) advance(t time.Time) {
	for _, l := range s.links {
		src, dst := s.replicas[l.src], s.replicas[l.dst]
		if src.failed || src.cut || dst.failed || dst.cut {
			continue
		}
		i := 0
		for ; i < len(l.queue) && !l.queue[i].Acked.Add(s.lag).After(t); i++ {
			o := l.queue[i]
			if o.marker {
				dst.markers[o.ID] = true
				continue
			}
			if _, ok := dst.orders[o.ID]; !ok {
				dst.orders[o.ID] = o
			}
			if k, ok := s.byID[o.ID]; ok && s.stranded[k].Recovered.IsZero() {
				s.stranded[k].Recovered = t
			}
		}
		l.queue = l.queue[i:]
		if len(l.queue) == 0 {
			l.queue = nil
		}
	}
}

// fail marks region down (or blackholed) and returns the fault instant. Its
// unreplicated orders are stranded: kept for late replication, or dropped.
func (s *store) fail(region string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := now()
	s.advance(t)
	s.replicas[region].failed = true
	for _, l := range s.links {
		if l.src != region {
			continue
		}
		for _, o := range l.queue {
			if !o.marker {
				s.strand(o, t)
			}
		}
		if s.policy == UnreplicatedLost {
			l.queue = nil
		}
	}
	return t
}

// strand records o as stranded at t (once) and, under the lost policy,
// removes it from its own region too. s.mu held.
func (s *store) strand(o Order, t time.Time) {
	if _, ok := s.byID[o.ID]; ok {
		return
	}
	s.byID[o.ID] = len(s.stranded)
	s.stranded = append(s.stranded, Stranded{
		AckedWrite: results.AckedWrite{ID: o.ID, Region: o.Region, Acked: o.Acked},
		Fault:      t,
	})
	if s.policy == UnreplicatedLost {
		delete(s.replicas[o.Region].orders, o.ID)
	}
}

// recover brings a failed region back and returns the heal instant.
func (s *store) recover(region string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := now()
	s.replicas[region].failed = false
	s.advance(t)
	return t
}

// setCut cuts (or restores) region's replication and returns the instant.
func (s *store) setCut(region string, cut bool) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := now()
	s.advance(t)
	s.replicas[region].cut = cut
	s.advance(t)
	return t
}

// counts returns region's number of orders and of orders it has queued for
// replication but not yet delivered.
func (s *store) counts(region string) (orders, unreplicated int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(now())
	seen := map[string]bool{}
	for _, l := range s.links {
		if l.src == region {
			for _, o := range l.queue {
				if !o.marker {
					seen[o.ID] = true
				}
			}
		}
	}
	return len(s.replicas[region].orders), len(seen)
}

// strandedWrites returns a copy of the stranded writes, in ack order.
func (s *store) strandedWrites() []Stranded {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(now())
	out := append([]Stranded(nil), s.stranded...)
	slices.SortStableFunc(out, func(a, b Stranded) int { return a.Acked.Compare(b.Acked) })
	return out
}
