package results

import "time"

// Health is the generator's own state over one interval (DESIGN.md §2,
// generator health): how late it sent, how busy the machine was, and, with
// the embedded platform in the same process, how late the platform's timers
// fired. Latency counts from the intended start, so a late generator adds
// its own lateness to every latency it measures; internal/slo reads these
// records to tell that lateness apart from the target's.
type Health struct {
	Start     time.Time `json:"start"`               // the interval's start (on the header's grid)
	Generator string    `json:"generator,omitempty"` // which generator, when several merge
	// Sends is how many requests were sent in the interval; SendLagMax and
	// SendLagP99 are the largest and the 99th percentile of (actual send −
	// intended send) over them.
	Sends      uint64   `json:"sends"`
	SendLagMax Duration `json:"send_lag_max"`
	SendLagP99 Duration `json:"send_lag_p99"`
	// CPUProcess is the CPU time the generator's process used per second of
	// the interval (1.0 = one core busy); CPUMachine the share of the whole
	// machine's CPU that was busy (0–1, every process), CPUs the cores.
	CPUProcess float64 `json:"cpu_process"`
	CPUMachine float64 `json:"cpu_machine"`
	CPUs       int     `json:"cpus"`
	// TimerOvershootMax is how much later than asked the embedded
	// platform's latest service-time or WAN-delay timer fired (0 without
	// the embedded platform).
	TimerOvershootMax Duration `json:"timer_overshoot_max,omitempty"`
}

// Threshold is one threshold of a k6 script and k6's own verdict on it
// (k6's end-of-test summary), so a crossed threshold fails the run as it
// does under k6.
type Threshold struct {
	Metric string `json:"metric"` // e.g. http_req_failed
	Expr   string `json:"expr"`   // e.g. rate<0.01
	Passed bool   `json:"passed"`
}
