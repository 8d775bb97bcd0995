package deploycheck

import (
	"slices"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/slocheck/slocheck/internal/scenario"
)

// TestGeneratorChartSharedRun renders the generator chart for a run shared
// by several Jobs (values-shared.yaml), decodes it strictly, lints it, and
// checks the run: an Indexed Job per client region whose pods split its
// traffic by segment, a conductor, and a merge of exactly their output
// directories; every Job the same scenario, start and run id; every command
// line one the real CLI accepts.
func TestGeneratorChartSharedRun(t *testing.T) {
	const start = "2026-11-24T10:05:00Z"
	vals := valuesFor(t, "slocheck-generator", "values-shared.yaml",
		"target.url=https://slocheck-prod-ab12c.z01.azurefd.net,runId=20261124T100000Z,image.repository="+testImage+",image.tag=4242,shared.startAt="+start)
	lint(t, "slocheck-generator", "slocheck", vals)
	jobs, cms, dash := sharedObjects(render(t, "slocheck-generator", "slocheck", vals))
	checkDashboardConfigMap(t, dash) // a shared run is watched in Grafana too
	if len(cms) != 1 {
		t.Fatalf("%d ConfigMaps, want the one shared scenario", len(cms))
	}
	s, err := scenario.Parse("configmap/scenario.yaml", []byte(cms[0].Data["scenario.yaml"]))
	if err != nil {
		t.Fatalf("the shared scenario: %v\n%s", err, cms[0].Data["scenario.yaml"])
	}
	if len(s.Faults) != 1 || s.Load.ClientRegions["us"] != 1 || s.Load.ClientRegions["eu"] != 1 {
		t.Errorf("scenario faults %d, client regions %v: want the fault and both client regions (every process draws the same arrivals)", len(s.Faults), s.Load.ClientRegions)
	}
	want := map[string]int32{"generator us": 2, "generator eu": 1, "conductor": 1, "merge": 1}
	var merge []string
	for _, j := range jobs {
		c := j.Spec.Template.Spec.Containers[0]
		role := j.Labels["slocheck.io/role"]
		key := role
		if role == "generator" {
			key += " " + j.Spec.Template.Labels["slocheck.io/client-region"]
			if j.Spec.CompletionMode == nil || *j.Spec.CompletionMode != batchv1.IndexedCompletion {
				t.Errorf("%s: want an Indexed Job (each pod its segment)", j.Name)
			}
		}
		if n := ptrOr(j.Spec.Completions, 1); n != want[key] {
			t.Errorf("%s (%s): %d pods, want %d", j.Name, key, n, want[key])
		}
		delete(want, key)
		if role != "merge" && !slices.Contains(c.Args, "--start-at="+start) {
			t.Errorf("%s: args %v lack the shared start", j.Name, c.Args)
		}
		if role == "merge" {
			merge = c.Args
		}
		// The kubelet expands $(JOB_COMPLETION_INDEX) from the pod's annotation.
		args := strings.Split(strings.ReplaceAll(strings.Join(c.Args, "\x00"), "$(JOB_COMPLETION_INDEX)", "1"), "\x00")
		if code := runCLI(t, append(args, "--help")); code != 0 {
			t.Errorf("slocheck %v: the real command line refuses it (exit %d)", args, code)
		}
		checkPodSecurity(t, j.Spec.Template.Spec.SecurityContext, c.SecurityContext)
	}
	if len(want) > 0 {
		t.Errorf("missing Jobs: %v", want)
	}
	parts := []string{"/reports/20261124t100000z/us-0", "/reports/20261124t100000z/us-1", "/reports/20261124t100000z/eu-0", "/reports/20261124t100000z/conductor"}
	if len(merge) < 5 || !slices.Equal(merge[1:5], parts) || !slices.Contains(merge, "--out=/reports/20261124t100000z/merged") {
		t.Errorf("merge args %v: want exactly the parts %v", merge, parts)
	}
}

// TestGeneratorChartSharedHere: a release in one region's cluster runs only
// its client region's generators (shared.here), without conductor or merge.
func TestGeneratorChartSharedHere(t *testing.T) {
	vals := valuesFor(t, "slocheck-generator", "values-shared.yaml",
		"target.url=https://x.z01.azurefd.net,runId=r1,image.repository="+testImage+",shared.startAt=2026-11-24T10:05:00Z,shared.here={eu},shared.conductor=false,shared.merge=false")
	jobs, _, _ := sharedObjects(render(t, "slocheck-generator", "slocheck", vals))
	if len(jobs) != 1 || jobs[0].Spec.Template.Labels["slocheck.io/client-region"] != "eu" {
		t.Fatalf("%d Jobs, want eu's generator only", len(jobs))
	}
}

// sharedObjects sorts a shared run's objects: its Jobs, its ConfigMaps
// (the scenario) and the Grafana dashboard's ConfigMap.
func sharedObjects(objs []runtime.Object) (jobs []*batchv1.Job, cms []*corev1.ConfigMap, dash *corev1.ConfigMap) {
	for _, o := range objs {
		switch o := o.(type) {
		case *batchv1.Job:
			jobs = append(jobs, o)
		case *corev1.ConfigMap:
			if _, ok := o.Labels["grafana_dashboard"]; ok {
				dash = o
				continue
			}
			cms = append(cms, o)
		}
	}
	return jobs, cms, dash
}

func ptrOr(p *int32, d int32) int32 {
	if p == nil {
		return d
	}
	return *p
}
