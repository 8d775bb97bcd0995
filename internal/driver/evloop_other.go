//go:build !linux

package driver

import "context"

// runEvloops: the event loops are Linux-only; elsewhere the workers run
// every schedule.
func (r *runner) runEvloops(context.Context) (Stats, bool) { return Stats{}, false }
