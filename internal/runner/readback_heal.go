package runner

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/internal/slo"
	"github.com/slocheck/slocheck/results"
)

// afterHeal stops the readers (the heals did already, unless the run ended
// first), waits until the last heal has settled, then reads again each
// fault's absent writes and its tail, newest first, within afterHealBudget.
// Ctrl-C (ctx) cancels the wait and the reads: what is not re-read stays
// unsettled, and the RPO says so. One note per fault sums it up.
func (r *readbacker) afterHeal(ctx context.Context, recs []chaos.Record) {
	r.mu.Lock()
	readers := slices.Clone(r.readers)
	r.mu.Unlock()
	if len(readers) == 0 {
		return
	}
	healed := map[string]time.Time{}
	var last time.Time
	for _, rec := range recs {
		healed[rec.Spec.Name] = rec.Healed
		if rec.Healed.After(last) {
			last = rec.Healed
		}
	}
	for _, fr := range readers {
		fr.halt()
		<-fr.done
		fr.collectTail(healed[fr.fault])
	}
	t := time.NewTimer(time.Until(last.Add(healSettle + r.allowance)))
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	rctx, cancel := context.WithTimeout(ctx, afterHealBudget)
	defer cancel()
	for _, fr := range readers {
		if ctx.Err() == nil {
			fr.reread(rctx)
		}
		r.rec.RecordEvent(results.Event{Time: time.Now(), Kind: results.EventNote, Fault: fr.fault, Detail: fr.summary(ctx.Err() != nil)})
	}
}

// collectTail adds to the tail the candidates the reader never took from
// the sink that the heal caught within their allowance (acknowledged from
// the allowance before the heal began until the heal); older ones it never
// took stay unread. Called once the reader is done.
func (fr *faultReader) collectTail(healed time.Time) {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	news, n := fr.rb.sk.writesFrom(fr.next)
	fr.next = n
	end := healed
	if end.IsZero() {
		end = time.Now()
	}
	for _, w := range news {
		if w.Region != fr.region || w.Acked.Before(fr.lookFrom) || !w.Acked.Before(end) {
			continue
		}
		fr.counts.candidates++
		if !fr.healAt.IsZero() && w.Acked.Add(fr.rb.allowance).After(fr.healAt) {
			fr.tail = append(fr.tail, w)
		}
	}
}

// reread reads the absent writes and the tail again, after the heal.
func (fr *faultReader) reread(ctx context.Context) {
	fr.mu.Lock()
	writes := append(slices.Clone(fr.absent), fr.tail...)
	lat := fr.fastest.get(time.Now())
	fr.mu.Unlock()
	slices.SortFunc(writes, func(a, b results.AckedWrite) int { return b.Acked.Compare(a.Acked) }) // newest first
	late, lost := fr.rb.readMany(ctx, writes, fr.from, fr.fault, lat)
	fr.mu.Lock()
	fr.counts.reread, fr.counts.late, fr.counts.lost = len(writes), late, lost
	fr.mu.Unlock()
}

// summary is the fault's read-back note.
func (fr *faultReader) summary(interrupted bool) string {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	c := fr.counts
	s := fmt.Sprintf("read-back of %s from %s: %d candidates (acknowledged by %s from %s before the injection until the heal), "+
		"%d read during the fault (%d absent; the last %.1f s after the injection), %d caught by the heal before their first read; "+
		"up to %d workers, %.1f ms a read on average",
		fr.fault, fr.from, c.candidates, fr.region, fr.rb.lookback, c.read, len(fr.absent), max(0, fr.lastRead.Sub(fr.injected).Seconds()),
		len(fr.tail), c.peakWorkers, fr.lat*1000)
	if interrupted {
		return s + "; interrupted before the after-heal read"
	}
	return s + fmt.Sprintf("; after the heal: %d found, %d not found of %d read again", c.late, c.lost, c.reread)
}

// readMany reads writes from region (phase after-heal), newest first, with
// workersFor's parallelism, and returns how many were found and not found;
// a write whose reads all failed counts as neither.
func (r *readbacker) readMany(ctx context.Context, writes []results.AckedWrite, region, fault string, lat time.Duration) (found, absent int) {
	next := make(chan results.AckedWrite)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range min(len(writes), workersFor(len(writes), 0, lat)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer r.recover()
			for w := range next {
				ok, err := r.readTries(ctx, w.ID, region)
				if err != nil {
					continue
				}
				r.rec.RecordReadback(results.Readback{ID: w.ID, Region: region, Time: time.Now(), Found: ok, Phase: slo.PhaseAfterHeal, Fault: fault})
				mu.Lock()
				if ok {
					found++
				} else {
					absent++
				}
				mu.Unlock()
			}
		}()
	}
	for _, w := range writes {
		if ctx.Err() != nil {
			break
		}
		next <- w
	}
	close(next)
	wg.Wait()
	return found, absent
}

// readTries reads id up to readbackTries times while the reads err.
func (r *readbacker) readTries(ctx context.Context, id, region string) (found bool, err error) {
	for range readbackTries {
		if found, err = r.read(ctx, id, region); err == nil || ctx.Err() != nil {
			return found, err
		}
	}
	return found, err
}

// read asks region for write id: found on 200, absent on 404, an error
// otherwise. One read-back, two readers: with target.cosmos it reads Cosmos
// DB itself through the client pinned to region; otherwise it fills the
// HTTP template.
func (r *readbacker) read(ctx context.Context, id, region string) (bool, error) {
	if r.tgt.cosmosReader != nil {
		return r.tgt.cosmosReader.Read(ctx, id, region)
	}
	u := strings.NewReplacer("{id}", url.PathEscape(id), "{region}", url.QueryEscape(region)).Replace(r.tgt.readback)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return false, err
	}
	r.tgt.authorize(req)
	resp, err := r.client.Do(req)
	if err != nil {
		return false, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // read to the end, so the connection is kept
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		return true, nil
	case http.StatusNotFound:
		return false, nil
	}
	return false, fmt.Errorf("GET %s: %s", u, resp.Status)
}
