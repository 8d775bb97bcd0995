package results

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"sort"
	"time"
)

// FileName is the results stream's file name inside a run's output directory.
const FileName = "results.stream"

// Schema is the Header.Schema of the streams this package writes.
const Schema = "slocheck/results/v1"

// The stream's format version (docs/results-stream.md). A reader rejects a
// major version it does not know; a minor version only adds record kinds and
// trailing payload fields, which older readers skip.
const (
	VersionMajor = 1
	VersionMinor = 2 // 1.1 added health and threshold records; 1.2 lag records (kind 14) and the header's labels, role, segment and merge
)

// Bounds that keep a reader's memory proportional to its input, whatever the
// input holds.
const (
	MaxRecordSize = 1 << 20 // payload bytes of one record
	MaxString     = 1 << 10 // bytes of one string (names, write ids)
	MaxStrings    = 1 << 16 // string table entries per stream
	MaxInterval   = 24 * time.Hour
	MinInterval   = time.Millisecond
)

// DefaultInterval is the interval record length when a header names none
// (and the one the runner writes): what a planner sizing a run counts in.
const DefaultInterval = time.Second

// magic opens every stream: a non-ASCII first byte, a name, and the line
// endings that text-mode transfers would mangle (as PNG's signature does).
var magic = [8]byte{0x89, 'S', 'L', 'O', '\r', '\n', 0x1a, '\n'}

// preambleSize is magic plus the major and minor version bytes.
const preambleSize = len(magic) + 2

// Record kinds. Values are part of the format: append, never renumber.
const (
	kindHeader    byte = 1  // JSON Header; the first record
	kindString    byte = 2  // one string table entry
	kindInterval  byte = 3  // one Interval
	kindFailures  byte = 4  // a batch of Failures
	kindEvent     byte = 5  // JSON Event
	kindWrites    byte = 6  // a batch of AckedWrites
	kindReadbacks byte = 7  // a batch of Readbacks
	kindTrailer   byte = 8  // JSON Trailer; the last record
	kindHealth    byte = 9  // JSON Health (since 1.1)
	kindThreshold byte = 10 // JSON Threshold (since 1.1)
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// encoder frames records into out. It owns the string table, so one encoder
// writes one stream. It is not safe for concurrent use.
type encoder struct {
	out      []byte
	payload  []byte
	strs     map[string]uint64
	started  time.Time
	interval time.Duration
}

func newEncoder(h *Header) *encoder {
	return &encoder{strs: make(map[string]uint64), started: h.Started, interval: h.Interval.Std()}
}

// preamble appends the magic, the version and the header record.
func (e *encoder) preamble(h *Header) error {
	e.out = append(e.out, magic[:]...)
	e.out = append(e.out, VersionMajor, VersionMinor)
	return e.jsonRecord(kindHeader, h)
}

// frame appends the record held in e.payload: kind, length, payload, CRC-32C
// of kind and payload.
func (e *encoder) frame(kind byte) {
	e.out = append(e.out, kind)
	e.out = binary.AppendUvarint(e.out, uint64(len(e.payload)))
	e.out = append(e.out, e.payload...)
	crc := crc32.Update(crc32.Update(0, crcTable, []byte{kind}), crcTable, e.payload)
	e.out = binary.LittleEndian.AppendUint32(e.out, crc)
	e.payload = e.payload[:0]
}

func (e *encoder) jsonRecord(kind byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode record %d: %w", kind, err)
	}
	if len(b) > MaxRecordSize {
		return fmt.Errorf("encode record %d: %d bytes exceed %d", kind, len(b), MaxRecordSize)
	}
	e.payload = append(e.payload[:0], b...)
	e.frame(kind)
	return nil
}

// ref returns the string table reference of s (0 is ""), appending a string
// record to out first when s is new. It is called while a payload is being
// built, so the string record precedes the record that uses it.
func (e *encoder) ref(s string) uint64 {
	if s == "" {
		return 0
	}
	if id, ok := e.strs[s]; ok {
		return id
	}
	if len(s) > MaxString {
		s = s[:MaxString]
		if id, ok := e.strs[s]; ok {
			return id
		}
	}
	id := uint64(len(e.strs) + 1)
	e.strs[s] = id
	// Frame the string record without disturbing the payload being built.
	e.out = append(e.out, kindString)
	e.out = binary.AppendUvarint(e.out, uint64(len(s)))
	e.out = append(e.out, s...)
	crc := crc32.Update(crc32.Update(0, crcTable, []byte{kindString}), crcTable, []byte(s))
	e.out = binary.LittleEndian.AppendUint32(e.out, crc)
	return id
}

func (e *encoder) uvarint(v uint64) { e.payload = binary.AppendUvarint(e.payload, v) }
func (e *encoder) varint(v int64)   { e.payload = binary.AppendVarint(e.payload, v) }
func (e *encoder) str(s string)     { e.uvarint(e.ref(s)) }

