package cli

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// initBudget is what one of slocheck's own packages may allocate while it
// initialises. Every process pays its package inits before main, whatever the
// command, and every page they touch adds to the first request's delay and to
// the run's resident memory; the module's packages stay near 30 KB together
// (a scenario's plain patterns). A regular expression with a counted
// repetition compiled at init (`{0,254}`: about 240 KB) or a template parsed
// at init trips this: build such things on first use (sync.OnceValue).
const (
	initBudgetPackage = 64 << 10
	initBudgetModule  = 128 << 10
)

// TestPackageInitStaysSmall runs this test binary again with
// GODEBUG=inittrace=1 (the runtime's own account of every package init's
// allocations, so no clock is involved) and checks the module's packages
// against initBudget. The binary links every package the slocheck command
// does (cmd/slocheck only calls Run).
func TestPackageInitStaysSmall(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	godebug := "inittrace=1"
	if v := os.Getenv("GODEBUG"); v != "" {
		godebug = v + "," + godebug
	}
	cmd.Env = append(os.Environ(), "GODEBUG="+godebug)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %v\n%s", cmd, err, out)
	}
	const module = "github.com/slocheck/slocheck/"
	seen, total := map[string]int{}, 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		pkg, bytesAlloc, ok := parseInitTrace(sc.Text())
		if !ok || !strings.HasPrefix(pkg, module) || strings.HasSuffix(pkg, "_test") {
			continue
		}
		seen[pkg] = bytesAlloc
		total += bytesAlloc
		if bytesAlloc > initBudgetPackage {
			t.Errorf("%s allocates %d bytes in its package init, budget %d: build it on first use", pkg, bytesAlloc, initBudgetPackage)
		}
	}
	// The trace must have covered the packages a run initialises, or the
	// test proves nothing.
	for _, p := range []string{"internal/scenario", "internal/report", "internal/cli"} {
		if _, ok := seen[module+p]; !ok {
			t.Fatalf("no inittrace line for %s%s (GODEBUG=inittrace=1 not honoured?):\n%s", module, p, out)
		}
	}
	if total > initBudgetModule {
		t.Errorf("the module's packages allocate %d bytes in their inits, budget %d: %v", total, initBudgetModule, seen)
	}
}

// parseInitTrace reads one line of GODEBUG=inittrace=1:
// "init PKG @T ms, C ms clock, B bytes, A allocs".
func parseInitTrace(line string) (pkg string, bytesAlloc int, ok bool) {
	f := strings.Fields(line)
	if len(f) < 10 || f[0] != "init" || f[8] != "bytes," {
		return "", 0, false
	}
	n, err := strconv.Atoi(f[7])
	if err != nil {
		return "", 0, false
	}
	return f[1], n, true
}
