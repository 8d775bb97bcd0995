package terraform

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/platform"
	"github.com/slocheck/slocheck/internal/scenario"
)

// healthProbe is modules/frontdoor's health_probe variable.
type healthProbe struct {
	Path                      string `json:"path"`
	IntervalInSeconds         int    `json:"interval_in_seconds"`
	SampleSize                int    `json:"sample_size"`
	SuccessfulSamplesRequired int    `json:"successful_samples_required"`
}

// frontdoorConsole evaluates expr with Terraform itself against a copy of modules/frontdoor's
// variables.tf (variables only: no provider, so no init and no network), with extra CLI args.
// It returns what the console printed and its diagnostics (a failed variable validation is a
// diagnostic, not an exit status, in `terraform console`).
func frontdoorConsole(t *testing.T, expr string, args ...string) (out, diags string) {
	t.Helper()
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Skip("terraform not on PATH")
	}
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("modules", "frontdoor", "variables.tf"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "variables.tf"), src, 0o600); err != nil {
		t.Fatal(err)
	}
	rc := filepath.Join(dir, "terraformrc")
	if err := os.WriteFile(rc, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "terraform", append([]string{"console", "-no-color"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
	cmd.Stdin = strings.NewReader(expr + "\n")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("terraform console %v: %v\n%s", args, err, stderr.String())
	}
	return strings.TrimSpace(stdout.String()), stderr.String()
}

// The Terraform's Front Door probe defaults are the ones `slocheck run` uses: the default
// scenario's probe (what the embedded platform of a run is configured with, not a constant
// no run reads) and the platform's own defaults (`slocheck platform serve`). The embedded
// platform predicts the deployment only if all use the same three numbers.
func TestProbeDefaultsMatchEmbeddedPlatform(t *testing.T) {
	out, diags := frontdoorConsole(t, "jsonencode(var.health_probe)")
	if diags != "" {
		t.Fatalf("terraform console diagnostics:\n%s", diags)
	}
	var quoted string
	if err := json.Unmarshal([]byte(out), &quoted); err != nil {
		t.Fatalf("console output %q: %v", out, err)
	}
	var hp healthProbe
	if err := json.Unmarshal([]byte(quoted), &hp); err != nil {
		t.Fatalf("health_probe %q: %v", quoted, err)
	}
	def, err := scenario.Default()
	if err != nil {
		t.Fatal(err)
	}
	pd := platform.DefaultProbe()
	for _, c := range []struct {
		name               string
		interval           time.Duration
		sample, successful int
	}{
		{"scenario " + def.Name, def.Platform.Probe.Interval, def.Platform.Probe.SampleSize, def.Platform.Probe.SuccessfulSamples},
		{"scenario default", scenario.DefaultProbe().Interval, scenario.DefaultProbe().SampleSize, scenario.DefaultProbe().SuccessfulSamples},
		{"platform serve", pd.Interval, pd.SampleSize, pd.SuccessfulSamples},
	} {
		if got := time.Duration(hp.IntervalInSeconds) * time.Second; got != c.interval {
			t.Errorf("interval: terraform %v, %s %v", got, c.name, c.interval)
		}
		if hp.SampleSize != c.sample {
			t.Errorf("sample size: terraform %d, %s %d", hp.SampleSize, c.name, c.sample)
		}
		if hp.SuccessfulSamplesRequired != c.successful {
			t.Errorf("successful samples: terraform %d, %s %d", hp.SuccessfulSamplesRequired, c.name, c.successful)
		}
	}
	if hp.Path != "/health" {
		t.Errorf("probe path %q, the shop's health endpoint is /health (DESIGN.md §4)", hp.Path)
	}
}

// The variable validation refuses probe settings whose worst-case detection F·I reaches the RTO
// target, and accepts the largest that stay under it. Terraform itself evaluates the validation.
func TestProbeValidationEnforcesRTO(t *testing.T) {
	probe := func(interval, sample, required int) string {
		return `-var=health_probe={path="/health",interval_in_seconds=` + strconv.Itoa(interval) +
			`,sample_size=` + strconv.Itoa(sample) + `,successful_samples_required=` + strconv.Itoa(required) + `}`
	}
	const rto, samples = "must be below rto_target_seconds", "successful_samples_required <= sample_size"
	cases := []struct {
		name                       string
		interval, sample, required int
		refusal                    string // "" when valid
	}{
		{"F=2 I=4: 8 s < 10 s", 4, 4, 3, ""},
		{"F=2 I=5: 10 s is not < 10 s", 5, 4, 3, rto},
		{"F=1 I=9: 9 s", 9, 3, 3, ""},
		{"F=4 I=3: 12 s", 3, 4, 1, rto},
		{"API default 240 s", 240, 4, 3, rto},
		{"required > sample", 2, 2, 3, samples},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, diags := frontdoorConsole(t, "var.health_probe.sample_size", probe(c.interval, c.sample, c.required))
			flat := strings.Join(strings.Fields(diags), " ")
			switch {
			case c.refusal == "" && diags != "":
				t.Fatalf("valid settings refused:\n%s", diags)
			case c.refusal != "" && !strings.Contains(flat, c.refusal):
				t.Fatalf("want a refusal containing %q, got diagnostics:\n%s", c.refusal, diags)
			}
		})
	}
}

// TestCheckTerraform runs the per-commit Terraform checks (fmt, tflint, tfsec) when
// SLOCHECK_INFRA_CHECKS=1; they build pinned tools on first use, so they are opt-in here and run
// directly by the CI script.
func TestCheckTerraform(t *testing.T) {
	if os.Getenv("SLOCHECK_INFRA_CHECKS") != "1" {
		t.Skip("set SLOCHECK_INFRA_CHECKS=1 to run scripts/check-terraform.sh")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join("..", "scripts", "check-terraform.sh"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("check-terraform.sh: %v\n%s", err, out)
	}
}
