package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/internal/platform"
)

// platformTestBuffer is a bytes.Buffer safe to read while a command writes.
type platformTestBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *platformTestBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *platformTestBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// platformRunBackground runs the command line until the returned stop is called,
// which cancels it and returns its exit code.
func platformRunBackground(t *testing.T, args []string, env map[string]string) (out, errOut *platformTestBuffer, stop func() int) {
	t.Helper()
	out, errOut = &platformTestBuffer{}, &platformTestBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, args, IO{In: strings.NewReader(""), Out: out, Err: errOut, Getenv: func(k string) string { return env[k] }})
	}()
	stop = func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(10 * time.Second):
			t.Fatal("command did not stop within 10 s of its context's cancel")
			return -1
		}
	}
	t.Cleanup(func() { cancel() })
	return out, errOut, stop
}

// platformEventually polls cond every 20 ms until it holds or within passes.
func platformEventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
	}
}

func platformTestGet(t *testing.T, method, url, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Timeout: 3 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestPlatformServe(t *testing.T) {
	desc := filepath.Join(t.TempDir(), "platform.json")
	out, errOut, stop := platformRunBackground(t, []string{"platform", "serve", "--listen", "127.0.0.1:0", "--describe", desc,
		"--probe-interval", "200ms", "--probe-timeout", "100ms", "--replication-lag", "100ms", "--seed", "7"}, nil)
	var d platform.Description
	platformEventually(t, 5*time.Second, "describe file written", func() bool {
		b, err := os.ReadFile(desc)
		return err == nil && json.Unmarshal(b, &d) == nil
	})
	if d.Edges["us"] == "" || d.Edges["eu"] == "" || d.Regions["eastus"] == "" || d.Regions["westeurope"] == "" {
		t.Fatalf("description %+v", d)
	}
	for _, url := range []string{d.Admin, d.Edges["us"], d.Regions["westeurope"]} {
		if !strings.Contains(out.String(), url) {
			t.Errorf("output does not print %s:\n%s", url, out)
		}
	}
	if resp, _ := platformTestGet(t, "GET", d.Edges["us"]+"/health", ""); resp.Header.Get(platform.ServedByHeader) != "eastus" {
		t.Errorf("us edge served by %q, want eastus", resp.Header.Get(platform.ServedByHeader))
	}
	if resp, b := platformTestGet(t, "POST", d.Admin+"/faults", `{"region":"eastus","mode":"down"}`); resp.StatusCode != 201 {
		t.Fatalf("inject: %d %s", resp.StatusCode, b)
	}
	// F = 4 − 3 + 1 = 2 probes of 200 ms: well inside 3 s.
	platformEventually(t, 3*time.Second, "us edge fails over to westeurope", func() bool {
		resp, _ := platformTestGet(t, "GET", d.Edges["us"]+"/catalog", "")
		return resp.StatusCode == 200 && resp.Header.Get(platform.ServedByHeader) == "westeurope"
	})
	if resp, b := platformTestGet(t, "DELETE", d.Admin+"/faults/eastus", ""); resp.StatusCode != 200 {
		t.Fatalf("heal: %d %s", resp.StatusCode, b)
	}
	if code := stop(); code != exitcode.OK {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	if !strings.Contains(out.String(), "platform stopped") {
		t.Errorf("output does not say it stopped:\n%s", out)
	}
}

func TestPlatformServeRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		says string
	}{
		{"nearest not a region", []string{"--client-regions", "us=mars"}, `nearest region "mars"`},
		{"off loopback without token", []string{"--listen", "0.0.0.0:0"}, "bearer token"},
		{"bad unreplicated", []string{"--unreplicated", "maybe"}, `unreplicated "maybe"`},
		{"timeout above interval", []string{"--probe-timeout", "5s"}, "probe timeout"},
		{"required above sample", []string{"--probe-successful-samples", "9"}, "successful samples 9"},
		{"unknown flag", []string{"--colour"}, "unknown flag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := append([]string{"platform", "serve", "--listen", "127.0.0.1:0"}, tc.args...)
			code := Run(context.Background(), args, IO{Out: &out, Err: &errOut})
			if code != exitcode.Usage || !strings.Contains(errOut.String(), tc.says) {
				t.Errorf("exit %d, stderr %q; want %d saying %q", code, errOut.String(), exitcode.Usage, tc.says)
			}
		})
	}
}

func TestPlatformServeTokenFromEnv(t *testing.T) {
	desc := filepath.Join(t.TempDir(), "platform.json")
	_, errOut, stop := platformRunBackground(t, []string{"platform", "serve", "--listen", "127.0.0.1:0", "--describe", desc},
		map[string]string{"SLOCHECK_ADMIN_TOKEN": "t0ken"})
	var d platform.Description
	platformEventually(t, 5*time.Second, "describe file written", func() bool {
		b, err := os.ReadFile(desc)
		return err == nil && json.Unmarshal(b, &d) == nil
	})
	if resp, _ := platformTestGet(t, "GET", d.Admin+"/state", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", resp.StatusCode)
	}
	if code := stop(); code != exitcode.OK {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
}
