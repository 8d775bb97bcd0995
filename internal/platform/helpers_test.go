package platform

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
)

// WAN delays the tests use: far enough apart that a failover is plain in a
// latency, small enough to keep the tests quick.
const (
	testNear = 5 * time.Millisecond
	testFar  = 40 * time.Millisecond
)

// testConfig is the default platform with fast probes, no service time and
// the test WAN delays.
func testConfig(ps ProbeSettings) Config {
	c := DefaultConfig()
	c.Probe = ps
	c.Service = nil
	c.NearDelay, c.FarDelay = testNear, testFar
	return c
}

// fastProbe detects in F = 2 probes of 400 ms. The timeout leaves a healthy
// probe (a 2 × 40 ms round trip at most) room for a busy machine.
var fastProbe = ProbeSettings{Interval: 400 * time.Millisecond, SampleSize: 4, SuccessfulSamples: 3, Timeout: 250 * time.Millisecond}

func start(t testing.TB, cfg Config) *Platform {
	t.Helper()
	p, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return p
}

// answer is one HTTP exchange as a test sees it.
type answer struct {
	status   int
	servedBy string
	latency  time.Duration
	body     []byte
	err      error
}

func do(c *http.Client, method, url, body string, hdr ...string) answer {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return answer{err: err}
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	begin := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return answer{err: err, latency: time.Since(begin)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, servedBy: resp.Header.Get(ServedByHeader), latency: time.Since(begin), body: b, err: err}
}

func newClient(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
}

// waitEvent polls the platform's events until one matches or the deadline
// passes.
func waitEvent(t *testing.T, p *Platform, deadline time.Time, match func(results.Event) bool) (results.Event, bool) {
	t.Helper()
	for {
		for _, ev := range p.Events() {
			if match(ev) {
				return ev, true
			}
		}
		if time.Now().After(deadline) {
			return results.Event{}, false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// probeEvent matches the first probe transition of edge's view of region to
// healthy, at or after since.
func probeEvent(edge, region string, healthy bool, since time.Time) func(results.Event) bool {
	return func(ev results.Event) bool {
		return ev.Kind == results.EventProbe && ev.Edge == edge && ev.Region == region &&
			ev.Healthy != nil && *ev.Healthy == healthy && !ev.Time.Before(since)
	}
}

func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}
