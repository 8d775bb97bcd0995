// Package adminapi is a client of the embedded platform's admin HTTP API
// (DESIGN.md §4, a contract): inject a fault into a region (POST /faults,
// answered with its exact injection instant), heal it (DELETE
// /faults/{region}), and read the platform's state (GET /state). It works
// the same whether the platform runs in the caller's process or as
// `slocheck platform serve` elsewhere, and it is public so that the k6
// extension (its own module) and other tools drive faults through the
// contract rather than through slocheck's internal packages.
package adminapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultTimeout bounds each admin request when the client is given none.
const DefaultTimeout = 5 * time.Second

// Modes are the fault modes the platform knows (DESIGN.md §4).
var Modes = []string{"down", "blackhole", "errors", "slow", "replication-cut"}

// Fault is the admin API's fault, in (POST /faults) and out.
type Fault struct {
	Region    string    `json:"region"`
	Mode      string    `json:"mode"`
	Ratio     float64   `json:"ratio,omitempty"` // omitted: the platform's default, 1
	LatencyMS int       `json:"latency_ms,omitempty"`
	Injected  time.Time `json:"injected,omitzero"` // in the answer: the platform's own injection instant
}

// Check says what is wrong with f before it is sent: an unknown mode, slow
// without a latency, a ratio outside [0, 1], no region.
func (f Fault) Check() error {
	switch {
	case f.Region == "":
		return errors.New("region is empty")
	case f.Ratio < 0 || f.Ratio > 1:
		return fmt.Errorf("ratio %v outside [0, 1]", f.Ratio)
	case f.LatencyMS < 0:
		return fmt.Errorf("latency %d ms is negative", f.LatencyMS)
	}
	for _, m := range Modes {
		if f.Mode == m {
			if m == "slow" && f.LatencyMS == 0 {
				return errors.New("mode slow needs a latency")
			}
			return nil
		}
	}
	return fmt.Errorf("mode %q: want one of %s", f.Mode, strings.Join(Modes, ", "))
}

// Client speaks the platform's admin API.
type Client struct {
	base  *url.URL
	token string
	http  *http.Client
}

// NewClient returns a client of the admin API at admin, sending token (when
// not empty) as a bearer token; timeout bounds each request (0: DefaultTimeout).
func NewClient(admin, token string, timeout time.Duration) (*Client, error) {
	u, err := url.Parse(admin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("admin URL %q: want an absolute http(s) URL", admin)
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Client{base: u, token: token, http: &http.Client{Timeout: timeout}}, nil
}

// Inject posts f and returns the fault as the platform answered it, its
// Injected the platform's own instant (or the answer's arrival when the
// platform gives none). Idempotent on the platform's side.
func (c *Client) Inject(ctx context.Context, f Fault) (Fault, error) {
	if err := f.Check(); err != nil {
		return Fault{}, err
	}
	in := f
	in.Injected = time.Time{}
	var out Fault
	if _, err := c.do(ctx, http.MethodPost, "/faults", in, &out); err != nil {
		return Fault{}, fmt.Errorf("inject %s %s: %w", f.Mode, f.Region, err)
	}
	if out.Injected.IsZero() {
		out.Injected = time.Now()
	}
	return out, nil
}

// Heal deletes the region's fault (idempotent).
func (c *Client) Heal(ctx context.Context, region string) error {
	if _, err := c.do(ctx, http.MethodDelete, HealPath(region), nil, nil); err != nil {
		return fmt.Errorf("heal %s: %w", region, err)
	}
	return nil
}

// HealPath is the admin API's path that heals region.
func HealPath(region string) string { return "/faults/" + url.PathEscape(region) }

// Endpoint is the URL of path on the admin API.
func (c *Client) Endpoint(path string) string {
	return strings.TrimSuffix(c.base.String(), "/") + path
}

// do sends one admin request, decoding a 2xx answer into out (when not nil)
// and turning any other into an error with the API's message.
func (c *Client) do(ctx context.Context, method, path string, in, out any) (int, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, err
		}
		body = bytes.NewReader(b)
	}
	h := http.Header{}
	if in != nil {
		h.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		h.Set("Authorization", "Bearer "+c.token)
	}
	status, b, err := Send(ctx, c.http, method, c.Endpoint(path), body, h)
	if err != nil {
		return status, err
	}
	if out != nil && len(bytes.TrimSpace(b)) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return status, fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return status, nil
}

// Send sends one request of fault control (to the admin API, or to a fault
// hook of a team's own) with header, and returns the answer's status and
// body (up to 4 MiB). An answer other than 2xx is an error naming the
// request, the status and the answer's message ({"error": "..."} or the
// start of its body).
func Send(ctx context.Context, client *http.Client, method, url string, body io.Reader, header http.Header) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return 0, nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("%s %s: read answer: %w", method, url, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, b, fmt.Errorf("%s %s: %s: %s", method, url, resp.Status, apiMessage(b))
	}
	return resp.StatusCode, b, nil
}

// apiMessage returns the admin API's {"error": "..."} text, or the raw body.
func apiMessage(b []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(b, &e) == nil && e.Error != "" {
		return e.Error
	}
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
