package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/internal/scenario"
	"github.com/slocheck/slocheck/results"
	"github.com/slocheck/slocheck/scenarios"
)

// The k6 engine (`slocheck run --engine k6`): k6, built with the slocheck
// extension, sends the traffic and writes it through its `slocheck` output
// into k6.stream; slocheck runs the fault schedule beside it exactly as for
// the Go driver, reads the acknowledged writes back from k6.stream before
// each heal, and finally merges k6.stream with its own stream (fault events,
// probe transitions, read-backs) into results.stream, which is evaluated
// like any other.
const (
	K6StreamName     = "k6.stream"       // the k6 output's stream in the run directory
	RunnerStreamName = "runner.stream"   // slocheck's own records of a k6 run
	K6SummaryName    = "k6-summary.json" // k6's --summary-export
	K6LogName        = "k6.log"          // k6's standard output and error
	// BuildK6 is the one command that builds bin/k6.
	BuildK6 = "make k6"
	// DefaultK6Script is the script of `--engine k6` without --script: the
	// geo-distributed failover script shipped in scenarios/.
	DefaultK6Script = "failover.js"
)

const (
	k6StartTimeout = 2 * time.Minute  // from launch to the first request
	k6StopGrace    = 30 * time.Second // after SIGINT, before SIGKILL
	streamPoll     = 50 * time.Millisecond
)

// FindK6 returns the k6 binary to run: path when given, else bin/k6 in the
// working directory or next to the slocheck executable. Missing, it is a
// usage error (exit 2) naming the command that builds it.
func FindK6(path string) (string, error) {
	if path != "" {
		if st, err := os.Stat(path); err != nil || st.IsDir() {
			return "", exitcode.New(exitcode.Usage, fmt.Errorf("k6 binary %q not found", path), BuildK6)
		}
		return path, nil
	}
	candidates := []string{filepath.Join("bin", "k6")}
	if exe, err := os.Executable(); err == nil {
		candidates = append(candidates, filepath.Join(filepath.Dir(exe), "k6"))
	}
	for _, c := range candidates {
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			return filepath.Abs(c)
		}
	}
	return "", exitcode.New(exitcode.Usage,
		fmt.Errorf("engine k6 needs k6 built with the slocheck extension: not found at %s (or give --k6 PATH)", strings.Join(candidates, " or ")),
		BuildK6)
}

// k6Script returns the script's path on disk: as the scenario names it, or,
// for one of the scripts shipped in scenarios/, a copy written into the run
// directory.
func k6Script(s *scenario.Scenario, dir string) (string, error) {
	p := s.ScriptPath()
	if st, err := os.Stat(p); err == nil && !st.IsDir() {
		return filepath.Abs(p)
	}
	b, err := fs.ReadFile(scenarios.FS, path.Base(filepath.ToSlash(p)))
	if err != nil {
		return "", exitcode.New(exitcode.Usage, fmt.Errorf("k6 script %q not found", p), "slocheck run --engine k6 --script FILE.js")
	}
	out := filepath.Join(dir, path.Base(filepath.ToSlash(p)))
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return "", exitcode.New(exitcode.Rig, fmt.Errorf("write k6 script: %w", err), "")
	}
	return filepath.Abs(out)
}

// k6Run is one k6 process and the files it writes.
type k6Run struct {
	cmd     *exec.Cmd
	stream  string
	log     *os.File
	exited  chan struct{}
	waitErr error
}

// startK6 launches k6 on script with the target in its environment.
func startK6(ctx context.Context, bin, script string, s *scenario.Scenario, tgt *target, h results.Header, o Options) (*k6Run, error) {
	env, err := k6Env(s, tgt, h)
	if err != nil {
		return nil, exitcode.New(exitcode.Rig, err, "")
	}
	kr := &k6Run{stream: filepath.Join(o.OutDir, K6StreamName), exited: make(chan struct{})}
	if kr.log, err = os.Create(filepath.Join(o.OutDir, K6LogName)); err != nil {
		return nil, exitcode.New(exitcode.Rig, fmt.Errorf("create k6 log: %w", err), "")
	}
	var out io.Writer = kr.log
	if o.Progress != nil {
		out = io.MultiWriter(kr.log, o.Progress)
	}
	args := []string{"run", "--no-usage-report", "--quiet",
		"--out", "slocheck=" + kr.stream,
		"--summary-export", filepath.Join(o.OutDir, K6SummaryName)}
	args = append(append(args, o.k6Args...), script)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = out, out
	// One SIGINT and k6 stops, flushes its outputs and exits; a second one
	// would kill it at once. So k6 gets its own process group (a Ctrl-C at
	// the terminal reaches slocheck only) and slocheck sends it the one.
	detach(cmd)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = k6StopGrace
	if err := cmd.Start(); err != nil {
		kr.log.Close()
		return nil, exitcode.New(exitcode.Usage, fmt.Errorf("start k6: %w", err), BuildK6)
	}
	kr.cmd = cmd
	go func() {
		kr.waitErr = cmd.Wait()
		close(kr.exited)
	}()
	return kr, nil
}

