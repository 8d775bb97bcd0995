package runner

import (
	"io"

	"github.com/slocheck/slocheck/internal/driver"

	"github.com/slocheck/slocheck/results"
)

// hooks let tests reach inside a run's goroutines (to panic or stall there).
// Every field may be nil; production runs have none.
type hooks struct {
	outcome     func(*results.Outcome) // in sink.Outcome: a driver worker or event loop
	sample      func()                 // in the sink's sample loop
	health      func()                 // in the health sampler's loop
	emit        func(results.Event)    // in the chaos runner's Emit
	streamWrite func([]byte)           // before each write of the results stream (the recorder's ticker among others)
	readback    func()                 // in a read-back worker, before each read
	drop        func(driver.Drop)      // in sink.Dropped: a batch of requests dropped in bulk
	lag         func()                 // in the lag probe's writer, before each marker write
}

// hookWriter calls a hook before each write.
type hookWriter struct {
	w    io.Writer
	hook func([]byte)
}

func (h hookWriter) Write(p []byte) (int, error) {
	h.hook(p)
	return h.w.Write(p)
}

// streamWriter is the results stream's file, behind the tests' hook.
func streamWriter(f io.Writer, h *hooks) io.Writer {
	if h.streamWrite == nil {
		return f
	}
	return hookWriter{f, h.streamWrite}
}
