package deploycheck

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/robfig/cron/v3"
)

// Every pipeline and template parses and has the keys of its kind.
func TestPipelineFilesParse(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(pipelineDir(t), "*.yml"))
	if err != nil {
		t.Fatal(err)
	}
	tpls, err := filepath.Glob(filepath.Join(pipelineDir(t), "templates", "*.yml"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"build-pipeline.yml", "game-day.yml", "nightly-slo.yml", "release-pipeline.yml"}
	var got []string
	for _, f := range files {
		got = append(got, filepath.Base(f))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("pipelines = %v, want %v", got, want)
	}
	for _, f := range files {
		doc := loadYAML(t, f)
		if doc["stages"] == nil || doc["pool"] == nil || doc["trigger"] == nil && doc["schedules"] == nil {
			t.Errorf("%s: want stages, pool and a trigger (or schedules)", filepath.Base(f))
		}
		loadPipeline(t, filepath.Base(f)) // every template it uses expands
	}
	for _, f := range tpls {
		doc := loadYAML(t, f)
		if doc["parameters"] == nil {
			t.Errorf("%s: a template declares its parameters", filepath.Base(f))
		}
		if doc["steps"] == nil && doc["stages"] == nil && doc["jobs"] == nil {
			t.Errorf("%s: a template holds steps, jobs or stages", filepath.Base(f))
		}
	}
}

func TestBuildPipeline(t *testing.T) {
	p := loadPipeline(t, "build-pipeline.yml")
	test := p.stage(t, "Test").job(t, "Test")
	if !slices.ContainsFunc(test.steps, func(s node) bool { return strings.TrimSpace(script(s)) == "make test" }) {
		t.Error("the Test job must run `make test` (what .ci/run runs)")
	}
	build := p.stage(t, "Build")
	if fmtDepends(build.node) != "Test" {
		t.Errorf("Build depends on %q, want Test", fmtDepends(build.node))
	}
	bins := build.job(t, "Binaries")
	scripts := joinScripts(bins.steps)
	for _, want := range []string{"go build", "./cmd/slocheck", "extensions/build.sh", "make k6"} {
		if !strings.Contains(scripts, want) {
			t.Errorf("Binaries job: no %q", want)
		}
	}
	arts := map[string]bool{}
	for _, s := range bins.tasks("PublishPipelineArtifact@1") {
		arts[input(s, "artifact")] = true
	}
	if !arts["bin"] || !arts["deploy"] {
		t.Errorf("published artifacts %v, want bin and deploy (the release pipeline downloads both)", arts)
	}
	cmds := map[string]node{}
	for _, s := range build.job(t, "Image").tasks("Docker@2") {
		cmds[input(s, "command")] = s
	}
	for _, c := range []string{"login", "build", "push"} {
		if cmds[c] == nil {
			t.Errorf("Image job: no Docker@2 %s", c)
		}
	}
	if b := cmds["build"]; b != nil && input(b, "Dockerfile") != "Dockerfile" {
		t.Errorf("Docker@2 build uses %q, want the repository's Dockerfile", input(b, "Dockerfile"))
	}
	if push := cmds["push"]; push != nil && !strings.Contains(str(push, "condition"), "PullRequest") {
		t.Error("pull requests must not push images")
	}
}

// The release pipeline deploys dev, staging, prod in order, each to both
// clusters, and gates each on the SLOs.
func TestReleasePipeline(t *testing.T) {
	p := loadPipeline(t, "release-pipeline.yml")
	envs := []string{"dev", "staging", "prod"}
	if len(p.stages) != len(envs) {
		t.Fatalf("%d stages, want %v", len(p.stages), envs)
	}
	for i, env := range envs {
		s := p.stage(t, env)
		wantDep := ""
		if i > 0 {
			wantDep = envs[i-1]
		}
		if got := fmtDepends(s.node); got != wantDep {
			t.Errorf("stage %s depends on %q, want %q", env, got, wantDep)
		}
		checkDeploy(t, env, s.job(t, "Deploy"))
		gate := s.job(t, "SloGate")
		if fmtDepends(gate.node) != "Deploy" {
			t.Errorf("stage %s: the gate must run after Deploy", env)
		}
		checkGate(t, env, gate)
	}
}