// k6Env is the environment slocheck gives k6 (see docs/k6.md).
func k6Env(s *scenario.Scenario, tgt *target, h results.Header) ([]string, error) {
	edges, err := json.Marshal(tgt.edges)
	if err != nil {
		return nil, err
	}
	weights, err := json.Marshal(s.Load.ClientRegions)
	if err != nil {
		return nil, err
	}
	hdr, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	env := []string{
		"SLOCHECK_EDGES=" + string(edges),
		"SLOCHECK_WEIGHTS=" + string(weights),
		"SLOCHECK_ADMIN=" + tgt.admin,
		"SLOCHECK_RATE=" + strconv.FormatFloat(s.Load.Rate, 'f', -1, 64),
		"SLOCHECK_DURATION=" + s.Load.Duration.String(),
		"SLOCHECK_TIMEOUT=" + s.Load.Timeout.String(),
		"SLOCHECK_HEADER=" + string(hdr),
		"K6_AUTO_EXTENSION_RESOLUTION=false",
		"K6_NO_USAGE_REPORT=true",
		// The script's thresholds are objectives: k6 must judge them and
		// export its summary in the format k6Thresholds reads.
		"K6_NO_THRESHOLDS=false",
		"K6_NO_SUMMARY=false",
		"K6_NEW_MACHINE_READABLE_SUMMARY=false",
	}
	if strings.EqualFold(os.Getenv("K6_SUMMARY_MODE"), "disabled") {
		env = append(env, "K6_SUMMARY_MODE=compact") // disabled writes no --summary-export
	}
	for cr, u := range tgt.edges {
		env = append(env, "SLOCHECK_EDGE_"+strings.ToUpper(cr)+"="+u)
	}
	return env, nil
}

// waitHeader waits until k6's stream has its header (the output writes it
// with the first request) and returns it.
func (kr *k6Run) waitHeader(ctx context.Context) (results.Header, error) {
	deadline := time.NewTimer(k6StartTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(streamPoll)
	defer tick.Stop()
	for {
		if run, _ := results.ReadFile(kr.stream); run != nil {
			return run.Header, nil
		}
		select {
		case <-kr.exited:
			if run, _ := results.ReadFile(kr.stream); run != nil {
				return run.Header, nil
			}
			return results.Header{}, kr.startError()
		case <-ctx.Done():
			return results.Header{}, exitcode.New(exitcode.Interrupted, errors.New("interrupted before k6 sent a request"), "")
		case <-deadline.C:
			return results.Header{}, exitcode.New(exitcode.Rig,
				fmt.Errorf("k6 sent no request within %v (see %s)", k6StartTimeout, kr.log.Name()), "")
		case <-tick.C:
		}
	}
}

// startError explains a k6 that exited before its first request: a script
// or option error (k6 exit 104, 107, 108) is the user's (exit 2).
func (kr *k6Run) startError() error {
	code := kr.cmd.ProcessState.ExitCode()
	err := fmt.Errorf("k6 exited (code %d) before sending a request: %s", code, tail(kr.log.Name(), 6))
	switch code {
	case 104, 107, 108:
		return exitcode.New(exitcode.Usage, err, "check the script with: "+kr.cmd.Path+" inspect "+kr.cmd.Args[len(kr.cmd.Args)-1])
	}
	return exitcode.New(exitcode.Rig, err, "see "+kr.log.Name())
}

// wait waits for k6 to end and returns its exit code: an error unless it
// completed, with its thresholds passed (0) or crossed (99; the thresholds'
// objectives judge that, recordK6Thresholds).
func (kr *k6Run) wait() (code int, err error) {
	<-kr.exited
	kr.log.Close()
	switch code = kr.cmd.ProcessState.ExitCode(); code {
	case 0, k6ThresholdsCrossed:
		return code, nil
	default:
		return code, fmt.Errorf("k6 exited with code %d: %s", code, tail(kr.log.Name(), 6))
	}
}

// tail is the last n lines of a file, for an error message.
func tail(file string, n int) string {
	b, err := os.ReadFile(file)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], " | ")
}

