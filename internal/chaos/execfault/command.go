package execfault

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/internal/procgroup"
)

// Command returns the program name with args, not started, as it runs for
// the fault's action ("inject", "heal", …): in a process group of its own
// that is killed whole when ctx ends, its standard output and error appended
// to the run directory's chaos/<fault>.<action>.stdout|stderr (or written to
// env.Stdout and env.Stderr when env.RunDir is ""). Call closeOut once the
// command has exited. Other injectors that run a program (the cloud proxy)
// use it, so that every process a fault starts is run and killed alike.
func Command(ctx context.Context, env chaos.Env, fault, action, name string, args ...string) (cmd *exec.Cmd, closeOut func(), err error) {
	stdout, stderr, closeOut, err := outputs(env, fault, action)
	if err != nil {
		return nil, nil, err
	}
	cmd = exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	procgroup.Own(cmd)
	// WaitDelay bounds the wait for output pipes held open by orphans.
	cmd.WaitDelay = time.Second
	return cmd, closeOut, nil
}

// outputs opens where a command's output goes: append-mode files in the run
// directory, or env.Stdout/Stderr when there is no run directory.
func outputs(env chaos.Env, fault, action string) (stdout, stderr io.Writer, closeAll func(), err error) {
	if env.RunDir == "" {
		return env.Stdout, env.Stderr, func() {}, nil
	}
	if err := os.MkdirAll(filepath.Join(env.RunDir, "chaos"), 0o755); err != nil {
		return nil, nil, nil, fmt.Errorf("fault output: %w", err)
	}
	open := func(stream string) (*os.File, error) {
		return os.OpenFile(OutputPath(env.RunDir, fault, action, stream), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	}
	out, err := open("stdout")
	if err != nil {
		return nil, nil, nil, fmt.Errorf("fault output: %w", err)
	}
	errf, err := open("stderr")
	if err != nil {
		out.Close()
		return nil, nil, nil, fmt.Errorf("fault output: %w", err)
	}
	return out, errf, func() { out.Close(); errf.Close() }, nil
}

// SeeOutput is " (see <the action's stderr file>)", or "" without a run
// directory: what an error about the fault's command adds.
func SeeOutput(runDir, fault, action string) string {
	if runDir == "" {
		return ""
	}
	return " (see " + OutputPath(runDir, fault, action, "stderr") + ")"
}