func checkDeploy(t *testing.T, env string, j job) {
	t.Helper()
	if str(j.node, "environment") != "slocheck-"+env {
		t.Errorf("%s: deployment job on environment %q, want slocheck-%s", env, str(j.node, "environment"), env)
	}
	var regions []string
	for _, h := range j.tasks("HelmDeploy@0") {
		if input(h, "command") != "upgrade" || input(h, "install") != "true" || input(h, "chartType") != "FilePath" {
			t.Errorf("%s: HelmDeploy@0 must be upgrade --install of a chart path: %v", env, h["inputs"])
		}
		if !strings.HasSuffix(input(h, "chartPath"), "deploy/helm/slocheck-shop") {
			t.Errorf("%s: chart %q, want deploy/helm/slocheck-shop", env, input(h, "chartPath"))
		}
		vf := input(h, "valueFile")
		if !strings.HasSuffix(vf, "/values-"+env+".yaml") {
			t.Errorf("%s: values file %q", env, vf)
		}
		if _, err := os.Stat(filepath.Join(repoRoot(t), "deploy/helm/slocheck-shop", filepath.Base(vf))); err != nil {
			t.Errorf("%s: %v", env, err)
		}
		set := input(h, "overrideValues")
		region := strings.TrimPrefix(strings.Split(set, ",")[0], "region=")
		regions = append(regions, region)
		if !strings.Contains(set, "image.tag=$(resources.pipeline.build.runID)") {
			t.Errorf("%s: the image deployed must be the build's: %q", env, set)
		}
		if !strings.Contains(input(h, "kubernetesCluster"), env) {
			t.Errorf("%s: cluster %q is not the environment's", env, input(h, "kubernetesCluster"))
		}
	}
	if !slices.Equal(regions, []string{"eastus", "westeurope"}) {
		t.Errorf("%s: Helm deploys to %v, want both regions", env, regions)
	}
}

// checkGate checks the SLO gate's command, its published results and its
// exit codes, running the gate script with a fake slocheck.
func checkGate(t *testing.T, env string, j job) {
	t.Helper()
	staging := t.TempDir()
	m := newMacros(t, nil, staging)
	gate := j.stepNamed(t, "gate")
	args := runFake(t, m.expand(t, script(gate)), 0)
	wantFlags(t, args, "--scenario", "release-gate", "--target", m["frontdoorUrl"], "--out", filepath.Join(staging, "slo"))
	if !slices.Contains(args, "--inconclusive-fails") {
		t.Errorf("%s: the gate must treat inconclusive as failure: %v", env, args)
	}
	for _, code := range []int{99, 98, 3, 2, 130} {
		runFake(t, m.expand(t, script(gate)), code)
	}
	checkPublished(t, j, m, filepath.Join(staging, "slo"), gate)
}

// checkPublished: junit.xml and the report folder are published after step
// from, whatever happened.
func checkPublished(t *testing.T, j job, m macros, out string, from node) {
	t.Helper()
	at := stepIndex(j.steps, from)
	tr := j.tasks("PublishTestResults@2")
	if len(tr) != 1 {
		t.Fatalf("%d PublishTestResults@2 steps, want 1", len(tr))
	}
	r := tr[0]
	if str(r, "condition") != "always()" || input(r, "testResultsFormat") != "JUnit" || input(r, "testResultsFiles") != "junit.xml" {
		t.Errorf("PublishTestResults@2 must publish JUnit junit.xml with condition always(): %v", r)
	}
	if got := m.expand(t, input(r, "searchFolder")); got != out {
		t.Errorf("test results searched in %q, the run writes to %q", got, out)
	}
	arts := j.tasks("PublishPipelineArtifact@1")
	if len(arts) != 1 || str(arts[0], "condition") != "always()" || m.expand(t, input(arts[0], "targetPath")) != out {
		t.Errorf("the report folder %s must be published with condition always(): %v", out, arts)
	}
	if !strings.Contains(input(arts[0], "artifact"), "$(System.JobAttempt)") {
		t.Error("artifact names must hold $(System.JobAttempt), or a re-run cannot publish")
	}
	for _, s := range append(tr, arts...) {
		if stepIndex(j.steps, s) < at {
			t.Errorf("%s runs before the run it publishes", str(s, "task"))
		}
	}
}

