package results

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// cursor reads a record's payload; the first error sticks and later reads
// return zero values.
type cursor struct {
	b   []byte
	err error
}

var errShort = errors.New("payload too short")

// maxOffset bounds every time offset a record carries (100 years, in ns), so
// that differences of decoded times never overflow a Duration.
const maxOffset = int64(100 * 365 * 24 * time.Hour)

// offset reads a delta-coded time offset and adds it to *t.
func (c *cursor) offset(t *int64) {
	d := c.varint()
	if c.err == nil && (d > 2*maxOffset || d < -2*maxOffset || *t+d > maxOffset || *t+d < -maxOffset) {
		c.err = fmt.Errorf("time offset %d+%d out of range", *t, d)
	}
	*t += d
}

// duration reads a signed duration bounded like a time offset.
func (c *cursor) duration() time.Duration {
	d := c.varint()
	if c.err == nil && (d > maxOffset || d < -maxOffset) {
		c.err = fmt.Errorf("duration %d out of range", d)
	}
	return time.Duration(d)
}

func (c *cursor) uvarint() uint64 {
	if c.err != nil {
		return 0
	}
	v, n := binary.Uvarint(c.b)
	if n <= 0 {
		c.err = errShort
		return 0
	}
	c.b = c.b[n:]
	return v
}

func (c *cursor) varint() int64 {
	if c.err != nil {
		return 0
	}
	v, n := binary.Varint(c.b)
	if n <= 0 {
		c.err = errShort
		return 0
	}
	c.b = c.b[n:]
	return v
}

func (c *cursor) byte() byte {
	if c.err != nil || len(c.b) == 0 {
		c.err = errShort
		return 0
	}
	v := c.b[0]
	c.b = c.b[1:]
	return v
}

func (c *cursor) bytes() string {
	n := c.uvarint()
	if c.err != nil {
		return ""
	}
	if n > MaxString || n > uint64(len(c.b)) {
		c.err = fmt.Errorf("string of %d bytes", n)
		return ""
	}
	s := string(c.b[:n])
	c.b = c.b[n:]
	return s
}

// count reads an item count and checks the payload can hold that many items
// of at least minSize bytes each, so a forged count cannot allocate more than
// the input's size warrants.
func (c *cursor) count(minSize int) int {
	n := c.uvarint()
	if c.err == nil && n > uint64(len(c.b)/minSize) {
		c.err = fmt.Errorf("count %d exceeds what %d bytes can hold", n, len(c.b))
	}
	return int(n)
}

// str resolves a string table reference.
func (d *decoder) str(c *cursor) string {
	ref := c.uvarint()
	if c.err != nil || ref == 0 {
		return ""
	}
	if ref > uint64(len(d.strs)) {
		c.err = fmt.Errorf("string reference %d of %d", ref, len(d.strs))
		return ""
	}
	return d.strs[ref-1]
}

func (d *decoder) intervalRecord(p []byte) error {
	c := &cursor{b: p}
	k := c.varint()
	if k > d.maxK || k < -d.maxK {
		return fmt.Errorf("interval index %d out of range", k)
	}
	regionRef, stepRef := c.uvarint(), c.uvarint()
	if regionRef > uint64(len(d.strs)) || stepRef > uint64(len(d.strs)) {
		return fmt.Errorf("interval: string reference out of range")
	}
	iv := Interval{Start: d.started.Add(time.Duration(k) * d.interval)}
	iv.ClientRegion, iv.Step = d.lookup(regionRef), d.lookup(stepRef)
	d.counts(c, &iv)
	iv.TooSlow = c.uvarint()
	d.servedBy(c, &iv)
	d.histogram(c, &iv)
	if c.err != nil {
		return fmt.Errorf("interval: %w", c.err)
	}
	if err := checkIntervalCounts(&iv, true); err != nil {
		return err
	}
	if d.scan != nil {
		return d.scan.interval(&iv)
	}
	d.addInterval(ivKey{k, regionRef, stepRef}, &iv)
	return nil
}

func (d *decoder) lookup(ref uint64) string {
	if ref == 0 {
		return ""
	}
	return d.strs[ref-1]
}

// counts reads the count mask and the nonzero counts. Kinds this reader does
// not know (a newer writer's) count as ErrOther.
func (d *decoder) counts(c *cursor, iv *Interval) {
	mask := c.uvarint()
	for k := 0; mask != 0 && c.err == nil; k++ {
		if mask&1 != 0 {
			kind := k
			if kind >= NumErrorKinds {
				kind = int(ErrOther)
			}
			iv.Counts[kind] = addSat(iv.Counts[kind], c.uvarint())
		}
		mask >>= 1
	}
}

func (d *decoder) servedBy(c *cursor, iv *Interval) {
	n := c.count(2)
	if n == 0 || c.err != nil {
		return
	}
	if d.scan != nil { // lent to the scan's callback only: one map for every record
		if d.scan.servedBy == nil {
			d.scan.servedBy = make(map[string]uint64, n)
		}
		iv.ServedBy = d.scan.servedBy
		clear(iv.ServedBy)
	} else {
		iv.ServedBy = make(map[string]uint64, n)
	}
	for range n {
		name := d.str(c)
		iv.ServedBy[name] = addSat(iv.ServedBy[name], c.uvarint())
	}
}

