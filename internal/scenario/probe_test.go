package scenario

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// terraformProbe reads the default of modules/frontdoor's health_probe
// variable from the Terraform itself: the settings Azure Front Door is
// deployed with.
func terraformProbe(t *testing.T) map[string]string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "..", "terraform", "modules", "frontdoor", "variables.tf"))
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile(`(?s)variable "health_probe" \{.*?\n\s*default\s*=\s*\{(.*?)\}`).FindSubmatch(src)
	if block == nil {
		t.Fatal(`variables.tf: no default in variable "health_probe"`)
	}
	kv := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^\s*(\w+)\s*=\s*(\S+)\s*$`).FindAllSubmatch(block[1], -1) {
		kv[string(m[1])] = strings.Trim(string(m[2]), `"`)
	}
	return kv
}

// TestProbeIsTheTerraformsFrontDoor pins the probe every scenario gets by
// default, and the one default-failover states, to the Terraform's Front
// Door (issue 11: the default scenario probed every 1 s, Front Door every
// 2 s, and the test meant to pin them compared a constant no run used).
func TestProbeIsTheTerraformsFrontDoor(t *testing.T) {
	tf := terraformProbe(t)
	num := func(key string) int {
		n, err := strconv.Atoi(tf[key])
		if err != nil {
			t.Fatalf("health_probe.%s = %q: %v", key, tf[key], err)
		}
		return n
	}
	interval := time.Duration(num("interval_in_seconds")) * time.Second
	sample, required := num("sample_size"), num("successful_samples_required")
	def, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*Scenario{"no probe given": mustParse(t, "name: x"), DefaultName: def} {
		p := s.Platform.Probe
		if p.Interval != interval || p.SampleSize != sample || p.SuccessfulSamples != required {
			t.Errorf("%s: probe every %s, %d of the last %d; the Terraform's Front Door every %s, %d of the last %d",
				name, p.Interval, p.SuccessfulSamples, p.SampleSize, interval, required, sample)
		}
	}
	// The default failover still detects well within its RTO: the worst case
	// F·I plus one probe timeout (a blackhole) stays under the objective.
	f := time.Duration(sample - required + 1)
	if worst := f*interval + def.Platform.Probe.Timeout; worst >= def.Objectives.RTO {
		t.Errorf("worst-case detection %s is not under the RTO objective %s", worst, def.Objectives.RTO)
	}
}
