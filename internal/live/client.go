package live

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrNoControl says a run directory has no control file: the run is over, or
// was started without --metrics-addr.
var ErrNoControl = errors.New("no control API")

// Client calls a running run's control API (`slocheck mark`, `slocheck abort`).
type Client struct {
	URL   string // the control API's base URL
	Token string // sent as a bearer token when set
	HTTP  *http.Client
}

// NewClient finds the control API of where: a run directory (its
// control.json) or the API's URL.
func NewClient(where, token string) (*Client, error) {
	c := &Client{Token: token, HTTP: &http.Client{Timeout: 30 * time.Second}}
	if strings.HasPrefix(where, "http://") || strings.HasPrefix(where, "https://") {
		c.URL = strings.TrimRight(where, "/")
		return c, nil
	}
	b, err := os.ReadFile(filepath.Join(where, ControlFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s: the run is over or was started without --metrics-addr", ErrNoControl, where)
	}
	if err != nil {
		return nil, err
	}
	var ctl Control
	if err := json.Unmarshal(b, &ctl); err != nil || ctl.URL == "" {
		return nil, fmt.Errorf("%s: not a control file (%v)", filepath.Join(where, ControlFile), err)
	}
	c.URL = ctl.URL
	return c, nil
}

// Mark sends a mark and returns the event the run recorded.
func (c *Client) Mark(ctx context.Context, m Mark) (json.RawMessage, error) {
	body, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return c.post(ctx, "/marks", body)
}

// Abort asks the run to stop as Ctrl-C does.
func (c *Client) Abort(ctx context.Context) (json.RawMessage, error) {
	return c.post(ctx, "/abort", nil)
}

func (c *Client) post(ctx context.Context, path string, body []byte) (json.RawMessage, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w at %s: %w", ErrNoControl, c.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("POST %s: %w", path, err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(b, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(b))
		}
		return nil, &StatusError{Status: resp.StatusCode, Msg: e.Error}
	}
	return b, nil
}

// StatusError is a control API's refusal.
type StatusError struct {
	Status int
	Msg    string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("control API answered %d: %s", e.Status, e.Msg)
}
