// Package execfault injects a fault with a shell command and heals it with
// another: the escape hatch for any fault slocheck has no injector for
// (`--inject-cmd "tc qdisc add …" --heal-cmd "tc qdisc del …"`).
//
// Each command runs as `sh -c CMD` in its own process group, under a timeout:
// when it runs over, the whole group is killed, so a hung command cannot hold
// a run (or its heal) forever. Its standard output and error are appended to
// files in the run directory (chaos/<fault>.<inject|heal>.stdout|stderr). The
// command sees SLOCHECK_FAULT (the fault's name), SLOCHECK_ACTION (inject or
// heal) and SLOCHECK_RUN_DIR. A command string is stored in the run's state
// file as written: keep secrets in environment variables it reads.
package execfault

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/slocheck/slocheck/internal/chaos"
)

// DefaultTimeout bounds each command when the spec gives none.
const DefaultTimeout = 30 * time.Second

// Exec is a shell command pair.
type Exec struct {
	name    string
	spec    chaos.ExecSpec
	timeout time.Duration
	env     chaos.Env
}

var _ chaos.Injector = (*Exec)(nil)

func init() {
	chaos.Register(chaos.KindExec, func(s chaos.Spec, env chaos.Env) (chaos.Injector, error) {
		if s.Exec == nil {
			return nil, errors.New("exec fault: no exec configuration")
		}
		return New(s.Name, *s.Exec, env)
	})
}

// New returns the command pair of spec for the fault named name. The heal
// command is required (no fault without a way back); the inject command is
// checked when Inject runs, so a heal-only Exec can undo a fault.
func New(name string, spec chaos.ExecSpec, env chaos.Env) (*Exec, error) {
	if strings.TrimSpace(spec.HealCmd) == "" {
		return nil, errors.New("exec fault: heal command is empty")
	}
	if spec.Timeout < 0 {
		return nil, errors.New("exec fault: negative timeout")
	}
	e := &Exec{name: name, spec: spec, timeout: spec.Timeout.Std(), env: env}
	if e.timeout == 0 {
		e.timeout = DefaultTimeout
	}
	return e, nil
}

// Inject runs the inject command. The fault counts as injected when the
// command exits 0.
func (e *Exec) Inject(ctx context.Context) (chaos.Fault, error) {
	if strings.TrimSpace(e.spec.InjectCmd) == "" {
		return chaos.Fault{}, errors.New("exec fault: inject command is empty")
	}
	issued := time.Now()
	if err := e.run(ctx, "inject", e.spec.InjectCmd); err != nil {
		return chaos.Fault{}, err
	}
	return chaos.Fault{Issued: issued, Injected: time.Now(), Undo: "sh -c " + quote(e.spec.HealCmd)}, nil
}

// Heal runs the heal command; it succeeds when the command exits 0.
func (e *Exec) Heal(ctx context.Context) error {
	return e.run(ctx, "heal", e.spec.HealCmd)
}

// run runs one command under the timeout, its output into the run directory.
func (e *Exec) run(parent context.Context, action, command string) error {
	ctx, cancel := context.WithTimeout(parent, e.timeout)
	defer cancel()
	cmd, closeOut, err := Command(ctx, e.env, e.name, action, "sh", "-c", command)
	if err != nil {
		return err
	}
	defer closeOut()
	cmd.Env = append(os.Environ(), "SLOCHECK_FAULT="+e.name, "SLOCHECK_ACTION="+action, "SLOCHECK_RUN_DIR="+e.env.RunDir)
	err = cmd.Run()
	switch {
	case err != nil && parent.Err() != nil:
		return fmt.Errorf("%s command %s: %w (process group killed)", action, quote(command), parent.Err())
	case err != nil && ctx.Err() != nil:
		return fmt.Errorf("%s command %s: timed out after %s (process group killed)", action, quote(command), e.timeout)
	}
	if err != nil {
		return fmt.Errorf("%s command %s: %w%s", action, quote(command), err, SeeOutput(e.env.RunDir, e.name, action))
	}
	return nil
}

// OutputPath is where the output stream ("stdout" or "stderr") of the
// fault's action ("inject" or "heal") is kept in runDir.
func OutputPath(runDir, fault, action, stream string) string {
	return filepath.Join(runDir, "chaos", safeName(fault)+"."+action+"."+stream)
}

// safeName keeps a fault name usable as a file name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 {
			return '_'
		}
		return r
	}, s)
}

func quote(s string) string { return fmt.Sprintf("%q", s) }
