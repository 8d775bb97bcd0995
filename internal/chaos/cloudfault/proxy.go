package cloudfault

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/slocheck/slocheck/internal/buildinfo"
	"github.com/slocheck/slocheck/internal/chaos"
	"github.com/slocheck/slocheck/internal/chaos/execfault"
	"github.com/slocheck/slocheck/internal/companion"
)

// checkTimeout bounds the companion's check of a spec when a fault is built.
const checkTimeout = 30 * time.Second

// Register makes chaos.Build build the Kinds as proxies of the companion.
// The builder finds the companion and has it check the spec, so a missing
// companion, one of another build or a wrong spec fails when the fault is
// built, before it is injected (`slocheck run` also looks for the companion
// before it starts anything).
func Register() {
	for _, kind := range Kinds {
		chaos.Register(kind, func(s chaos.Spec, env chaos.Env) (chaos.Injector, error) {
			return New(s, env)
		})
	}
}

// Injector is one fault of a companion kind; each call runs the companion.
type Injector struct {
	path string
	spec chaos.Spec
	env  chaos.Env

	mu      sync.Mutex
	mine    bool        // an inject of this fault ran and was not refused: the fault may be ours
	refused bool        // the companion refused to touch a target faulted by someone else
	last    chaos.Fault // the last successful inject
}

var _ chaos.Injector = (*Injector)(nil)

// New finds the companion, checks it is of this build and has it check
// spec (no cloud call is made).
func New(spec chaos.Spec, env chaos.Env) (*Injector, error) {
	path, err := companion.Locate("the "+spec.Kind+" injector", env.Lookup)
	if err != nil {
		return nil, err
	}
	i := &Injector{path: path, spec: spec, env: env}
	ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
	defer cancel()
	// The check writes nothing into the run directory: its output is kept
	// for the error only.
	if _, err := i.call(ctx, ActionCheck, chaos.Env{Getenv: env.Getenv}); err != nil {
		return nil, err
	}
	return i, nil
}

// Inject runs `slocheck-cloud inject`.
func (i *Injector) Inject(ctx context.Context) (chaos.Fault, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	issued := time.Now()
	a, err := i.call(ctx, ActionInject, i.env)
	if a.Refused {
		if i.mine && a.AlreadyFaulted {
			// Faulted by this fault's earlier inject: the in-process
			// injector answers the fault it made.
			return chaos.Fault{Issued: issued, Injected: i.last.Injected, Undo: i.last.Undo}, nil
		}
		if !i.mine {
			i.refused = true
		}
		return chaos.Fault{}, err
	}
	// As in the injectors: a failed inject may have half-worked, so the
	// fault is ours to heal from now on.
	i.mine, i.refused = true, false
	if err != nil {
		return chaos.Fault{}, err
	}
	if a.Fault == nil {
		return chaos.Fault{}, fmt.Errorf("%s inject: its answer holds no fault", companion.Program)
	}
	i.last = chaos.Fault{Issued: a.Fault.Issued, Injected: a.Fault.Injected, Undo: a.Fault.Undo}
	return i.last, nil
}

// Heal runs `slocheck-cloud heal`, unless the inject was refused: then the
// target is someone else's fault, and the heal leaves it, as in-process.
func (i *Injector) Heal(ctx context.Context) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.refused {
		return nil
	}
	_, err := i.call(ctx, ActionHeal, i.env)
	return err
}

// call runs the companion for one action and decodes its answer. The error
// is the answer's, or says why there is none.
func (i *Injector) call(ctx context.Context, action string, env chaos.Env) (Answer, error) {
	req, err := json.Marshal(Request{Version: buildinfo.String(), Spec: i.spec, RunDir: env.RunDir})
	if err != nil {
		return Answer{}, fmt.Errorf("%s %s: %w", companion.Program, action, err)
	}
	var out, errb bytes.Buffer
	env.Stdout, env.Stderr = nil, &errb
	cmd, closeOut, err := execfault.Command(ctx, env, i.spec.Name, action, i.path, action)
	if err != nil {
		return Answer{}, err
	}
	defer closeOut()
	cmd.Stdin = bytes.NewReader(req)
	cmd.Stdout = teeTo(&out, cmd.Stdout)
	cmd.Stderr = teeTo(&errb, cmd.Stderr)
	cmd.Env = os.Environ()
	runErr := cmd.Run()
	var a Answer
	decodeErr := json.Unmarshal(bytes.TrimSpace(out.Bytes()), &a)
	switch {
	case runErr != nil && ctx.Err() != nil:
		return a, fmt.Errorf("%s %s: %w (process group killed)", companion.Program, action, ctx.Err())
	case runErr != nil && a.Error != "":
		return a, fmt.Errorf("%s %s: %s", companion.Program, action, a.Error)
	case runErr != nil:
		return a, fmt.Errorf("%s %s: %w: %s%s", companion.Program, action, runErr, companion.LastLine(errb.String()), execfault.SeeOutput(env.RunDir, i.spec.Name, action))
	case decodeErr != nil:
		return a, fmt.Errorf("%s %s: its answer: %w", companion.Program, action, decodeErr)
	}
	return a, nil
}

// teeTo writes to buf and, when there is one, to w.
func teeTo(buf *bytes.Buffer, w io.Writer) io.Writer {
	if w == nil || w == io.Writer(buf) {
		return buf
	}
	return io.MultiWriter(buf, w)
}
