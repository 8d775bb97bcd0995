package results

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// ErrNotStream is returned for input that does not start with the stream's
// magic bytes.
var ErrNotStream = errors.New("not a slocheck results stream")

// ErrNoTrailer is a TruncatedError's cause when the stream ended cleanly
// between two records but without its trailer: the writer stopped (a crash)
// right after a flush.
var ErrNoTrailer = errors.New("stream ended without a trailer")

// TruncatedError reports a stream that ended before its trailer, or whose
// tail could not be decoded. Read returns it together with a Run holding
// every record before Offset; callers may treat it as non-fatal (the run
// crashed; its data so far is good).
type TruncatedError struct {
	Offset  int64 // stream bytes decoded: the cut or the first bad record starts here
	Records int   // records decoded, the header included
	Err     error // io.ErrUnexpectedEOF (cut inside a record), ErrNoTrailer, or what was wrong
}

// Error says where the stream stopped and why.
func (e *TruncatedError) Error() string {
	return fmt.Sprintf("results stream truncated at byte %d after %d records: %v", e.Offset, e.Records, e.Err)
}

// Unwrap returns the cause.
func (e *TruncatedError) Unwrap() error { return e.Err }

// ReadFile reads the stream in the file at path (see Read).
func ReadFile(path string) (*Run, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	defer f.Close()
	run, err := Read(f)
	if err != nil {
		return run, fmt.Errorf("read %s: %w", path, err)
	}
	return run, nil
}

// Read decodes a whole stream. Intervals with the same start, client region
// and step are combined into one; every slice of the Run is sorted by time.
//
// A stream cut anywhere after its header (a crash) or with a damaged tail
// gives the Run decoded so far, with a nil Trailer, and a *TruncatedError.
// Input that is not a stream, or has no complete header, gives a nil Run and
// an error. Memory stays proportional to the input size, whatever it holds.
func Read(r io.Reader) (*Run, error) {
	d := &decoder{br: bufio.NewReaderSize(r, 64<<10), ivIndex: make(map[ivKey]int)}
	err := d.run()
	if d.out == nil {
		return nil, err
	}
	d.finish()
	return d.out, err
}

type ivKey struct {
	k            int64
	region, step uint64
}

type decoder struct {
	br       *bufio.Reader
	off      int64 // offset of the record being decoded
	records  int
	buf      []byte
	strs     []string
	out      *Run
	started  time.Time
	interval time.Duration
	maxK     int64
	ivIndex  map[ivKey]int
	scratch  *hdrhistogram.PackedHistogram
	scan     *scanning // set by Scan and ScanIntervals (scan.go)
}

// run decodes the preamble and then records until the trailer or an error.
func (d *decoder) run() error {
	if err := d.preamble(); err != nil {
		return err
	}
	for {
		if d.scan.reached(d.off) {
			return nil
		}
		kind, payload, size, err := d.next()
		if err == nil {
			err = d.decode(kind, payload)
		}
		if err != nil {
			if d.scan != nil && d.scan.err != nil {
				return d.scan.err // the caller's own
			}
			if d.out == nil {
				return fmt.Errorf("results stream header: %w", err)
			}
			return &TruncatedError{Offset: d.off, Records: d.records, Err: err}
		}
		d.off += size
		d.records++
		if kind == kindTrailer {
			return nil
		}
	}
}

func (d *decoder) preamble() error {
	var p [preambleSize]byte
	n, err := io.ReadFull(d.br, p[:])
	if !bytes.Equal(p[:min(n, len(magic))], magic[:min(n, len(magic))]) {
		return ErrNotStream
	}
	if err != nil {
		return fmt.Errorf("results stream preamble: %w", io.ErrUnexpectedEOF)
	}
	if p[len(magic)] != VersionMajor {
		return fmt.Errorf("results stream version %d.%d: this reader knows version %d", p[len(magic)], p[len(magic)+1], VersionMajor)
	}
	d.off = int64(preambleSize)
	return nil
}

