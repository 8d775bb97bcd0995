// This file is the report.json model of DESIGN.md §8 (a contract); the
// package documentation is in doc.go.

package slo

import (
	"time"

	"github.com/slocheck/slocheck/results"
)

// Schema is report.json's schema name. Fields may be added; none is renamed or
// dropped without a new schema version.
const Schema = "slocheck/report/v1"

// Verdict is an objective's or a run's verdict.
type Verdict string

// The verdicts.
const (
	Pass         Verdict = "PASS"
	Fail         Verdict = "FAIL"
	Inconclusive Verdict = "INCONCLUSIVE"
	Info         Verdict = "INFO" // reported, does not decide the run
)

// Report is report.json (DESIGN.md §8, a contract).
type Report struct {
	Schema    string    `json:"schema"`
	Scenario  string    `json:"scenario"`
	Engine    string    `json:"engine"`
	Target    string    `json:"target"`
	Started   time.Time `json:"started"`
	DurationS float64   `json:"duration_s"`
	Requests  uint64    `json:"requests"`
	Successes uint64    `json:"successes"`
	Failures  uint64    `json:"failures"`
	Dropped   uint64    `json:"dropped"`
	// FailuresByKind counts the failures by kind: the results.ErrorKind
	// names ("4xx" is a client error, shown apart: results.ErrorKind.Label)
	// and "too-slow" (TooSlowKind). Omitted when nothing failed.
	FailuresByKind map[string]uint64        `json:"failures_by_kind,omitempty"`
	Objectives     []Objective              `json:"objectives"`
	Regions        map[string]RegionSummary `json:"regions"`
	Steps          map[string]RegionSummary `json:"steps,omitempty"`
	Faults         []FaultSummary           `json:"faults"`
	Timeline       []Point                  `json:"timeline,omitempty"` // per interval and client region, for charts and CSV
	// ReplicationLag and LagTimeline are the replication-lag probe's
	// figures (lag.go), when the scenario ran it.
	ReplicationLag []LagSummary `json:"replication_lag,omitempty"`
	LagTimeline    []LagPoint   `json:"lag_timeline,omitempty"`
	Complete       bool         `json:"complete"`        // the stream had its trailer
	Notes          []string     `json:"notes,omitempty"` // heal failures, aborts, cut streams
	// Merge says how the run was merged from several processes' streams
	// (`slocheck merge`): which, and the clock tolerance their fault events
	// were reconciled within. Absent for a run one process recorded.
	Merge    *results.MergeInfo `json:"merge,omitempty"`
	Verdict  Verdict            `json:"verdict"`
	ExitCode int                `json:"exit_code"`

	// Labels are the run's labels (results.Header.Labels, run --label k=v).
	Labels map[string]string `json:"labels,omitempty"`
	// Probes are the front door's health-probe transitions the run recorded
	// (the embedded platform's), in time order; none where unknown.
	Probes []Probe `json:"probes,omitempty"`
}

// Probe is one front-door edge's change of an origin region's health.
type Probe struct {
	T       float64 `json:"t"`    // seconds since the run started
	Edge    string  `json:"edge"` // the client region's edge
	Region  string  `json:"region"`
	Healthy bool    `json:"healthy"`
}

// Objective is one objective's figure, interval and verdict.
type Objective struct {
	Name             string   `json:"name"`  // p99, availability, rto, rpo, budget
	Scope            string   `json:"scope"` // overall, steady-state, whole-run, region:<n>, step:<n>, fault:<n>
	Target           float64  `json:"target"`
	Unit             string   `json:"unit"`  // s, ratio, share
	Value            *float64 `json:"value"` // nil when there is no value (not recovered, no data)
	CILow            *float64 `json:"ci_low,omitempty"`
	CIHigh           *float64 `json:"ci_high,omitempty"`
	N                uint64   `json:"n,omitempty"`
	Verdict          Verdict  `json:"verdict"`
	RequestsToDecide uint64   `json:"requests_to_decide,omitempty"`
	Detail           string   `json:"detail,omitempty"` // e.g. "not recovered", "n < 299"
	// Reason is one line saying why the verdict is not PASS (DESIGN.md §2:
	// every verdict that is not PASS carries one); empty for PASS.
	Reason string `json:"reason,omitempty"`
}

// RegionSummary is one client region's (or step's) totals.
type RegionSummary struct {
	Requests uint64            `json:"requests"`
	Failures uint64            `json:"failures"`
	P99S     *float64          `json:"p99_s,omitempty"`
	P50S     *float64          `json:"p50_s,omitempty"`
	ServedBy map[string]uint64 `json:"served_by,omitempty"`
	// FailuresByKind is as Report's, for this client region or step.
	FailuresByKind map[string]uint64 `json:"failures_by_kind,omitempty"`
}

// FaultSummary is one injected fault's cost.
type FaultSummary struct {
	Name           string     `json:"name"`
	Injector       string     `json:"injector"`
	Target         string     `json:"target"`
	Mode           string     `json:"mode"`
	Injected       time.Time  `json:"injected"`
	Healed         *time.Time `json:"healed,omitempty"`
	HealFailed     bool       `json:"heal_failed,omitempty"`
	RTOS           RTOSummary `json:"rto_s"`
	FirstFailure   *time.Time `json:"first_failure,omitempty"`
	LastFailure    *time.Time `json:"last_failure,omitempty"`
	FailedRequests uint64     `json:"failed_requests"`
	BudgetBurnS    float64    `json:"budget_burn_s"`
	BudgetShare    float64    `json:"budget_share"`
	// The RPO read-back (DESIGN.md §2): AckedWrites is every write the
	// faulted region acknowledged from the lookback before the injection
	// until the heal (the candidates), ReadWrites those read back while the
	// fault lasted, AbsentWrites those a read did not find, UnreadWrites
	// the candidates never read (they make RPO INCONCLUSIVE).
	AckedWrites  uint64   `json:"acked_writes"`
	ReadWrites   uint64   `json:"read_writes"`
	AbsentWrites uint64   `json:"absent_writes"`
	UnreadWrites uint64   `json:"unread_writes"`
	LostWrites   uint64   `json:"lost_writes"`
	LateWrites   uint64   `json:"late_writes"`
	RPOS         *float64 `json:"rpo_s"`
}

// RTOSummary is a fault's RTO overall and per client region, in seconds; a nil
// value means "not recovered".
type RTOSummary struct {
	Overall        *float64            `json:"overall"`
	ByClientRegion map[string]*float64 `json:"by_client_region"`
}

// Point is one interval of one client region (ClientRegion "" is all of them):
// the series the HTML charts and the CSV export draw.
type Point struct {
	T            float64  `json:"t"` // seconds since the run started
	ClientRegion string   `json:"client_region"`
	Requests     uint64   `json:"requests"`
	Failures     uint64   `json:"failures"`
	P99S         *float64 `json:"p99_s,omitempty"`

	// ServedBy counts the interval's answered requests by the region that
	// served them (the served-by header); FailuresByKind its failures by
	// kind, as Report's. The failover story of the reports draws them.
	ServedBy       map[string]uint64 `json:"served_by,omitempty"`
	FailuresByKind map[string]uint64 `json:"failures_by_kind,omitempty"`
}