// executeK6 runs s with k6 and writes results.stream from both streams.
func executeK6(ctx context.Context, s *scenario.Scenario, tgt *target, o Options, res *Result) error {
	bin, err := FindK6(o.K6)
	if err != nil {
		return err
	}
	script, err := k6Script(s, o.OutDir)
	if err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	given := header(s, tgt, time.Time{}, o.Version)
	given.Labels = o.Labels // the extension writes the header it is given (SLOCHECK_HEADER)
	kr, err := startK6(runCtx, bin, script, s, tgt, given, o)
	if err != nil {
		return err
	}
	defer func() {
		cancel()
		<-kr.exited
		kr.log.Close() // closed already when k6 ran to its end
	}()
	h, err := kr.waitHeader(ctx)
	if err != nil {
		return err
	}
	runErr := superviseK6(ctx, runCtx, cancel, s, tgt, kr, h, o, res)
	if err := mergeK6(o.OutDir); err != nil && runErr == nil {
		runErr = exitcode.New(exitcode.Rig, err, "")
	}
	return runErr
}

// superviseK6 runs the fault schedule from the stream's start while k6
// sends traffic, and records slocheck's own events into runner.stream.
func superviseK6(ctx, runCtx context.Context, cancel func(), s *scenario.Scenario, tgt *target, kr *k6Run, h results.Header, o Options, res *Result) (err error) {
	f, err := os.Create(filepath.Join(o.OutDir, RunnerStreamName))
	if err != nil {
		return exitcode.New(exitcode.Rig, fmt.Errorf("create runner stream: %w", err), "")
	}
	defer f.Close()
	h.Generator = "slocheck"
	rec, err := results.NewRecorder(h, f)
	if err != nil {
		return exitcode.New(exitcode.Rig, fmt.Errorf("start runner stream: %w", err), "")
	}
	// A panic in one of slocheck's own goroutines (the lag probe, the fault
	// schedule) stops k6, heals and ends the run with exit 3, as on engine go.
	g := newGuard(cancel, o.Log)
	ks := &k6Stream{path: kr.stream}
	sk := newSink(rec, withoutSamples(true)) // k6 runs: the stop conditions read k6.stream (ks.failureRatio), never these samples
	defer sk.stop()
	rb := newReadbacker(tgt, sk, rec)
	rb.refresh = func() { ks.refreshWrites(sk) } // the read-back runs during the fault: k6's writes are in k6.stream
	// The replication-lag probe (lagprobe.go).
	var lagHook func()
	if o.hooks != nil {
		lagHook = o.hooks.lag
	}
	stopLag := startLagProbe(ctx, s, tgt, rec, g.handler("the lag probe"), lagHook)
	defer stopLag()
	cr, err := k6Chaos(s, tgt, rb, sk, ks, rec, o, g.handler("the fault schedule"))
	if err != nil {
		_ = rec.Close(results.Trailer{Ended: time.Now(), Reason: "error: " + err.Error()})
		return err
	}
	chaosDone := make(chan error, 1)
	go func() {
		cerr := cr.Run(runCtx, h.Started)
		if cerr != nil {
			cancel() // a fault that failed to inject stops k6
		}
		chaosDone <- cerr
	}()
	k6Code, k6Err := kr.wait()
	cancel() // k6 is done: faults still pending are healed below
	chaosErr := <-chaosDone
	healErr := cr.HealAll(context.WithoutCancel(ctx))
	res.Faults = cr.Records()
	ks.refreshWrites(sk)
	rb.afterHeal(ctx, res.Faults)
	stopLag()
	for _, e := range tgt.events() {
		rec.RecordEvent(e)
	}
	if k6Err == nil {
		k6Err = recordK6Thresholds(rec, filepath.Join(o.OutDir, K6SummaryName), k6Code)
	}
	err, reason := k6Outcome(ctx, g.Err(), chaosErr, k6Err, healErr, o.OutDir)
	if cerr := rec.Close(results.Trailer{Ended: time.Now(), Reason: reason}); cerr != nil && err == nil {
		err = exitcode.New(exitcode.Rig, fmt.Errorf("close runner stream: %w", cerr), "")
	}
	return err
}

