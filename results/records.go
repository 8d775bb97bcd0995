// This file holds the records as Go values (the contract between the engines,
// the chaos runner, internal/slo and the encoder); the package documentation
// is in doc.go.

package results

import (
	"fmt"
	"strconv"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// ErrorKind classifies a request outcome (DESIGN.md §2).
type ErrorKind uint8

// The error kinds. The numeric values are part of the stream encoding: append
// new kinds, never renumber.
const (
	ErrNone    ErrorKind = iota // answered with a success status (2xx or 3xx, or a status the step declares)
	ErrTimeout                  // no answer within the scenario's timeout
	ErrRefused                  // connection refused
	ErrReset                    // connection reset or closed mid-request
	Err5xx                      // status >= 500, or 429
	Err4xx                      // status 4xx other than 429: a failure of its own kind, "client error" (DESIGN.md §2)
	ErrDropped                  // never sent: the generator could not keep up
	ErrOther                    // any other transport error (DNS, TLS, …)
	// Kinds of a scenario's own steps (appended: older readers count them
	// as ErrOther).
	ErrTemplate // never sent: a value has no place in the request (a CR or LF in a header)
	ErrMissing  // never sent: a placeholder's value the journey does not have (an earlier extraction failed)
	ErrExtract  // answered with a success status, but without a value the step extracts
	ErrStatus   // answered with a status the step does not count as success (and not 4xx or 5xx)
	numErrorKinds
)

// NumErrorKinds is the number of error kinds; counts arrays are this long.
const NumErrorKinds = int(numErrorKinds)

var errorKindNames = [...]string{"none", "timeout", "refused", "reset", "5xx", "4xx", "dropped", "other", "template", "missing", "extract", "status"}

// String returns the kind's name as it appears in reports.
func (k ErrorKind) String() string {
	if int(k) < len(errorKindNames) {
		return errorKindNames[k]
	}
	return "unknown"
}

// ParseErrorKind returns the kind named s.
func ParseErrorKind(s string) (ErrorKind, bool) {
	for i, n := range errorKindNames {
		if n == s {
			return ErrorKind(i), true
		}
	}
	return 0, false
}

// Failed reports whether a request with this kind counts as a failure by
// DESIGN.md §2 before the latency check: every kind but ErrNone. A 4xx is a
// failure (a target that answers 404 to everything is broken, not
// available), reported apart as a client error (see Label).
func (k ErrorKind) Failed() bool { return k != ErrNone }

// Label is the kind as reports show it to people: "client error" for 4xx,
// otherwise the kind's name.
func (k ErrorKind) Label() string {
	if k == Err4xx {
		return "client error"
	}
	return k.String()
}

// Outcome is one request as an engine saw it (DESIGN.md §2).
type Outcome struct {
	ClientRegion string
	Step         string
	Intended     time.Time // from the arrival schedule
	Sent         time.Time // zero when dropped
	End          time.Time // zero when dropped
	Status       int       // HTTP status, 0 when none
	Err          ErrorKind
	ServedBy     string // region that served it (X-Served-By), "" when unknown
}

// Latency is End − Intended: measuring from the intended start keeps
// coordinated omission out.
func (o *Outcome) Latency() time.Duration {
	if o.End.IsZero() {
		return 0
	}
	return o.End.Sub(o.Intended)
}

// Header opens a stream.
type Header struct {
	Schema        string            `json:"schema"` // "slocheck/results/v1"
	Scenario      string            `json:"scenario"`
	Engine        string            `json:"engine"` // "go" or "k6"
	Target        string            `json:"target"` // "embedded" or a URL
	Generator     string            `json:"generator,omitempty"`
	Started       time.Time         `json:"started"`
	Interval      Duration          `json:"interval"`       // interval record length
	Regions       []string          `json:"regions"`        // platform regions
	ClientRegions []string          `json:"client_regions"` // where traffic comes from
	Steps         []string          `json:"steps"`
	WriteSteps    []string          `json:"write_steps,omitempty"` // the steps whose success is an acknowledged write (an order)
	Targets       Targets           `json:"targets"`
	Versions      map[string]string `json:"versions,omitempty"`
	// Role is what the process that wrote the stream did when several
	// share a run (`run --role`): RoleGenerator, RoleConductor, or "" for
	// both (one process sends the load and injects the faults).
	Role string `json:"role,omitempty"`
	// Segment is the share of each of ClientRegions' arrivals this stream
	// holds, in k6's execution-segment notation ("1/2:1"; "" the whole):
	// see Segment.
	Segment string `json:"segment,omitempty"`
	// Merge is set on a stream made by merging others (Merger): what was
	// merged and the clock tolerance the fault events were reconciled in.
	Merge *MergeInfo `json:"merge,omitempty"`
	// Labels are the run's own key=value labels (run --label build=1234),
	// shown by every report, compare and history.
	Labels map[string]string `json:"labels,omitempty"`
}

// The roles of a process in a run shared by several (Header.Role).
const (
	RoleGenerator = "generator" // load only: sends the traffic of its client regions, injects nothing
	RoleConductor = "conductor" // faults only: runs the fault schedule, sends no load
)

// Targets are the objectives' targets and the parameters the definitions
// need (DESIGN.md §2). Zero values mean the defaults of DefaultTargets.
type Targets struct {
	P99             Duration `json:"p99"`                // p99 < this
	Availability    float64  `json:"availability"`       // steady-state availability >= this
	RTO             Duration `json:"rto"`                // RTO < this, per fault
	RPO             Duration `json:"rpo"`                // RPO < this, per fault
	BudgetShare     float64  `json:"budget_share"`       // one fault may spend at most this share of the 30-day budget
	Timeout         Duration `json:"timeout"`            // a request slower than this failed
	StabilityWindow Duration `json:"stability_window"`   // RTO's all-success stretch
	Recovery        Duration `json:"recovery"`           // time after a heal still excluded from steady state
	Quantile        float64  `json:"quantile,omitempty"` // 0.99 unless set
	// ReadbackLookback is how long before an injection the writes that the
	// faulted region acknowledged are candidates for the RPO read-back.
	ReadbackLookback Duration `json:"readback_lookback,omitempty"`
	// LatencyWithinDecides makes the objective "share of all requests
	// answered successfully within the P99 target" decide the run (INFO
	// otherwise).
	LatencyWithinDecides bool `json:"latency_within_decides,omitempty"`
	// InconclusiveFails makes an INCONCLUSIVE verdict exit 98 (--inconclusive-fails);
	// kept in the stream so that `slocheck report DIR` judges as the run did.
	InconclusiveFails bool `json:"inconclusive_fails,omitempty"`
}

// DefaultTargets are the platform's NFRs (DESIGN.md §2).
func DefaultTargets() Targets {
	return Targets{
		P99:             Duration(150 * time.Millisecond),
		Availability:    0.9999,
		RTO:             Duration(10 * time.Second),
		RPO:             Duration(10 * time.Second),
		BudgetShare:     0.20,
		Timeout:         Duration(2 * time.Second),
		StabilityWindow: Duration(5 * time.Second),
		Recovery:        Duration(5 * time.Second),
		Quantile:        0.99,
	}
}

// Interval holds one client region's and step's outcomes over one interval.
type Interval struct {
	Start        time.Time
	ClientRegion string
	Step         string
	Counts       [NumErrorKinds]uint64   // by ErrorKind; Counts[ErrNone] counts answered successes before the timeout check
	TooSlow      uint64                  // answered with a success status but slower than the timeout: failures
	Latency      *hdrhistogram.Histogram // latency in microseconds of requests that succeeded (dense; see Packed)
	ServedBy     map[string]uint64       // requests answered, by serving region

	// Packed is the same latency histogram in packed form (about 1 KB for a
	// typical interval where a dense one takes 188 KB). Read and Merge set
	// Packed and leave Latency nil, so that an hour of intervals fits in
	// memory; use AddLatencyTo or Run.LatencyHistogram, which read either.
	Packed *hdrhistogram.PackedHistogram
}

// Requests is every request the interval saw, dropped ones included.
func (iv *Interval) Requests() uint64 {
	var n uint64
	for _, c := range iv.Counts {
		n += c
	}
	return n
}

// Failures is the requests that failed by DESIGN.md §2: every request but
// the successes.
func (iv *Interval) Failures() uint64 { return iv.Requests() - iv.Successes() }

// EventKind names an event.
type EventKind string

// The event kinds.
const (
	EventFaultInjected EventKind = "fault-injected"
	EventFaultHealed   EventKind = "fault-healed"
	EventHealFailed    EventKind = "heal-failed"
	EventInjectFailed  EventKind = "inject-failed"
	EventStopCondition EventKind = "stop-condition" // a fault's stop condition fired; heal follows
	EventAbort         EventKind = "abort"          // the run ended early (signal, error)
	EventProbe         EventKind = "probe"          // a front door edge changed an origin's health
	EventFailover      EventKind = "failover"       // the platform reported a failover
	EventNote          EventKind = "note"
)

// Event is something that happened at an exact instant.
type Event struct {
	Time     time.Time `json:"time"`
	Kind     EventKind `json:"kind"`
	Fault    string    `json:"fault,omitempty"`    // fault name, for fault events
	Injector string    `json:"injector,omitempty"` // platform, http, exec, …
	Target   string    `json:"target,omitempty"`   // region or resource the fault hit
	Mode     string    `json:"mode,omitempty"`     // down, blackhole, errors, slow, replication-cut, …
	Edge     string    `json:"edge,omitempty"`     // probe events: the client region's edge
	Region   string    `json:"region,omitempty"`   // probe events: the origin region
	Healthy  *bool     `json:"healthy,omitempty"`  // probe events: the new state
	Detail   string    `json:"detail,omitempty"`
}

// Failure is one failed request.
type Failure struct {
	Time         time.Time // when it failed: End, or Intended for a dropped one
	Intended     time.Time
	ClientRegion string
	Step         string
	Err          ErrorKind // ErrNone with a latency above the timeout means too slow
	Status       int
}

// AckedWrite is a write the target acknowledged (an order).
type AckedWrite struct {
	ID           string    `json:"id"`
	Region       string    `json:"region"` // region that acknowledged it
	ClientRegion string    `json:"client_region,omitempty"`
	Acked        time.Time `json:"acked"`
}

// Readback is the result of reading one acknowledged write back.
type Readback struct {
	ID     string    `json:"id"`
	Region string    `json:"region"` // region it was read from
	Time   time.Time `json:"time"`
	Found  bool      `json:"found"`
	Phase  string    `json:"phase"` // "after-fault" (first read), "after-heal" (re-read of the missing)
	Fault  string    `json:"fault,omitempty"`
}

// Trailer closes a stream that ended cleanly.
type Trailer struct {
	Ended    time.Time `json:"ended"`
	Reason   string    `json:"reason"` // "completed", "interrupted", "error: …"
	Requests uint64    `json:"requests"`
}

// Run is a whole stream in memory: what the reader returns and internal/slo
// evaluates. Records are in time order within each slice.
type Run struct {
	Header     Header
	Intervals  []Interval
	Events     []Event
	Failures   []Failure
	Writes     []AckedWrite
	Readbacks  []Readback
	Health     []Health    // per interval, the generator's own state
	Thresholds []Threshold // k6 engine: the script's thresholds and k6's verdicts
	Lags       []Lag       // the replication-lag probe's samples (lag.go)
	Trailer    *Trailer    // nil when the stream was cut (a crash)
}

// Duration is a time.Duration that encodes as seconds (float) in JSON.
type Duration time.Duration

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// Seconds returns d in seconds.
func (d Duration) Seconds() float64 { return time.Duration(d).Seconds() }

// MarshalJSON encodes d as seconds.
func (d Duration) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, d.Seconds(), 'f', -1, 64), nil
}

// UnmarshalJSON decodes seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("duration: want seconds as a number, got %s", b)
	}
	*d = Duration(f * float64(time.Second))
	return nil
}
