package results

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzRead: the reader never panics or loops on any input; what it returns
// is consistent with its error; and whatever it decoded encodes and reads
// back the same. Seeds are real streams, whole, cut and merged.
func FuzzRead(f *testing.F) {
	stream := sampleStream(f)
	f.Add(stream)
	f.Add(stream[:len(stream)/2])
	f.Add(stream[:preambleSize+5])
	m, err := Merge(mustRead(f, stream), mustRead(f, stream))
	if err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, m); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		run, err := Read(bytes.NewReader(in))
		var te *TruncatedError
		switch {
		case run == nil:
			if err == nil || errors.As(err, &te) {
				t.Fatalf("nil run with %v", err)
			}
			return
		case err == nil && run.Trailer == nil:
			t.Fatal("no error and no trailer")
		case err != nil && (!errors.As(err, &te) || run.Trailer != nil || te.Offset > int64(len(in))):
			t.Fatalf("run with error %v", err)
		}
		var out bytes.Buffer
		if err := Write(&out, run); err != nil {
			t.Fatalf("write decoded run: %v", err)
		}
		again, _ := Read(bytes.NewReader(out.Bytes()))
		if again == nil {
			t.Fatal("re-encoded run unreadable")
		}
		if d := diffRuns(run, again); d != "" {
			t.Fatalf("re-encoded run differs: %s", d)
		}
	})
}
