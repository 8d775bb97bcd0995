package cosmos_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/companion"
	"github.com/slocheck/slocheck/internal/companion/companiontest"
	"github.com/slocheck/slocheck/internal/cosmos"
	"github.com/slocheck/slocheck/internal/cosmos/cosmostest"
)

// TestCompanionCrashIsAnError kills the companion under an open account:
// the next read fails at once naming slocheck-cloud, never hangs,
// and Account.Err says the companion died (what the run reports).
func TestCompanionCrashIsAnError(t *testing.T) {
	em := cosmostest.Start(t)
	em.CreateContainer(t, "shop", "orders", "/id")
	acc, err := cosmos.Open(cosmos.Config{Endpoint: em.Endpoint, Database: "shop", Container: "orders",
		Key: em.Key, CAFile: em.CAFile, Companion: companionPath(t)}, []string{"eastus"})
	if err != nil {
		t.Fatal(err)
	}
	defer acc.Close()
	if err := acc.Err(); err != nil {
		t.Fatalf("Err before the crash: %v", err)
	}
	pids := companiontest.Children(os.Getpid(), companion.Program, "cosmos")
	if len(pids) != 1 {
		t.Fatalf("slocheck-cloud children: %v, want one", pids)
	}
	if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for acc.Err() == nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if err := acc.Err(); err == nil || !strings.Contains(err.Error(), "slocheck-cloud cosmos exited") || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("Err after SIGKILL: %v", err)
	}
	begun := time.Now()
	found, err := cosmos.NewReader(acc, 1, time.Second).Read(context.Background(), "o-1", "eastus")
	if err == nil || found || time.Since(begun) > time.Second || !strings.Contains(err.Error(), "slocheck-cloud cosmos exited") {
		t.Fatalf("read after the crash: found=%v err=%v after %s", found, err, time.Since(begun))
	}
}

// TestCompanionSilenceTimesOut: a companion that answers the open and then
// nothing makes each call fail after its timeout plus a grace, not hang.
func TestCompanionSilenceTimesOut(t *testing.T) {
	script := filepath.Join(t.TempDir(), "silent")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nread line\necho '{\"id\":0}'\nexec cat >/dev/null\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	acc, err := cosmos.Open(cosmos.Config{Endpoint: "https://127.0.0.1:9/", Database: "shop", Container: "orders", Key: "k",
		Companion: script}, []string{"eastus"})
	if err != nil {
		t.Fatal(err)
	}
	defer acc.Close()
	r := cosmos.NewReader(acc, 1, 100*time.Millisecond)
	begun := time.Now()
	_, err = r.Read(context.Background(), "o-1", "eastus")
	took := time.Since(begun)
	// The bound is the request's timeout plus the 2 s grace; a busy
	// machine may add scheduling delay, not seconds.
	if err == nil || !strings.Contains(err.Error(), "no answer within") || took < 2*time.Second || took > 5*time.Second {
		t.Fatalf("read from a silent companion: %v after %s", err, took)
	}
	if err := acc.Err(); err != nil {
		t.Errorf("Err of a live, silent companion: %v", err)
	}
}