// next reads one framed record and checks its CRC. It returns io.EOF only at
// a record boundary.
func (d *decoder) next() (kind byte, payload []byte, size int64, err error) {
	kind, err = d.br.ReadByte()
	if err == io.EOF {
		return 0, nil, 0, ErrNoTrailer
	}
	if err != nil {
		return 0, nil, 0, err
	}
	n, err := binary.ReadUvarint(d.br)
	if err != nil {
		return 0, nil, 0, eofIsUnexpected(err)
	}
	if n > MaxRecordSize {
		return 0, nil, 0, fmt.Errorf("record of %d bytes exceeds %d", n, MaxRecordSize)
	}
	if cap(d.buf) < int(n)+4 {
		d.buf = make([]byte, int(n)+4)
	}
	b := d.buf[:int(n)+4]
	if _, err := io.ReadFull(d.br, b); err != nil {
		return 0, nil, 0, eofIsUnexpected(err)
	}
	payload = b[:n]
	crc := crc32.Update(crc32.Update(0, crcTable, []byte{kind}), crcTable, payload)
	if crc != binary.LittleEndian.Uint32(b[n:]) {
		return 0, nil, 0, fmt.Errorf("record kind %d: checksum mismatch", kind)
	}
	size = 1 + int64(uvarintLen(n)) + int64(n) + 4
	return kind, payload, size, nil
}

func eofIsUnexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func uvarintLen(v uint64) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], v)
}

// decode adds one record's content to the run.
func (d *decoder) decode(kind byte, p []byte) error {
	if d.out == nil {
		if kind != kindHeader {
			return fmt.Errorf("first record is kind %d, want the header", kind)
		}
		return d.header(p)
	}
	if d.scan.skips(kind) {
		return nil
	}
	switch kind {
	case kindHeader:
		return errors.New("a second header")
	case kindString:
		return d.string(p)
	case kindInterval:
		return d.intervalRecord(p)
	case kindFailures:
		return d.failures(p)
	case kindEvent:
		return d.event(p)
	case kindWrites:
		return d.writes(p)
	case kindReadbacks:
		return d.readbacks(p)
	case kindTrailer:
		return d.trailer(p)
	case kindHealth:
		return jsonInto(p, "health", &d.out.Health)
	case kindThreshold:
		return jsonInto(p, "threshold", &d.out.Thresholds)
	case kindLag:
		return jsonInto(p, "lag", &d.out.Lags)
	}
	return nil // a kind from a newer minor version: skipped
}

func (d *decoder) header(p []byte) error {
	var h Header
	if err := json.Unmarshal(p, &h); err != nil {
		return fmt.Errorf("header: %w", err)
	}
	iv := h.Interval.Std()
	if iv < MinInterval || iv > MaxInterval {
		return fmt.Errorf("header: interval %v outside [%v, %v]", iv, MinInterval, MaxInterval)
	}
	if h.Started.IsZero() {
		return errors.New("header: no start time")
	}
	d.started, d.interval = h.Started, iv
	d.maxK = int64(math.MaxInt64/4) / int64(iv)
	d.out = &Run{Header: h}
	return nil
}

func (d *decoder) string(p []byte) error {
	if len(d.strs) >= MaxStrings {
		return fmt.Errorf("more than %d strings", MaxStrings)
	}
	if len(p) > MaxString {
		return fmt.Errorf("string of %d bytes exceeds %d", len(p), MaxString)
	}
	d.strs = append(d.strs, string(p))
	return nil
}

func (d *decoder) event(p []byte) error {
	var e Event
	if err := json.Unmarshal(p, &e); err != nil {
		return fmt.Errorf("event: %w", err)
	}
	d.out.Events = append(d.out.Events, e)
	return nil
}

// jsonInto decodes one JSON record and appends it to list.
func jsonInto[T any](p []byte, what string, list *[]T) error {
	var v T
	if err := json.Unmarshal(p, &v); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	*list = append(*list, v)
	return nil
}

func (d *decoder) trailer(p []byte) error {
	var t Trailer
	if err := json.Unmarshal(p, &t); err != nil {
		return fmt.Errorf("trailer: %w", err)
	}
	d.out.Trailer = &t
	return nil
}

// at converts a nanosecond offset from the header's start to a time.
func (d *decoder) at(ns int64) time.Time { return d.started.Add(time.Duration(ns)) }
