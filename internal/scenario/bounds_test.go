package scenario

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/driver"
)

// TestBoundsInFile checks that every number past its upper bound is refused
// with the file, line, column and field, and the bound in the message (issue
// 11: `load.rate: 99999999999999999999999` passed validate).
func TestBoundsInFile(t *testing.T) {
	exec := "injector: exec, exec: {inject: a, heal: b"
	cases := []struct{ name, src, want string }{
		{"huge rate", "load:\n  rate: 99999999999999999999999\n",
			"x.yaml:2:3: load.rate: must be at most 200000 requests per second"},
		{"rate 1e12", "load:\n  rate: 1e12\n", "x.yaml:2:3: load.rate: must be at most 200000"},
		{"ramp rate", "load:\n  ramp:\n    - {duration: 1s, rate: 300000}\n", "x.yaml:3:22: load.ramp[0].rate: must be at most 200000"},
		{"ramp stages", "load:\n  duration: 2h\n  ramp: [" + strings.Repeat("{duration: 1s, rate: 1}, ", driver.MaxStages) + "{duration: 1s, rate: 1}]\n",
			"x.yaml:3:3: load.ramp: at most 1000 stages, got 1001"},
		{"ramp stage duration", "load:\n  duration: 1h\n  ramp:\n    - {duration: 25h, rate: 1}\n", "x.yaml:4:8: load.ramp[0].duration: must be at most 24h0m0s (the longest run), got 25h0m0s"},
		{"duration", "load:\n  duration: 100000h\n", "x.yaml:2:3: load.duration: must be at most 24h0m0s (the longest run), got 100000h0m0s"},
		{"timeout", "load:\n  timeout: 2m\n", "x.yaml:2:3: load.timeout: must be at most 1m0s (the longest request timeout), got 2m0s"},
		{"workers", "load:\n  max_workers: 100001\n", "x.yaml:2:3: load.max_workers: must be from 1 to 100000 (requests in flight), got 100001"},
		{"journeys", "load:\n  journeys: [" + strings.Repeat("{steps: [browse]}, ", driver.MaxJourneys) + "{steps: [cart]}]\n", "x.yaml:2:3: load.journeys: at most 100 journeys, got 101"},
		{"steps", "load:\n  journeys:\n    - steps: [" + strings.Repeat("browse, ", driver.MaxSteps) + "cart]\n", "x.yaml:3:7: load.journeys[0].steps: at most 100 steps in one journey, got 101"},
		{"think time", "load:\n  journeys:\n    - {steps: [browse], think_time: 11m}\n", "x.yaml:3:25: load.journeys[0].think_time: must be at most 10m0s"},
		{"journey weight", "load:\n  journeys:\n    - {steps: [browse], weight: 1e300}\n", "x.yaml:3:25: load.journeys[0].weight: must be at most 1e+06 (weights are relative), got 1e+300"},
		{"client weight", "load:\n  client_regions: {us: 1e300, eu: 1}\n", "x.yaml:2:20: load.client_regions.us: a weight must be at most 1e+06"},
		{"probe interval", "platform:\n  probe: {interval: 256s}\n", "x.yaml:2:11: platform.probe.interval: must be at most 4m15s (Front Door's longest probe interval), got 4m16s"},
		{"probe samples", "platform:\n  probe: {sample_size: 256, successful_samples: 3}\n", "x.yaml:2:11: platform.probe.sample_size: must be from 1 to 255 (Front Door's range), got 256"},
		{"replication lag", "platform:\n  replication_lag: 11m\n", "x.yaml:2:3: platform.replication_lag: must be at most 10m0s"},
		{"fault at", "load: {duration: 24h}\nfaults:\n  - {at: 25h, for: 1s, region: eastus}\n", "x.yaml:3:6: faults[0].at: must be at most 24h0m0s (the longest run), got 25h0m0s"},
		{"fault for", "faults:\n  - {at: 1s, for: 100000h, region: eastus}\n", "x.yaml:2:14: faults[0].for: must be at most 24h0m0s (the longest run), got 100000h0m0s"},
		{"fault max_duration", "faults:\n  - {at: 1s, for: 9s, region: eastus, max_duration: 25h}\n", "x.yaml:2:39: faults[0].max_duration: must be at most 24h0m0s"},
		{"fault ratio", "faults:\n  - {at: 1s, for: 9s, region: eastus, ratio: 1.5}\n", "x.yaml:2:39: faults[0].ratio: must be from 0 to 1, got 1.5"},
		{"fault latency", "faults:\n  - {at: 1s, for: 9s, region: eastus, mode: slow, latency: 2m}\n", "x.yaml:2:51: faults[0].latency: must be at most 1m0s (the longest request timeout: a longer delay is a blackhole), got 2m0s"},
		{"stop for", "load: {duration: 48h}\nfaults:\n  - {at: 1s, for: 9s, region: eastus, stop: {failure_ratio: 0.5, for: 25h}}\n", "faults[0].stop.for: must be at most 24h0m0s"},
		{"exec timeout", "faults:\n  - {at: 1s, for: 9s, " + exec + ", timeout: 11m}}\n", "x.yaml:2:66: faults[0].exec.timeout: must be at most 10m0s (the longest hook command), got 11m0s"},
		{"http timeout", "faults:\n  - {at: 1s, for: 9s, injector: http, http: {inject_url: 'http://h', heal_url: 'http://h', timeout: 1h}}\n", "faults[0].http.timeout: must be at most 10m0s (the longest hook request), got 1h0m0s"},
		{"p99", "objectives:\n  p99: 2m\n", "x.yaml:2:3: objectives.p99: must be at most 1m0s"},
		{"regions", "platform:\n  regions: [" + "a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q]\n", "x.yaml:2:3: platform.regions: at most 16 regions, got 17"},
		{"faults", "load: {duration: 24h}\nfaults: [" + strings.Repeat("{at: 1s, for: 1s, injector: exec, exec: {inject: a, heal: b}}, ", MaxFaults) + "{at: 1s, for: 1s, injector: exec, exec: {inject: a, heal: b}}]\n", "x.yaml:2:1: faults: at most 100 faults, got 101"},
		{"rto", "objectives:\n  rto: 25h\n", "x.yaml:2:3: objectives.rto: must be at most 24h0m0s (the longest run), got 25h0m0s"},
		{"rpo", "objectives:\n  rpo: 25h\n", "x.yaml:2:3: objectives.rpo: must be at most 24h0m0s"},
		{"stability window", "objectives:\n  stability_window: 25h\n", "x.yaml:2:3: objectives.stability_window: must be at most 24h0m0s"},
		{"recovery", "objectives:\n  recovery: 25h\n", "x.yaml:2:3: objectives.recovery: must be at most 24h0m0s"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := parseErrs(t, c.src)
			if got := errs.Error(); !strings.Contains(got, c.want) {
				t.Errorf("problems:\n%s\nwant %q", got, c.want)
			}
		})
	}
}

