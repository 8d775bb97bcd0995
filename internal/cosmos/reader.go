package cosmos

import (
	"context"
	"time"
)

// Reader reads acknowledged orders back from Cosmos DB itself, through the
// client pinned to the region asked for: the RPO read-back's reader for a
// scenario's target.cosmos (the HTTP template is the other). Reads of one
// region run at most maxParallel at once, each within timeout.
type Reader struct {
	acc     *Account
	timeout time.Duration
	slots   map[string]chan struct{}
}

// NewReader returns a reader over acc's regions.
func NewReader(acc *Account, maxParallel int, timeout time.Duration) *Reader {
	r := &Reader{acc: acc, timeout: timeout, slots: map[string]chan struct{}{}}
	for _, reg := range acc.regions {
		r.slots[reg] = make(chan struct{}, max(1, maxParallel))
	}
	return r
}

// Read reports whether document id is in region: found, absent (404), or
// an error (a timeout, a throttled or failed request), which the read-back
// tries again.
func (r *Reader) Read(ctx context.Context, id, region string) (bool, error) {
	slot := r.slots[region]
	if slot != nil {
		select {
		case slot <- struct{}{}:
			defer func() { <-slot }()
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
	_, found, err := r.acc.readItem(ctx, region, id, false, r.timeout)
	return found, err
}
