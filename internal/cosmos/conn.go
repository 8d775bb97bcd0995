package cosmos

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/slocheck/slocheck/internal/buildinfo"
	"github.com/slocheck/slocheck/internal/companion"
	"github.com/slocheck/slocheck/internal/procgroup"
)

// Bounds of the companion's calls: its start and the clients' making, one
// request's write into its stdin, and how long past a request's own timeout
// its answer may come (the companion bounds the request itself).
const (
	openTimeout  = 30 * time.Second
	writeTimeout = 5 * time.Second
	answerGrace  = 2 * time.Second
	closeGrace   = 5 * time.Second
	maxAnswer    = 8 << 20
)

// errClosed is a call after Close.
var errClosed = errors.New(companion.Program + " cosmos: closed")

// conn is one slocheck-cloud cosmos process: requests are written to its
// stdin, answers read from its stdout and handed to their callers by ID.
// The process runs in a process group of its own, killed by close.
type conn struct {
	cmd    *exec.Cmd
	kill   context.CancelFunc
	stdin  *os.File // a pipe: writes have deadlines
	tail   *tailBuffer
	exited chan struct{}

	mu      sync.Mutex
	next    uint64
	pending map[uint64]chan Answer
	err     error // why no call can succeed any more; set once
	closing bool
}

// dial starts the companion and waits for its answer to the OpenRequest.
func dial(cfg Config, regions []string) (*conn, error) {
	ctx, kill := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, cfg.Companion, "cosmos")
	procgroup.Own(cmd)
	cmd.WaitDelay = time.Second
	c := &conn{cmd: cmd, kill: kill, tail: &tailBuffer{}, exited: make(chan struct{}), pending: map[uint64]chan Answer{}}
	cmd.Stderr = c.tail
	if cfg.Stderr != nil {
		cmd.Stderr = io.MultiWriter(cfg.Stderr, c.tail)
	}
	r, w, err := os.Pipe()
	if err != nil {
		kill()
		return nil, err
	}
	cmd.Stdin, c.stdin = r, w
	stdout, err := cmd.StdoutPipe()
	if err == nil {
		err = cmd.Start()
	}
	r.Close()
	if err != nil {
		w.Close()
		kill()
		return nil, fmt.Errorf("start %s cosmos: %w", cfg.Companion, err)
	}
	opened := make(chan Answer, 1)
	c.pending[0] = opened
	c.next = 1
	go c.read(stdout)
	if err := c.write(OpenRequest{Version: buildinfo.String(), Config: cfg, Regions: regions}); err != nil {
		c.close()
		return nil, err
	}
	t := time.NewTimer(openTimeout)
	defer t.Stop()
	select {
	case a, ok := <-opened:
		if ok && a.Error == "" {
			return c, nil
		}
		err := c.crashed()
		if ok {
			err = errors.New(a.Error)
		}
		c.close()
		return nil, err
	case <-t.C:
		c.close()
		return nil, fmt.Errorf("%s cosmos: no answer to open within %s", companion.Program, openTimeout)
	}
}

// write sends one line to the companion.
func (c *conn) write(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_ = c.stdin.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := c.stdin.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("%s cosmos: request: %w", companion.Program, err)
	}
	return nil
}

// call sends r and waits for its answer: at most r.Timeout plus a grace, or
// until ctx ends or the companion exits.
func (c *conn) call(ctx context.Context, r Request) (Answer, error) {
	ch := make(chan Answer, 1)
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return Answer{}, c.err
	}
	r.ID = c.next
	c.next++
	c.pending[r.ID] = ch
	err := c.write(r) // under mu: lines never interleave
	c.mu.Unlock()
	if err != nil {
		c.forget(r.ID)
		return Answer{}, err
	}
	t := time.NewTimer(r.Timeout + answerGrace)
	defer t.Stop()
	select {
	case a, ok := <-ch:
		switch {
		case !ok:
			return Answer{}, c.crashed()
		case a.Error != "":
			return a, errors.New(a.Error)
		}
		return a, nil
	case <-ctx.Done():
		c.forget(r.ID)
		return Answer{}, ctx.Err()
	case <-t.C:
		c.forget(r.ID)
		return Answer{}, fmt.Errorf("%s cosmos: no answer within %s", companion.Program, r.Timeout+answerGrace)
	}
}

func (c *conn) forget(id uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.pending, id)
}

// read hands each answer to its caller until the companion's stdout ends;
// then it waits for the process and fails every call still waiting.
func (c *conn) read(stdout io.Reader) {
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), maxAnswer)
	var bad error
	for sc.Scan() {
		var a Answer
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			bad = fmt.Errorf("%s cosmos: bad answer: %w", companion.Program, err)
			c.kill()
			break
		}
		c.mu.Lock()
		if ch, ok := c.pending[a.ID]; ok {
			ch <- a
			delete(c.pending, a.ID)
		}
		c.mu.Unlock()
	}
	waitErr := c.cmd.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closing:
		c.err = errClosed
	case bad != nil:
		c.err = bad
	default:
		c.err = fmt.Errorf("%s cosmos exited while serving: %v", companion.Program, waitErr)
		if last := companion.LastLine(c.tail.String()); last != "" {
			c.err = fmt.Errorf("%w: %s", c.err, last)
		}
	}
	for id, ch := range c.pending {
		close(ch)
		delete(c.pending, id)
	}
	close(c.exited)
}

// crashed is why the companion stopped before close, or nil.
func (c *conn) crashed() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil || errors.Is(c.err, errClosed) {
		return nil
	}
	return c.err
}

// close ends the companion's stdin, lets it finish and exit, and kills its
// process group when it does not within closeGrace.
func (c *conn) close() error {
	c.mu.Lock()
	if c.err == nil {
		c.closing = true
	}
	c.mu.Unlock()
	c.stdin.Close()
	t := time.NewTimer(closeGrace)
	defer t.Stop()
	select {
	case <-c.exited:
	case <-t.C:
		c.kill()
		<-c.exited
	}
	c.kill()
	return c.crashed()
}

// tailBuffer keeps the last 4 KB written: the companion's last messages.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - 4096; over > 0 {
		t.buf = t.buf[over:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