// TestBoundsAccepted checks that every bound itself is accepted.
func TestBoundsAccepted(t *testing.T) {
	src := fmt.Sprintf(`load:
  rate: %g
  duration: %s
  timeout: %s
  max_workers: %d
  journeys: [{steps: [browse], think_time: %s, weight: 1e6}]
platform:
  probe: {interval: 255s, sample_size: 255, successful_samples: 255, timeout: 1s}
  replication_lag: 10m
faults:
  - {at: 0s, for: 24h, max_duration: 24h, region: eastus, mode: slow, latency: 1m}
objectives: {p99: 1m, rto: 24h, rpo: 24h, stability_window: 24h, recovery: 24h}
`, driver.MaxRate, driver.MaxDuration, driver.MaxTimeout, driver.MaxWorkersCap, driver.MaxThinkTime)
	s := mustParse(t, src)
	if s.Load.Rate != driver.MaxRate || s.Load.Duration != 24*time.Hour {
		t.Errorf("rate %g duration %s", s.Load.Rate, s.Load.Duration)
	}
}

// TestBoundsFromFlags checks the flags of issue 11: each is refused with
// the flag and its bound named, and none panics.
func TestBoundsFromFlags(t *testing.T) {
	cases := []struct{ flag, value, want string }{
		{"rate", "99999999999999999999999", "flag --rate: load.rate: must be at most 200000 requests per second"},
		{"rate", "1e12", "flag --rate: load.rate: must be at most 200000 requests per second"},
		{"duration", "100000h", "flag --duration: load.duration: must be at most 24h0m0s (the longest run), got 100000h0m0s"},
		{"fault-for", "100000h", "flag --fault-for: faults[0].for: must be at most 24h0m0s"},
		{"fault-at", "25h", "flag --fault-at: faults[0].at: must be at most 24h0m0s"},
	}
	for _, c := range cases {
		t.Run(c.flag+"="+c.value, func(t *testing.T) {
			s, err := Default()
			if err != nil {
				t.Fatal(err)
			}
			err = s.Apply(overrides(t, c.flag, c.value))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Apply(--%s %s) = %v\nwant %q", c.flag, c.value, err, c.want)
			}
		})
	}
}