func (d *decoder) histogram(c *cursor, iv *Interval) {
	n := c.count(1)
	if c.err != nil {
		return
	}
	// Decode into a reused histogram, then copy it out at its exact size:
	// cheaper than growing each new histogram bucket by bucket.
	if d.scratch == nil {
		d.scratch = NewPackedLatencyHistogram()
	}
	h := d.scratch
	h.Reset()
	rest, err := decodeBuckets(c.b, n, h)
	if err != nil {
		c.err = err
		return
	}
	c.b = rest
	if d.scan != nil {
		iv.Packed = h // lent to the scan's callback only
		return
	}
	iv.Packed = h.Clone()
}

// decodeBuckets records n buckets (see encoder.histogram) from b into h and
// returns the rest of b. It is the reader's hot loop, so it works on the
// bytes directly.
func decodeBuckets(b []byte, n int, h *hdrhistogram.PackedHistogram) ([]byte, error) {
	var v int64
	for range n {
		word, k := binary.Uvarint(b)
		if k <= 0 {
			return nil, errShort
		}
		b = b[k:]
		delta, cnt := word>>1, uint64(1)
		if word&1 == 0 {
			if cnt, k = binary.Uvarint(b); k <= 0 {
				return nil, errShort
			}
			b = b[k:]
		}
		if delta > uint64(LatencyHighest) || cnt > 1<<62 {
			return nil, fmt.Errorf("histogram bucket %d+%d (count %d) out of range", v, delta, cnt)
		}
		v += int64(delta)
		if err := h.RecordValues(v, int64(cnt)); err != nil {
			return nil, fmt.Errorf("histogram: %w", err)
		}
	}
	return b, nil
}

// checkInterval checks that the histogram holds exactly the interval's
// successes: answered with a success status minus too slow.
func checkInterval(iv *Interval) error { return checkIntervalCounts(iv, false) }

// checkIntervalCounts is checkInterval; with legacy it also accepts a
// histogram that holds the 4xx answers too, as streams written while 4xx
// counted as success do (the reader accepts them; RecordInterval does not).
func checkIntervalCounts(iv *Interval, legacy bool) error {
	if iv.TooSlow > addSat(iv.Counts[ErrNone], iv.Counts[Err4xx]) || (!legacy && iv.TooSlow > iv.Counts[ErrNone]) {
		return fmt.Errorf("interval: %d too slow of %d answered", iv.TooSlow, iv.Counts[ErrNone])
	}
	got := uint64(iv.LatencyCount())
	if iv.TooSlow <= iv.Counts[ErrNone] && got == iv.Counts[ErrNone]-iv.TooSlow {
		return nil
	}
	if legacy && got == addSat(iv.Counts[ErrNone], iv.Counts[Err4xx])-iv.TooSlow {
		return nil
	}
	return fmt.Errorf("interval: histogram holds %d latencies, counts say %d successes", got, iv.Successes())
}

func addSat(a, b uint64) uint64 {
	if s := a + b; s >= a {
		return s
	}
	return ^uint64(0)
}

// addInterval appends iv, or adds it to the interval already read with the
// same start, client region and step.
func (d *decoder) addInterval(key ivKey, iv *Interval) {
	if i, ok := d.ivIndex[key]; ok {
		combine(&d.out.Intervals[i], iv)
		return
	}
	d.ivIndex[key] = len(d.out.Intervals)
	d.out.Intervals = append(d.out.Intervals, *iv)
}

// timedList decodes a record that is a count of items, each led by its time
// as a delta offset, appending them to dst. A record is all or nothing: on a
// damaged one dst is left as it was. minSize is an item's smallest encoding
// (it bounds the count a hostile record may claim); item reads the rest of one.
func timedList[T any](d *decoder, p []byte, what string, minSize int, dst *[]T, item func(c *cursor, at time.Time) T) error {
	c := &cursor{b: p}
	n, before := c.count(minSize), len(*dst)
	var t int64
	for range n {
		c.offset(&t)
		v := item(c, d.at(t))
		if c.err != nil {
			break
		}
		*dst = append(*dst, v)
	}
	if c.err != nil {
		*dst = (*dst)[:before]
		return fmt.Errorf("%s: %w", what, c.err)
	}
	return nil
}

func (d *decoder) failures(p []byte) error {
	return timedList(d, p, "failures", 6, &d.out.Failures, func(c *cursor, at time.Time) Failure {
		f := Failure{Time: at}
		f.Intended = f.Time.Add(-c.duration())
		f.ClientRegion, f.Step = d.str(c), d.str(c)
		f.Err = ErrorKind(min(c.byte(), byte(ErrOther)))
		f.Status = int(min(c.uvarint(), 1<<20))
		return f
	})
}

func (d *decoder) writes(p []byte) error {
	return timedList(d, p, "writes", 4, &d.out.Writes, func(c *cursor, at time.Time) AckedWrite {
		w := AckedWrite{Acked: at, ID: c.bytes()}
		w.Region, w.ClientRegion = d.str(c), d.str(c)
		return w
	})
}

func (d *decoder) readbacks(p []byte) error {
	return timedList(d, p, "readbacks", 6, &d.out.Readbacks, func(c *cursor, at time.Time) Readback {
		r := Readback{Time: at, ID: c.bytes()}
		r.Region = d.str(c)
		r.Found = c.byte() == 1
		r.Phase, r.Fault = d.str(c), d.str(c)
		return r
	})
}

// finish sorts every slice of the run into its canonical order.
func (d *decoder) finish() {
	sortRun(d.out)
}
