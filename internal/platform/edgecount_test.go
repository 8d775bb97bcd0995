package platform

import (
	"net/http"
	"testing"
	"time"
)

// TestEdgeCountsWhatItReceived: GET /state counts, per edge, every request
// a client sent it and those answered with a status >= 500: an origin's 503
// (errors) and the edge's own 502 (down) alike, a 404 not.
func TestEdgeCountsWhatItReceived(t *testing.T) {
	// Probes a minute apart: at most one probe fails, no failover while the
	// test runs (two failures are needed).
	p := start(t, testConfig(ProbeSettings{Interval: time.Minute, SampleSize: 4, SuccessfulSamples: 3, Timeout: time.Second}))
	d := p.Describe()
	c := newClient(5 * time.Second)
	want := map[int]int{}
	send := func(n int, path string) {
		for range n {
			a := do(c, "GET", d.Edges["us"]+path, "")
			if a.err != nil {
				t.Fatalf("GET %s: %v", path, a.err)
			}
			want[a.status]++
		}
	}
	send(5, "/catalog")
	send(2, "/no-such-page")
	for _, f := range []Fault{{Region: "eastus", Mode: ModeErrors}, {Region: "eastus", Mode: ModeDown}} {
		if _, err := p.Inject(f); err != nil {
			t.Fatal(err)
		}
		send(3, "/catalog")
		if _, err := p.Heal("eastus"); err != nil {
			t.Fatal(err)
		}
	}
	if want[http.StatusServiceUnavailable] != 3 || want[http.StatusBadGateway] != 3 || want[http.StatusNotFound] != 2 {
		t.Fatalf("answers by status %v: want three 503 (errors), three 502 (down), two 404", want)
	}
	st := decode[State](t, do(c, "GET", d.Admin+"/state", "").body)
	if us := st.Edges["us"]; us.Requests != 13 || us.Failed != 6 {
		t.Errorf("us edge counted %d requests, %d failed; the client sent 13, 6 answered 5xx", us.Requests, us.Failed)
	}
	if eu := st.Edges["eu"]; eu.Requests != 0 || eu.Failed != 0 {
		t.Errorf("eu edge counted %d requests, %d failed; nothing was sent to it", eu.Requests, eu.Failed)
	}
}
