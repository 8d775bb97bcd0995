package results

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// Segment is a share of one client region's arrivals, in k6's
// execution-segment notation "from:to" with from and to fractions of the
// whole (0 ≤ from < to ≤ 1): "0:1/2" is the first half, "1/2:1" the
// second, "0:1" all. Segments that partition [0, 1) partition the traffic
// exactly: an arrival belongs to the segment holding its position, a number
// in [0, 1) drawn from the run's seed and the arrival's number alone (see
// internal/driver), so every generator agrees on who sends it.
//
// The zero Segment is the whole, "0:1".
type Segment struct {
	from, to big.Rat
	set      bool
}

// WholeSegment is "0:1".
func WholeSegment() Segment { return Segment{} }

// ParseSegment parses "from:to", each a fraction ("1/3"), a decimal
// ("0.25") or an integer (0, 1). The empty string is the whole.
func ParseSegment(s string) (Segment, error) {
	if s == "" {
		return Segment{}, nil
	}
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return Segment{}, fmt.Errorf("segment %q: want from:to, such as 0:1/2 or 1/2:1", s)
	}
	var seg Segment
	if _, ok := seg.from.SetString(strings.TrimSpace(a)); !ok {
		return Segment{}, fmt.Errorf("segment %q: %q is not a fraction", s, a)
	}
	if _, ok := seg.to.SetString(strings.TrimSpace(b)); !ok {
		return Segment{}, fmt.Errorf("segment %q: %q is not a fraction", s, b)
	}
	zero, one := new(big.Rat), big.NewRat(1, 1)
	if seg.from.Cmp(zero) < 0 || seg.to.Cmp(one) > 0 || seg.from.Cmp(&seg.to) >= 0 {
		return Segment{}, fmt.Errorf("segment %q: want 0 <= from < to <= 1", s)
	}
	seg.set = seg.from.Sign() != 0 || seg.to.Cmp(one) != 0
	return seg, nil
}

// String is the segment in k6's notation ("0:1" for the whole).
func (s Segment) String() string {
	if !s.set {
		return "0:1"
	}
	return s.from.RatString() + ":" + s.to.RatString()
}

// Whole reports whether s is all of the traffic.
func (s Segment) Whole() bool { return !s.set }

// bounds returns from and to as rationals.
func (s Segment) bounds() (from, to *big.Rat) {
	if !s.set {
		return new(big.Rat), big.NewRat(1, 1)
	}
	return &s.from, &s.to
}

// Bounds returns from and to as float64s, for the driver's membership test
// (every process converts the same fraction to the same float64, so
// neighbouring segments share their boundary exactly).
func (s Segment) Bounds() (from, to float64) {
	a, b := s.bounds()
	f, _ := a.Float64()
	t, _ := b.Float64()
	return f, t
}

// Contains reports whether position u in [0, 1) falls in s.
func (s Segment) Contains(u float64) bool {
	f, t := s.Bounds()
	return u >= f && u < t
}

// Share is the segment's length: its expected share of the arrivals.
func (s Segment) Share() float64 {
	f, t := s.Bounds()
	return t - f
}

// Overlaps reports whether s and o share any part of [0, 1).
func (s Segment) Overlaps(o Segment) bool {
	sf, st := s.bounds()
	of, ot := o.bounds()
	return sf.Cmp(ot) < 0 && of.Cmp(st) < 0
}

// ErrSegmentOverlap is returned (wrapped) when two streams claim the same
// share of the same client region.
var ErrSegmentOverlap = errors.New("two streams claim the same share of a client region")
