//go:build linux

package driver

// evTimers is a loop's timer heap, earliest first. Typed rather than
// container/heap's: its Push and Pop take and return an interface, which
// boxed (allocated) every request's deadline.
type evTimers []evTimer

// push adds t.
func (h *evTimers) push(t evTimer) {
	*h = append(*h, t)
	h.up(len(*h) - 1)
}

// pop removes and returns the earliest timer; h must not be empty.
func (h *evTimers) pop() evTimer {
	old := *h
	n := len(old) - 1
	t := old[0]
	old[0] = old[n]
	old[n] = evTimer{} // no task kept alive by the spare capacity
	*h = old[:n]
	h.down(0)
	return t
}

// init restores the heap order after the slice was changed in place.
func (h evTimers) init() {
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

func (h evTimers) up(j int) {
	for j > 0 {
		i := (j - 1) / 2
		if h[i].at <= h[j].at {
			return
		}
		h[i], h[j] = h[j], h[i]
		j = i
	}
}

func (h evTimers) down(i int) {
	n := len(h)
	for {
		j := 2*i + 1
		if j >= n {
			return
		}
		if r := j + 1; r < n && h[r].at < h[j].at {
			j = r
		}
		if h[i].at <= h[j].at {
			return
		}
		h[i], h[j] = h[j], h[i]
		i = j
	}
}
