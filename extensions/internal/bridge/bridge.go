// Package bridge turns k6's metric samples into the records of slocheck's
// results stream (DESIGN.md §3). It is the plain Go logic under the output
// `slocheck` and the JS module `k6/x/slocheck`: the names of the metrics and
// metadata the module emits, and the conversion the output applies. Nothing
// in it touches a k6 runtime, so it is tested with hand-made samples.
//
// What k6 measures differs from the Go driver in one way that matters: k6
// times a request from its actual send (http_req_duration is sending +
// waiting + receiving, without DNS, connect or TLS), not from the instant the
// arrival schedule intended. So an outcome's Intended is the sample's time
// minus its duration: a generator that falls behind shows up here as
// dropped_iterations (counted as dropped requests), not as latency.
package bridge

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.k6.io/k6/metrics"

	"github.com/slocheck/slocheck/results"
)

// The custom metrics the JS module emits and the output reads. Both are
// counters, so plain k6 outputs and the end-of-test summary count them too.
const (
	MetricWrites = "slocheck_acked_writes" // one sample per acknowledged write (metadata: MetaID, MetaRegion, MetaAcked)
	MetricEvents = "slocheck_fault_events" // one sample per fault event (metadata: MetaKind, MetaFault, …)
)

// Tags a script puts on its requests (the module's tags() helper does).
const (
	TagClientRegion = "client_region" // where the traffic comes from; a scenario tag
	TagStep         = "step"          // the journey step of a request
)

// Metadata keys of the module's samples (non-indexed: high cardinality).
const (
	MetaID       = "order_id"
	MetaRegion   = "region"
	MetaAcked    = "acked" // RFC 3339 with nanoseconds
	MetaKind     = "kind"
	MetaFault    = "fault"
	MetaInjector = "injector"
	MetaTarget   = "target"
	MetaMode     = "mode"
	MetaDetail   = "detail"
)

// EnvSteps is the per-scenario environment variable (a k6 scenario's `env`)
// naming the steps one iteration sends, comma-separated: a dropped iteration
// counts as that many dropped requests.
const EnvSteps = "SLOCHECK_STEPS"

// IterationStep is the step of a dropped iteration whose scenario does not
// name its steps.
const IterationStep = "iteration"

// OtherStep is the step of a request without a step tag.
const OtherStep = "request"

// Scenario is what the output knows of one k6 scenario from the script's
// options: dropped_iterations carry only the scenario's name.
type Scenario struct {
	ClientRegion string   // its client_region tag, else its name
	Steps        []string // from its SLOCHECK_STEPS env, else [IterationStep]
}

// ScenarioOf describes a scenario from its name, tags and env.
func ScenarioOf(name string, tags, env map[string]string) Scenario {
	sc := Scenario{ClientRegion: tags[TagClientRegion], Steps: []string{IterationStep}}
	if sc.ClientRegion == "" {
		sc.ClientRegion = name
	}
	var steps []string
	for s := range strings.SplitSeq(env[EnvSteps], ",") {
		if s = strings.TrimSpace(s); s != "" {
			steps = append(steps, s)
		}
	}
	if len(steps) > 0 {
		sc.Steps = steps
	}
	return sc
}

// Converter turns samples into outcomes. Its zero value works; Scenarios
// maps scenario names to what a dropped iteration of theirs stands for.
type Converter struct {
	Scenarios map[string]Scenario
}

// Request fills out from an http_req_duration sample and reports whether the
// sample is load: requests of setup() and teardown() are not.
func (c *Converter) Request(s *metrics.Sample, out *results.Outcome) bool {
	tags := s.Tags
	if g, _ := tags.Get("group"); strings.HasPrefix(g, "::setup") || strings.HasPrefix(g, "::teardown") {
		return false
	}
	end := s.Time
	intended := end.Add(-msToDuration(s.Value))
	*out = results.Outcome{
		ClientRegion: c.clientRegion(tags),
		Step:         tagOr(tags, TagStep, OtherStep),
		Intended:     intended,
		Sent:         intended,
		End:          end,
	}
	status, _ := tags.Get("status")
	out.Status, _ = strconv.Atoi(status)
	code, _ := tags.Get("error_code")
	errCode, _ := strconv.Atoi(code)
	out.Err = Classify(out.Status, errCode)
	return true
}

