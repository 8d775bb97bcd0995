package module_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/slocheck/slocheck/adminapi"
)

// servePlatform starts `slocheck platform serve`, built from this checkout
// (the extension module's tests run inside it), on loopback ports of its
// choosing, and returns its admin API's URL. The extension meets the
// platform as a k6 user does: a program and its admin API, none of
// slocheck's internal packages.
func servePlatform(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "slocheck")
	build := exec.Command(goBin, "build", "-C", filepath.Join("..", ".."), "-ldflags=-w", "-o", bin, "./cmd/slocheck")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build slocheck: %v\n%s", err, out)
	}
	desc := filepath.Join(dir, "platform.json")
	cmd := exec.Command(bin, "platform", "serve", "--listen", "127.0.0.1:0", "--describe", desc)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Signal(syscall.SIGINT); _ = cmd.Wait() })
	var d struct{ Admin string }
	for deadline := time.Now().Add(20 * time.Second); d.Admin == ""; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("platform serve wrote no description within 20 s:\n%s", out.String())
		}
		if b, err := os.ReadFile(desc); err == nil {
			_ = json.Unmarshal(b, &d)
		}
	}
	return d.Admin
}

// platformFaults are the faults active on the platform, as its admin API
// says (GET /state).
func platformFaults(t *testing.T, admin string) []adminapi.ActiveFault {
	t.Helper()
	c, err := adminapi.NewClient(admin, "", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	st, _, err := c.State(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st.Faults
}