// k6Chaos builds the chaos runner of a k6 run: the scenario's schedule, each
// injector refreshing the acknowledged writes from k6.stream before its heal
// (when the RPO read-back reads them), and stop conditions judged on
// k6.stream's intervals.
func k6Chaos(s *scenario.Scenario, tgt *target, rb *readbacker, sk *sink, ks *k6Stream, rec *results.Recorder, o Options, onPanic func(any)) (*chaos.Runner, error) {
	env := chaos.Env{RunDir: o.OutDir, Getenv: o.Getenv, Stdout: o.Log, Stderr: o.Log}
	sched, err := schedule(s, tgt, rb, env)
	if err != nil {
		return nil, err
	}
	for i := range sched {
		sched[i].Injector = &refreshInjector{Injector: sched[i].Injector, refresh: func() { ks.refreshWrites(sk) }}
	}
	return chaos.NewRunner(sched, chaos.Options{
		RunDir:       o.OutDir,
		Env:          env,
		Emit:         func(e results.Event) { rec.RecordEvent(e); o.live.m().Event(e) }, // the live fault gauges too
		FailureRatio: ks.failureRatio,
		OnPanic:      onPanic,
	})
}

// k6Outcome is a k6 run's error and trailer reason, by precedence: a panic
// (guardErr), a failed injection, an interruption, k6 failing, a failed heal.
func k6Outcome(ctx context.Context, guardErr, chaosErr, k6Err, healErr error, dir string) (error, string) {
	switch {
	case guardErr != nil:
		return guardErr, "error: " + guardErr.Error()
	case chaosErr != nil:
		return chaosErr, "error: " + chaosErr.Error()
	case ctx.Err() != nil:
		return interrupted(ctx, dir), "interrupted"
	case k6Err != nil:
		return exitcode.New(exitcode.Rig, k6Err, "see "+filepath.Join(dir, K6LogName)), "error: " + k6Err.Error()
	case healErr != nil:
		return exitcode.New(exitcode.Rig, healErr, "check the fault by hand; `slocheck heal "+dir+"` retries the heal"), "error: " + healErr.Error()
	}
	return nil, "completed"
}

// mergeK6 merges k6.stream and runner.stream into results.stream. A k6
// stream cut short (k6 killed) is merged as far as it goes.
func mergeK6(dir string) error {
	k6run, err := results.ReadFile(filepath.Join(dir, K6StreamName))
	var cut *results.TruncatedError
	if err != nil && (k6run == nil || !errors.As(err, &cut)) {
		return fmt.Errorf("k6 stream: %w", err)
	}
	own, err := results.ReadFile(filepath.Join(dir, RunnerStreamName))
	if err != nil && (own == nil || !errors.As(err, &cut)) {
		return fmt.Errorf("runner stream: %w", err)
	}
	merged, err := results.Merge(k6run, own)
	if err != nil {
		return fmt.Errorf("merge the k6 and runner streams: %w", err)
	}
	onlySent(merged)
	// slocheck's own stream says why the run ended when it stopped k6 (a
	// panic, a failed injection): k6's then only says it was interrupted.
	if merged.Trailer != nil && own.Trailer != nil && own.Trailer.Reason != "" && own.Trailer.Reason != "completed" {
		merged.Trailer.Reason = own.Trailer.Reason
	}
	f, err := os.Create(filepath.Join(dir, results.FileName))
	if err != nil {
		return fmt.Errorf("create results stream: %w", err)
	}
	if err := results.Write(f, merged); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// refreshInjector refreshes the acknowledged writes before it heals, so the
// read-back that runs in the heal sees every write k6 recorded so far.
type refreshInjector struct {
	chaos.Injector
	refresh func()
}

var _ chaos.Injector = (*refreshInjector)(nil)

func (r *refreshInjector) Heal(ctx context.Context) error {
	r.refresh()
	return r.Injector.Heal(ctx)
}
