// Package companiontest builds slocheck and its companion slocheck-cloud for
// tests that run them as processes (only tests import it).
package companiontest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

var (
	mu    sync.Mutex
	root  string                // this process's build directory, made on first use
	built = map[string]string{} // flags and names -> directory
)

// Build builds the named commands of cmd/ ("slocheck", "slocheck-cloud")
// into one directory and returns it; a second call with the same names in
// the same test process returns the same directory. They are built without
// VCS stamps, so their version is "dev" like this test binary's (a proxy in
// the test process accepts the companion), without the race detector and
// without DWARF (a quarter less link time). A package that uses it calls
// Cleanup from TestMain, or leaves the directory to the system's temp
// cleaning.
func Build(t testing.TB, names ...string) string {
	t.Helper()
	return BuildWith(t, nil, names...)
}

// BuildWith is Build with more flags for go build (e.g. "-tags", "…").
func BuildWith(t testing.TB, flags []string, names ...string) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	key := strings.Join(flags, " ") + "|" + strings.Join(names, " ")
	if dir, ok := built[key]; ok {
		return dir
	}
	if root == "" {
		var err error
		if root, err = os.MkdirTemp("", "companiontest-"); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(root, fmt.Sprint(len(built)))
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	for _, name := range names {
		args := append([]string{"build", "-buildvcs=false", "-ldflags=-w"}, flags...)
		cmd := exec.Command(goBin, append(args, "-o", filepath.Join(dir, name), "github.com/slocheck/slocheck/cmd/"+name)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", name, err, out)
		}
	}
	built[key] = dir
	return dir
}

// Cleanup removes what Build built in this process.
func Cleanup() {
	mu.Lock()
	defer mu.Unlock()
	if root != "" {
		_ = os.RemoveAll(root)
	}
	root, built = "", map[string]string{}
}

// Children returns the pids of ppid's child processes running program
// (its base name) with args first among its arguments, e.g. the
// `slocheck-cloud cosmos` a slocheck started.
func Children(ppid int, program string, args ...string) []int {
	var pids []int
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// "pid (comm) state ppid ...": comm may hold spaces and parentheses.
		s := string(b)
		shut := strings.LastIndexByte(s, ')')
		f := strings.Fields(s[shut+1:])
		if shut < 0 || len(f) < 2 || f[1] != strconv.Itoa(ppid) {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join(filepath.Dir(p), "cmdline"))
		argv := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
		if err != nil || filepath.Base(argv[0]) != program || len(argv)-1 < len(args) || !slices.Equal(argv[1:1+len(args)], args) {
			continue
		}
		if pid, err := strconv.Atoi(filepath.Base(filepath.Dir(p))); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// Main runs a package's tests and removes what Build built: a TestMain of
// a package that builds the binaries calls it.
func Main(m *testing.M) {
	code := m.Run()
	Cleanup()
	os.Exit(code)
}