func (e *encoder) bytes(s string) {
	if len(s) > MaxString {
		s = s[:MaxString]
	}
	e.uvarint(uint64(len(s)))
	e.payload = append(e.payload, s...)
}

// offset is t as nanoseconds since the header's start.
func (e *encoder) offset(t time.Time) int64 { return int64(t.Sub(e.started)) }

// intervalRecord appends one interval. iv.Start must lie on the interval grid
// (Header.Started + k·Interval); it is truncated onto it.
func (e *encoder) intervalRecord(iv *Interval) {
	e.varint(floorDiv(e.offset(iv.Start), int64(e.interval)))
	e.str(iv.ClientRegion)
	e.str(iv.Step)
	var mask uint64
	for k, c := range iv.Counts {
		if c != 0 {
			mask |= 1 << k
		}
	}
	e.uvarint(mask)
	for _, c := range iv.Counts {
		if c != 0 {
			e.uvarint(c)
		}
	}
	e.uvarint(iv.TooSlow)
	e.servedBy(iv.ServedBy)
	e.histogram(iv)
	e.frame(kindInterval)
}

func (e *encoder) servedBy(m map[string]uint64) {
	names := make([]string, 0, len(m))
	for n, c := range m {
		if c != 0 {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	e.uvarint(uint64(len(names)))
	for _, n := range names {
		e.str(n)
		e.uvarint(m[n])
	}
}

// histogram appends the populated buckets in ascending value order, each as
// its value's distance from the previous bucket's (the first from 0), shifted
// left one bit; the low bit set means a count of 1, else the count follows.
// Each value is its bucket's lowest equivalent value.
func (e *encoder) histogram(iv *Interval) {
	h := iv.Packed
	if h == nil && iv.Latency != nil {
		h = NewPackedLatencyHistogram()
		h.MergeFrom(iv.Latency)
	}
	if h == nil {
		e.uvarint(0)
		return
	}
	e.uvarint(uint64(h.Populated()))
	var prev int64
	for v, c := range h.ForEachBucket {
		if d := uint64(v-prev) << 1; c == 1 {
			e.uvarint(d | 1)
		} else {
			e.uvarint(d)
			e.uvarint(uint64(c))
		}
		prev = v
	}
}

// Batch sizes that keep a batch record under MaxRecordSize (a failure takes at
// most 40 bytes, a write or read-back at most MaxString+40).
const (
	failureBatch = 4096
	writeBatch   = 512
)

// failures appends fs as batch records, in the order given.
func (e *encoder) failures(fs []Failure) {
	for len(fs) > 0 {
		n := min(len(fs), failureBatch)
		e.failuresRecord(fs[:n])
		fs = fs[n:]
	}
}

// writes appends ws as batch records.
func (e *encoder) writes(ws []AckedWrite) {
	for len(ws) > 0 {
		n := min(len(ws), writeBatch)
		e.writesRecord(ws[:n])
		ws = ws[n:]
	}
}

// readbacks appends rs as batch records.
func (e *encoder) readbacks(rs []Readback) {
	for len(rs) > 0 {
		n := min(len(rs), writeBatch)
		e.readbacksRecord(rs[:n])
		rs = rs[n:]
	}
}

// failuresRecord appends one batch of failures; times are delta-coded, so a
// batch sorted by time is smallest.
func (e *encoder) failuresRecord(fs []Failure) {
	e.uvarint(uint64(len(fs)))
	prev := int64(0)
	for i := range fs {
		f := &fs[i]
		t := e.offset(f.Time)
		e.varint(t - prev)
		prev = t
		e.varint(int64(f.Time.Sub(f.Intended)))
		e.str(f.ClientRegion)
		e.str(f.Step)
		e.payload = append(e.payload, byte(f.Err))
		e.uvarint(uint64(max(f.Status, 0)))
	}
	e.frame(kindFailures)
}

func (e *encoder) writesRecord(ws []AckedWrite) {
	e.uvarint(uint64(len(ws)))
	prev := int64(0)
	for i := range ws {
		w := &ws[i]
		t := e.offset(w.Acked)
		e.varint(t - prev)
		prev = t
		e.bytes(w.ID)
		e.str(w.Region)
		e.str(w.ClientRegion)
	}
	e.frame(kindWrites)
}

func (e *encoder) readbacksRecord(rs []Readback) {
	e.uvarint(uint64(len(rs)))
	prev := int64(0)
	for i := range rs {
		r := &rs[i]
		t := e.offset(r.Time)
		e.varint(t - prev)
		prev = t
		e.bytes(r.ID)
		e.str(r.Region)
		var found byte
		if r.Found {
			found = 1
		}
		e.payload = append(e.payload, found)
		e.str(r.Phase)
		e.str(r.Fault)
	}
	e.frame(kindReadbacks)
}

// floorDiv is a/b rounded towards minus infinity (b > 0).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
