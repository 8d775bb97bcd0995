package runner

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/slocheck/slocheck/internal/cosmos"
	"github.com/slocheck/slocheck/internal/scenario"
	"github.com/slocheck/slocheck/results"
)

// lagProbeSettle is how long the lag probe keeps looking for its last
// markers after the run (on top of the embedded platform's replication lag).
const lagProbeSettle = 2 * time.Second

// startLagProbe starts s.LagProbe's probe over the embedded platform's
// stores or target.cosmos's clients, recording into rec; without lag_probe
// it does nothing. stop ends the writes, lets the last markers settle,
// records the unseen as lost and waits: call it after the heals, before the
// stream closes. It is idempotent. onPanic takes a panic of the probe's
// goroutines (the run's guard); hook, when set, runs in the probe before
// each marker write (tests).
func startLagProbe(ctx context.Context, s *scenario.Scenario, tgt *target, rec *results.Recorder, onPanic func(any), hook func()) (stop func()) {
	if s.LagProbe == nil {
		return func() {}
	}
	reps, settle, err := lagReplicas(tgt, s.LagProbe)
	if err != nil {
		rec.RecordEvent(results.Event{Time: time.Now(), Kind: results.EventNote, Detail: "lag probe not started: " + err.Error()})
		return func() {}
	}
	if hook != nil {
		for r, rep := range reps {
			reps[r] = hookedReplica{rep, hook}
		}
	}
	p := cosmos.NewProbe(reps, cosmos.ProbeConfig{Interval: s.LagProbe.Interval, Poll: s.LagProbe.Poll, TTL: s.LagProbe.TTL,
		RunID: strconv.FormatInt(time.Now().UnixMilli(), 36), Settle: settle, OnPanic: onPanic}, rec.RecordLag)
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Run(ctx)
	}()
	return sync.OnceFunc(func() {
		cancel()
		<-done
		why := "the region did not accept writes"
		if tgt.cosmos != nil && tgt.cosmos.Err() != nil {
			why = "not the region's doing: " + tgt.cosmos.Err().Error()
		}
		for region, n := range p.FailedWrites() {
			rec.RecordEvent(results.Event{Time: time.Now(), Kind: results.EventNote, Region: region,
				Detail: fmt.Sprintf("lag probe: %d marker writes in %s failed (%s)", n, region, why)})
		}
	})
}

// lagReplicas are the probe's regions: the embedded platform's stores, or
// target.cosmos's clients pinned to each region.
func lagReplicas(tgt *target, lp *scenario.LagProbe) (map[string]cosmos.Replica, time.Duration, error) {
	reps := map[string]cosmos.Replica{}
	switch {
	case tgt.platform != nil:
		for _, r := range tgt.regions {
			rep, err := tgt.platform.Replica(r)
			if err != nil {
				return nil, 0, err
			}
			reps[r] = rep
		}
		return reps, tgt.platform.Config().ReplicationLag + lagProbeSettle, nil
	case tgt.cosmos != nil:
		for _, r := range tgt.regions {
			rep, err := tgt.cosmos.Replica(r, min(lp.Interval, 2*time.Second))
			if err != nil {
				return nil, 0, err
			}
			reps[r] = rep
		}
		return reps, lagProbeSettle, nil
	}
	return nil, 0, fmt.Errorf("lag_probe needs the embedded platform or target.cosmos")
}

// hookedReplica runs the tests' hook before each marker write.
type hookedReplica struct {
	cosmos.Replica
	hook func()
}

func (h hookedReplica) WriteMarker(ctx context.Context, id string, ttl time.Duration) error {
	h.hook()
	return h.Replica.WriteMarker(ctx, id, ttl)
}
