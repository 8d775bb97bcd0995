package cli_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/slocheck/slocheck/internal/cli"
)

// failingWriter fails every write, as a closed pipe does.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

// printedExit returns the N of the console's last line "verdict: V (exit N)",
// or -1 when there is none.
func printedExit(stdout string) int {
	m := regexp.MustCompile(`(?m)^verdict: \S+ \(exit (\d+)\)$`).FindAllStringSubmatch(stdout, -1)
	if len(m) == 0 {
		return -1
	}
	n, _ := strconv.Atoi(m[len(m)-1][1])
	return n
}

// TestRunSaysWhyAndExitsAsPrinted runs a short steady-state run against a
// loopback shop: run prints the scenario's warnings before it starts (the
// steady state of 1 s cannot decide 99.99 %), prints the exit code it then
// exits with, and errors without a code are rig failures (3), not usage (2).
func TestRunSaysWhyAndExitsAsPrinted(t *testing.T) {
	srv := shopTarget(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "run")
	args := []string{"run", "--quiet", "--scenario", "release-gate", "--target", srv.URL, "--rate", "20", "--duration", "1s", "--out", out}
	code, stdout, stderr := runCLI(t, nil, args...)
	if code != printedExit(stdout) {
		t.Errorf("exit %d, the console printed %d:\n%s", code, printedExit(stdout), stdout)
	}
	warn := strings.Index(stderr, "warning: ")
	if warn < 0 || !strings.Contains(stderr[warn:], "steady state") {
		t.Errorf("stderr lacks the steady-state warning:\n%s", stderr)
	}

	t.Run("console write fails", func(t *testing.T) {
		var errb bytes.Buffer
		code := cli.Run(context.Background(), append(args[:len(args)-1:len(args)-1], filepath.Join(dir, "run2")),
			cli.IO{In: strings.NewReader(""), Out: failingWriter{}, Err: &errb})
		if code != 3 || !strings.Contains(errb.String(), "broken pipe") {
			t.Errorf("exit %d, stderr %q; want 3 (a rig failure) naming the write error", code, errb.String())
		}
	})
	t.Run("report file cannot be written", func(t *testing.T) {
		if err := os.Remove(filepath.Join(out, "report.md")); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(out, "report.md", "in-the-way"), 0o755); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := runCLI(t, nil, "report", out)
		if code != 3 || !strings.Contains(stderr, "report.md") {
			t.Errorf("report DIR: exit %d, stderr %q; want 3 naming report.md", code, stderr)
		}
		if printedExit(stdout) != code {
			t.Errorf("report DIR: exit %d, the console printed %d:\n%s", code, printedExit(stdout), stdout)
		}
	})
	t.Run("usage errors stay 2", func(t *testing.T) {
		for _, a := range [][]string{{"report", out, "--format", "pdf"}, {"run", "--no-such-flag"}, {"report"}, {"validate"}} {
			if code, _, stderr := runCLI(t, nil, a...); code != 2 {
				t.Errorf("%v: exit %d (%s), want 2", a, code, stderr)
			}
		}
	})
}
