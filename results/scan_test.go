package results

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"testing"
)

// scanned is what Scan hands its callback, kept: each record's copy.
type scanned struct{ ivs []Interval }

func (s *scanned) add(iv *Interval) error {
	c := *iv
	c.Packed, c.ServedBy = iv.Packed.Clone(), maps.Clone(iv.ServedBy)
	s.ivs = append(s.ivs, c)
	return nil
}

// asRead combines and sorts the records as Read does.
func (s *scanned) asRead(run *Run) *Run {
	out := *run
	out.Intervals = nil
	at := map[string]int{}
	for _, iv := range s.ivs {
		k := fmt.Sprint(iv.Start.UnixNano(), iv.ClientRegion, "\x00", iv.Step)
		if i, ok := at[k]; ok {
			combine(&out.Intervals[i], &iv)
			continue
		}
		at[k] = len(out.Intervals)
		iv.Packed, iv.ServedBy = iv.Packed.Clone(), maps.Clone(iv.ServedBy) // combine adds to them
		out.Intervals = append(out.Intervals, iv)
	}
	sortRun(&out)
	return &out
}

// TestScanReadsWhatReadReads cuts a stream at every byte: Scan returns the
// Run Read returns, less its intervals, which went to the callback (the
// same, once combined), and the same error; ScanIntervals of the bytes Scan
// read hands over the same records.
func TestScanReadsWhatReadReads(t *testing.T) {
	b := sampleStream(t)
	for cut := len(magic) + 2; cut <= len(b); cut++ {
		want, rerr := Read(bytes.NewReader(b[:cut]))
		var s scanned
		got, serr := Scan(bytes.NewReader(b[:cut]), s.add)
		if fmt.Sprint(serr) != fmt.Sprint(rerr) || (got == nil) != (want == nil) {
			t.Fatalf("cut %d: Scan gives %v, Read %v", cut, serr, rerr)
		}
		if got == nil {
			continue
		}
		if len(got.Intervals) != 0 {
			t.Fatalf("cut %d: Scan kept %d intervals", cut, len(got.Intervals))
		}
		if d := diffRuns(s.asRead(got), want); d != "" {
			t.Fatalf("cut %d: %s", cut, d)
		}
		size := int64(0)
		var te *TruncatedError
		if errors.As(serr, &te) {
			size = te.Offset
		}
		var again scanned
		if err := ScanIntervals(bytes.NewReader(b), size, again.add); err != nil {
			t.Fatalf("cut %d: the second pass over the whole stream to byte %d: %v", cut, size, err)
		}
		if d := diffRuns(again.asRead(got), s.asRead(got)); d != "" {
			t.Fatalf("cut %d: the second pass: %s", cut, d)
		}
	}
}

// TestScanReturnsTheCallbacksError: an error of the callback stops the read
// and comes back as it is, not as a damaged stream.
func TestScanReturnsTheCallbacksError(t *testing.T) {
	stop := errors.New("enough")
	n := 0
	_, err := Scan(bytes.NewReader(sampleStream(t)), func(*Interval) error {
		n++
		return stop
	})
	if err != stop || n != 1 {
		t.Fatalf("Scan returned %v after %d records, want the callback's error after 1", err, n)
	}
	if err := ScanIntervals(bytes.NewReader(sampleStream(t)), 0, func(*Interval) error { return stop }); err != stop {
		t.Fatalf("ScanIntervals returned %v, want the callback's error", err)
	}
}
