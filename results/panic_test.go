package results

import (
	"bytes"
	"sync/atomic"
	"testing"
	"time"
)

// panicOnce is a stream writer that panics on its first write once armed.
type panicOnce struct {
	syncBuffer
	armed atomic.Bool
}

func (w *panicOnce) Write(p []byte) (int, error) {
	if w.armed.CompareAndSwap(true, false) {
		panic("boom in the stream writer")
	}
	return w.syncBuffer.Write(p)
}

// A panic in the ticker's flush goes to the panic handler, not the process;
// Close still writes what the recorder held and the trailer.
func TestTickerPanicHandedOver(t *testing.T) {
	h := testHeader()
	h.Started = time.Now()
	h.Interval = Duration(20 * time.Millisecond)
	w := &panicOnce{}
	got := make(chan any, 1)
	r, err := NewRecorder(h, w, WithFlushLag(5*time.Millisecond), WithPanicHandler(func(v any) { got <- v }))
	if err != nil {
		t.Fatal(err)
	}
	w.armed.Store(true) // the header is written: the next write is the ticker's
	o := Outcome{ClientRegion: "eastus", Step: "cart", Intended: time.Now(), Status: 200}
	o.End = o.Intended.Add(time.Millisecond)
	r.Record(&o)
	select {
	case v := <-got:
		if v != "boom in the stream writer" {
			t.Errorf("handler got %v", v)
		}
	case <-time.After(10 * time.Second): // the interval is due 25 ms after the start
		t.Fatal("the ticker's panic never reached the handler")
	}
	if err := r.Close(Trailer{Reason: "error: panic"}); err != nil {
		t.Fatalf("close: %v", err)
	}
	run, err := Read(bytes.NewReader(w.Bytes()))
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if n := requests(run); n != 1 {
		t.Errorf("requests in the stream = %d, want 1", n)
	}
	if run.Trailer == nil || run.Trailer.Reason != "error: panic" {
		t.Errorf("trailer = %+v", run.Trailer)
	}
}