// Dropped calls emit once per request a dropped_iterations sample stands
// for: Value iterations times the scenario's steps, each intended at the
// sample's time (when the iteration was due and no VU was free).
func (c *Converter) Dropped(s *metrics.Sample, out *results.Outcome, emit func(*results.Outcome)) {
	name, _ := s.Tags.Get("scenario")
	sc, ok := c.Scenarios[name]
	if !ok {
		sc = ScenarioOf(name, nil, nil)
	}
	if cr, ok := s.Tags.Get(TagClientRegion); ok && cr != "" {
		sc.ClientRegion = cr
	}
	for range max(int(s.Value), 0) {
		for _, step := range sc.Steps {
			*out = results.Outcome{ClientRegion: sc.ClientRegion, Step: step, Intended: s.Time, Err: results.ErrDropped}
			emit(out)
		}
	}
}

func (c *Converter) clientRegion(tags *metrics.TagSet) string {
	if cr, ok := tags.Get(TagClientRegion); ok && cr != "" {
		return cr
	}
	name, _ := tags.Get("scenario")
	if sc, ok := c.Scenarios[name]; ok {
		return sc.ClientRegion
	}
	return name
}

func tagOr(tags *metrics.TagSet, name, def string) string {
	if v, ok := tags.Get(name); ok && v != "" {
		return v
	}
	return def
}

// msToDuration converts k6's millisecond trend value to a duration.
func msToDuration(ms float64) time.Duration {
	return time.Duration(math.Round(ms * float64(time.Millisecond)))
}

// k6's error codes (lib/netext/httpext/error_codes.go) that map to a kind of
// DESIGN.md §2 other than "other".
const (
	codeRequestTimeout = 1050
	codeBrokenPipe     = 1201
	codeDialTimeout    = 1211
	codeDialRefused    = 1212
	codeResetByPeer    = 1220
)

// Classify maps a k6 request's status and error_code tags to an error kind.
// k6 sets error_code to the status for 4xx and 5xx answers, and to a 1xxx
// code for transport errors (status 0).
func Classify(status, errorCode int) results.ErrorKind {
	switch {
	case status >= 500 || status == 429:
		return results.Err5xx
	case status >= 400:
		return results.Err4xx
	case status > 0:
		return results.ErrNone
	}
	switch errorCode {
	case codeRequestTimeout, codeDialTimeout:
		return results.ErrTimeout
	case codeDialRefused:
		return results.ErrRefused
	case codeResetByPeer, codeBrokenPipe:
		return results.ErrReset
	}
	return results.ErrOther
}

// Write decodes an acknowledged write from a MetricWrites sample.
func Write(s *metrics.Sample) (results.AckedWrite, error) {
	w := results.AckedWrite{ID: s.Metadata[MetaID], Region: s.Metadata[MetaRegion]}
	w.ClientRegion, _ = s.Tags.Get(TagClientRegion)
	if w.ID == "" {
		return w, fmt.Errorf("%s sample without %s", MetricWrites, MetaID)
	}
	w.Acked = s.Time
	if a := s.Metadata[MetaAcked]; a != "" {
		t, err := time.Parse(time.RFC3339Nano, a)
		if err != nil {
			return w, fmt.Errorf("%s sample: acked %q: %w", MetricWrites, a, err)
		}
		w.Acked = t
	}
	return w, nil
}

// WriteMetadata is the metadata of a MetricWrites sample for w.
func WriteMetadata(w results.AckedWrite) map[string]string {
	return map[string]string{MetaID: w.ID, MetaRegion: w.Region, MetaAcked: w.Acked.Format(time.RFC3339Nano)}
}

// Event decodes a fault event from a MetricEvents sample; its time is the
// sample's.
func Event(s *metrics.Sample) (results.Event, error) {
	m := s.Metadata
	e := results.Event{
		Time: s.Time, Kind: results.EventKind(m[MetaKind]), Fault: m[MetaFault], Injector: m[MetaInjector],
		Target: m[MetaTarget], Mode: m[MetaMode], Detail: m[MetaDetail],
	}
	if e.Kind == "" {
		return e, fmt.Errorf("%s sample without %s", MetricEvents, MetaKind)
	}
	return e, nil
}

// EventMetadata is the metadata of a MetricEvents sample for e (its time is
// the sample's).
func EventMetadata(e results.Event) map[string]string {
	m := map[string]string{MetaKind: string(e.Kind)}
	for k, v := range map[string]string{MetaFault: e.Fault, MetaInjector: e.Injector, MetaTarget: e.Target, MetaMode: e.Mode, MetaDetail: e.Detail} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}
