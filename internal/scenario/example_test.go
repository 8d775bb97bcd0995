package scenario_test

import (
	"fmt"

	"github.com/slocheck/slocheck/internal/scenario"
)

// Parse fills the defaults and reports every problem at once, each with its
// file, line, column and field.
func ExampleParse() {
	_, err := scenario.Parse("my.yaml", []byte(`name: my-failover
load:
  rate: -100
faults:
  - at: 20s
    for: 20s
    region: eastus
    mode: dwn
`))
	fmt.Println(err)
	// Output:
	// my.yaml:3:3: load.rate: must be positive (requests per second), got -100
	// my.yaml:8:5: faults[0].mode: unknown mode "dwn" (want one of down, blackhole, errors, slow, replication-cut)
}

// Apply replaces fields from command-line flags and validates again.
func ExampleScenario_Apply() {
	s, err := scenario.Default()
	if err != nil {
		panic(err)
	}
	var o scenario.Overrides
	for flag, value := range map[string]string{"duration": "30s", "fault-at": "10s", "fault-for": "10s"} {
		if err := o.Set(flag, value); err != nil {
			panic(err)
		}
	}
	if err := s.Apply(o); err != nil {
		panic(err)
	}
	f := s.Faults[0]
	fmt.Printf("%s: %s %s in %s from %s to %s\n", s.Name, f.Region, f.Mode, s.Load.Duration, f.At, f.At+f.For)
	fmt.Printf("steady state: %.0f requests\n", s.SteadyStateRequests())
	// Output:
	// default-failover: eastus down in 30s from 10s to 20s
	// steady state: 18000 requests
}
