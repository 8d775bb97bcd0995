// Package companiontest builds slocheck and its companion slocheck-cloud for
// tests that run them as processes (only tests import it).
package companiontest

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Build builds the named commands of cmd/ ("slocheck", "slocheck-cloud")
// into one new directory and returns it. They are built without VCS stamps,
// so their version is "dev" like this test binary's (a proxy in the test
// process accepts the companion), without the race detector and without
// DWARF (a quarter less link time).
func Build(t testing.TB, names ...string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	dir := t.TempDir()
	for _, name := range names {
		cmd := exec.Command(goBin, "build", "-buildvcs=false", "-ldflags=-w", "-o", filepath.Join(dir, name), "github.com/slocheck/slocheck/cmd/"+name)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", name, err, out)
		}
	}
	return dir
}