func TestNightlyPipeline(t *testing.T) {
	p := loadPipeline(t, "nightly-slo.yml")
	if str(p.doc, "trigger") != "none" || str(p.doc, "pr") != "none" {
		t.Error("the nightly pipeline runs on its schedule only")
	}
	scheds := list(p.doc["schedules"])
	if len(scheds) == 0 {
		t.Fatal("no schedules")
	}
	for _, s := range scheds {
		spec := str(s.(node), "cron")
		// Azure Pipelines takes standard five-field cron expressions, in UTC.
		if _, err := cron.ParseStandard(spec); err != nil {
			t.Errorf("schedule %q: %v", spec, err)
		}
		if str(s.(node), "always") != "true" {
			t.Errorf("schedule %q: always: true, or nights without a commit are skipped", spec)
		}
	}
	if !slices.ContainsFunc(list(p.doc["variables"]), func(v any) bool { return str(v.(node), "group") == "slocheck-staging" }) {
		t.Error("the nightly run targets staging: variable group slocheck-staging")
	}
	j := p.stage(t, "Failover").job(t, "Failover")
	staging := t.TempDir()
	m := newMacros(t, list(p.doc["variables"]), staging)
	run := j.stepNamed(t, "failover")
	args := runFake(t, m.expand(t, script(run)), 0)
	out := filepath.Join(staging, "nightly")
	wantFlags(t, args, "--target", m["frontdoorUrl"], "--fault-region", "eastus", "--out", out)
	for _, f := range []string{"--fault-at", "--fault-for", "--inject-cmd", "--heal-cmd"} {
		if !slices.Contains(args, f) {
			t.Errorf("nightly: no %s in %v", f, args)
		}
	}
	runFake(t, m.expand(t, script(run)), 99)
	checkHealAlways(t, j, run)
	checkPublished(t, j, m, out, run)
}

func TestGameDayPipeline(t *testing.T) {
	p := loadPipeline(t, "game-day.yml")
	if str(p.doc, "trigger") != "none" || p.doc["schedules"] != nil {
		t.Error("a game day is started by hand only")
	}
	params := map[string][]any{}
	for _, v := range list(p.doc["parameters"]) {
		params[str(v.(node), "name")] = list(v.(node)["values"])
	}
	for _, name := range []string{"region", "faultMode", "duration"} {
		if _, ok := params[name]; !ok {
			t.Errorf("game day: no parameter %q", name)
		}
	}
	for _, region := range params["region"] {
		for _, mode := range params["faultMode"] {
			given := node{"region": region, "faultMode": mode}
			t.Run(region.(string)+"/"+mode.(string), func(t *testing.T) { checkGameDay(t, given) })
		}
	}
}

// checkGameDay expands game-day.yml for one choice of parameters and runs its
// slocheck step with a fake slocheck.
func checkGameDay(t *testing.T, given node) {
	doc := expandTemplate(t, filepath.Join(pipelineDir(t), "game-day.yml"), given)
	vars := resolveIfs(t, list(doc["variables"]), given)
	staging := t.TempDir()
	m := newMacros(t, vars, staging)
	if m["injectCmd"] == "" || m["healCmd"] == "" {
		t.Fatalf("fault mode %v defines no injectCmd/healCmd", given["faultMode"])
	}
	p := &pipeline{path: "game-day.yml", doc: doc}
	dir := pipelineDir(t)
	for _, s := range expandList(t, dir, list(doc["stages"]), "stages") {
		st := stage{node: s}
		for _, j := range expandList(t, str(s, dirKey), list(s["jobs"]), "jobs") {
			st.jobs = append(st.jobs, job{node: j, steps: expandList(t, str(j, dirKey), jobSteps(j), "steps")})
		}
		p.stages = append(p.stages, st)
	}
	j := p.stage(t, "GameDay").job(t, "GameDay")
	run := j.stepNamed(t, "run")
	args := runFake(t, m.expand(t, script(run)), 0)
	wantFlags(t, args, "--fault-region", given["region"].(string), "--fault-for", "2m",
		"--inject-cmd", m.expand(t, m["injectCmd"]), "--heal-cmd", m.expand(t, m["healCmd"]))
	if !strings.Contains(m.expand(t, m["injectCmd"]), given["region"].(string)) && !strings.Contains(m.expand(t, m["injectCmd"]), regionShort[given["region"].(string)]) {
		t.Errorf("inject command %q does not name region %v", m.expand(t, m["injectCmd"]), given["region"])
	}
	runFake(t, m.expand(t, script(run)), 99)
	checkHealAlways(t, j, run)
	checkPublished(t, j, m, filepath.Join(staging, "game-day"), run)
}

