// Command firstreq measures how soon a load generator's first request
// reaches its target after the generator's exec: it serves HTTP on loopback,
// starts each command in turn (interleaved over -rounds), and takes the
// instant before exec and the instant the first request's line arrived, both
// on this process's monotonic clock, so no shell, date(1) or wrapper sits in
// the measured span. It prints one line per command: min, median and max in
// milliseconds.
//
//	firstreq -rounds 7 'product=./slocheck run --scenario {dir}/s.yaml --out {dir}/out --quiet' \
//	  'driver=./slocheck-load -target {url} -rate 2000 -duration 1s'
//
// In each command, {url} is the server's base URL and {dir} a scratch
// directory; a file {dir}/s.yaml is written first with a one-second steady
// scenario at {url} (slocheck's, for `slocheck run`). Every command must end
// by itself; it is killed after -timeout.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

func main() {
	rounds := flag.Int("rounds", 5, "runs of every command, interleaved")
	timeout := flag.Duration("timeout", 30*time.Second, "kill a command after this long")
	flag.Parse()
	if err := run(flag.Args(), *rounds, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "firstreq:", err)
		os.Exit(1)
	}
}

// first records the first request's arrival after each arm.
type first struct {
	mu    sync.Mutex
	armed bool
	at    time.Time
	seen  chan struct{}
}

func (f *first) arm() {
	f.mu.Lock()
	f.armed, f.seen = true, make(chan struct{})
	f.mu.Unlock()
}

func (f *first) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	now := time.Now()
	f.mu.Lock()
	if f.armed {
		f.armed, f.at = false, now
		close(f.seen)
	}
	f.mu.Unlock()
	_, _ = w.Write([]byte("ok"))
}

func run(specs []string, rounds int, timeout time.Duration) error {
	if len(specs) == 0 {
		return fmt.Errorf("no command: give name=command ...")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	f := &first{}
	go func() { _ = http.Serve(ln, f) }()
	url := "http://" + ln.Addr().String()
	dir, err := os.MkdirTemp("", "firstreq")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "s.yaml"), []byte(scenario(url)), 0o644); err != nil {
		return err
	}
	ms := make(map[string][]float64)
	var names []string
	for r := 0; r < rounds; r++ {
		for _, spec := range specs {
			name, line, ok := strings.Cut(spec, "=")
			if !ok {
				return fmt.Errorf("%q: want name=command", spec)
			}
			if r == 0 {
				names = append(names, name)
			}
			d, err := once(f, expand(line, url, dir), timeout)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			ms[name] = append(ms[name], d)
		}
	}
	for _, n := range names {
		v := ms[n]
		slices.Sort(v)
		fmt.Printf("%-10s first request %.1f–%.1f (%.1f) ms after exec, %d runs\n", n, v[0], v[len(v)-1], v[len(v)/2], len(v))
	}
	return nil
}

func expand(line, url, dir string) []string {
	args := strings.Fields(line)
	for i, a := range args {
		args[i] = strings.NewReplacer("{url}", url, "{dir}", dir).Replace(a)
	}
	return args
}

// once runs args and returns the milliseconds from just before its exec to
// its first request.
func once(f *first, args []string, timeout time.Duration) (float64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	f.arm()
	seen := f.seen
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	_ = cmd.Wait() // a run that fails an objective still sent its requests
	select {
	case <-seen:
	default:
		return 0, fmt.Errorf("%v sent no request", args)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return float64(f.at.Sub(t0).Microseconds()) / 1000, nil
}

func scenario(url string) string {
	return `name: firstreq
description: one GET /catalog a millisecond for a second (bench/firstreq)
target:
  url: ` + url + `
  regions: [bench]
load:
  rate: 1000
  duration: 1s
  client_regions: {bench: 1}
  journeys:
    - {name: browse, steps: [browse]}
objectives:
  p99: 1s
  availability: 0.9
`
}
