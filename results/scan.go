package results

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
)

// Scan reads a stream as Read does but keeps none of its intervals: it hands
// each interval record to fn as it is decoded and returns the Run without
// Intervals. A reader that folds the intervals as they come (a two-pass
// evaluation) so needs memory that does not grow with the run's length.
//
// Unlike Read, Scan does not combine the records of one start, client region
// and step (fn sees each as written) and fn sees them in stream order. The
// Interval, its Packed histogram and its ServedBy map are lent to fn for the
// call only: the reader reuses them for the next record. An error fn returns stops the read
// and is returned as it is. Cut and damaged streams give what Read gives:
// the Run decoded so far and a *TruncatedError.
func Scan(r io.Reader, fn func(*Interval) error) (*Run, error) {
	d := &decoder{br: bufio.NewReaderSize(r, 64<<10), scan: &scanning{fn: fn}}
	err := d.run()
	if d.out == nil {
		return nil, err
	}
	d.finish()
	return d.out, err
}

// ScanIntervals is a second pass over a stream that Scan has read: it hands
// fn the interval records of the stream's first size bytes (a
// *TruncatedError's Offset; size <= 0 for all), in the order Scan did,
// decoding no other record but the header and the string table. A stream
// still being written thus gives the records the first pass saw, no more.
// A cut or damaged record within size bytes gives a *TruncatedError.
func ScanIntervals(r io.Reader, size int64, fn func(*Interval) error) error {
	d := &decoder{br: bufio.NewReaderSize(r, 64<<10), scan: &scanning{fn: fn, size: size, only: true}}
	return d.run()
}

// ScanFile is Scan of the file at path.
func ScanFile(path string, fn func(*Interval) error) (*Run, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	defer f.Close()
	run, err := Scan(f, fn)
	if err != nil {
		return run, fmt.Errorf("read %s: %w", path, err)
	}
	return run, nil
}

// ScanFileIntervals is ScanIntervals of the file at path.
func ScanFileIntervals(path string, size int64, fn func(*Interval) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read results: %w", err)
	}
	defer f.Close()
	if err := ScanIntervals(f, size, fn); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

// scanning is what a scan changes in the decoder; nil when reading a Run.
type scanning struct {
	fn   func(*Interval) error
	size int64 // stop at this offset (> 0)
	only bool  // decode intervals only (and the header and strings they need)
	err  error // fn's error

	servedBy map[string]uint64 // every record's ServedBy, reused
}

// reached reports whether the scan has read its size.
func (s *scanning) reached(off int64) bool { return s != nil && s.size > 0 && off >= s.size }

// skips reports whether the scan leaves records of kind undecoded.
func (s *scanning) skips(kind byte) bool {
	return s != nil && s.only && kind != kindInterval && kind != kindString && kind != kindHeader
}

func (s *scanning) interval(iv *Interval) error {
	s.err = s.fn(iv)
	return s.err
}

// FileScan reads the stream in a file in passes: First is ScanFile, Again
// ScanFileIntervals of the bytes First read (so a stream still being written
// gives every pass the same records). It is an internal/slo Stream.
type FileScan struct {
	Path string
	size int64 // the bytes First read when it stopped early (a cut); 0 for all
}

// First scans the file (ScanFile) and remembers how far it read.
func (f *FileScan) First(fn func(*Interval) error) (*Run, error) {
	run, err := ScanFile(f.Path, fn)
	var cut *TruncatedError
	if errors.As(err, &cut) {
		f.size = cut.Offset
	}
	return run, err
}

// Again hands fn the interval records First read, in the same order.
func (f *FileScan) Again(fn func(*Interval) error) error {
	return ScanFileIntervals(f.Path, f.size, fn)
}