var regionShort = map[string]string{"eastus": "eus", "westeurope": "weu"}

// resolveIfs flattens the `${{ if eq(parameters.x, 'v') }}` blocks of a
// variables list, given the parameters' values.
func resolveIfs(t *testing.T, vars []any, params node) []any {
	t.Helper()
	var out []any
	for _, v := range vars {
		n := v.(node)
		if len(n) != 1 {
			out = append(out, v)
			continue
		}
		for k, body := range n {
			if !strings.HasPrefix(k, "${{ if eq(") {
				out = append(out, v)
				continue
			}
			args := strings.Split(strings.TrimSuffix(strings.TrimPrefix(k, "${{ if eq("), ") }}"), ",")
			if len(args) != 2 {
				t.Fatalf("condition %q: only eq(a, 'b') is understood here", k)
			}
			name, ok := strings.CutPrefix(strings.TrimSpace(args[0]), "parameters.")
			if !ok || params[name] == nil {
				t.Fatalf("condition %q: want eq(parameters.<given>, 'value')", k)
			}
			if params[name] == strings.Trim(strings.TrimSpace(args[1]), "'") {
				out = append(out, list(body)...)
			}
		}
	}
	return out
}

// checkHealAlways: a step after the run heals whatever is left, even when the
// run failed or was cancelled.
func checkHealAlways(t *testing.T, j job, run node) {
	t.Helper()
	at := stepIndex(j.steps, run)
	for _, s := range j.steps[at+1:] {
		if strings.Contains(script(s), "slocheck heal ") {
			if str(s, "condition") != "always()" {
				t.Errorf("the heal step must have condition: always(), has %q", str(s, "condition"))
			}
			return
		}
	}
	t.Error("no `slocheck heal` step after the run")
}

// runFake runs script with bash and a fake slocheck that records its
// arguments and exits with code; the script must exit with the same code.
// It returns the arguments slocheck got.
func runFake(t *testing.T, script string, code int) []string {
	t.Helper()
	dir := t.TempDir()
	fake := "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$FAKE_ARGS\"\nexit \"$FAKE_CODE\"\n"
	for _, tool := range []string{"slocheck"} {
		if err := os.WriteFile(filepath.Join(dir, tool), []byte(fake), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	argsFile := filepath.Join(dir, "args")
	cmd := exec.Command("bash", "-e", "-c", script)
	cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"), "FAKE_ARGS="+argsFile, "FAKE_CODE="+strconv.Itoa(code))
	outb, err := cmd.CombinedOutput()
	got := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		got = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if got != code {
		t.Errorf("slocheck exited %d, the step exited %d; output:\n%s", code, got, outb)
	}
	if code != 0 && !strings.Contains(string(outb), strconv.Itoa(code)) {
		t.Errorf("exit %d: the step's log does not say which code:\n%s", code, outb)
	}
	data, err := os.ReadFile(argsFile)
	if err != nil {
		t.Fatalf("the step did not run slocheck: %v\n%s", err, outb)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

// wantFlags checks that each flag in pairs is followed by its value in args.
func wantFlags(t *testing.T, args []string, pairs ...string) {
	t.Helper()
	if len(args) == 0 || args[0] != "run" {
		t.Errorf("slocheck %v: want slocheck run", args)
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		at := slices.Index(args, pairs[i])
		if at < 0 || at+1 >= len(args) || args[at+1] != pairs[i+1] {
			t.Errorf("slocheck %v: want %s %q", args, pairs[i], pairs[i+1])
		}
	}
}

func fmtDepends(n node) string {
	switch d := n["dependsOn"].(type) {
	case nil:
		return ""
	case []any:
		parts := make([]string, len(d))
		for i, x := range d {
			parts[i] = x.(string)
		}
		return strings.Join(parts, ",")
	default:
		return str(n, "dependsOn")
	}
}

func joinScripts(steps []node) string {
	var b strings.Builder
	for _, s := range steps {
		b.WriteString(script(s))
		b.WriteByte('\n')
	}
	return b.String()
}
