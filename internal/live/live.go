// Package live serves a running run's metrics, control API and live page:
// Prometheus metrics on GET /metrics, fault marks on POST /marks, a stop on
// POST /abort (DESIGN.md §9), and the run's directory learns where to find
// it through control.json, so `slocheck mark DIR` and `slocheck abort DIR`
// need no address.
//
// It listens on loopback unless told otherwise; off loopback (the control
// API's address or the live page's) it refuses to start without a token,
// and with a token configured every request must carry it
// ("Authorization: Bearer <token>", or for a browser the cookie it gets by
// opening a page once with ?token=<token>) or gets 401 and does nothing.
// The token is never written to control.json, a log or a report.
package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/slocheck/slocheck/internal/httpapi"
)

// ErrToken is returned by Start when the control API would listen off
// loopback without a token.
var ErrToken = errors.New("control API off loopback needs a token")

// TokenEnv is the environment variable that carries the control API's token
// to `slocheck run` and to `slocheck mark` and `slocheck abort`.
const TokenEnv = "SLOCHECK_CONTROL_TOKEN"

// ControlFile is the file in a run directory that says where the run's
// control API listens (never its token).
const ControlFile = "control.json"

// Config configures a Server.
type Config struct {
	Addr  string // listen address; "" or a bare ":port" mean 127.0.0.1
	Token string // required on every request when set; needed off loopback

	// Dashboard, when set, also serves the live page alone (GET /,
	// GET /events, read-only) on this address, for a browser; the token
	// rule is the control API's.
	Dashboard string

	// Abort stops the run as Ctrl-C does; called at most once, with who
	// asked (the remote address).
	Abort func(by string)
}

// Control is what a running run's control file says.
type Control struct {
	URL           string `json:"url"`                      // the control API's base URL
	Metrics       string `json:"metrics"`                  // URL of GET /metrics
	TokenRequired bool   `json:"token_required"`           // send Authorization: Bearer $SLOCHECK_CONTROL_TOKEN
	PID           int    `json:"pid"`                      // the run's process
	PlatformAdmin string `json:"platform_admin,omitempty"` // the embedded platform's admin API, when the run started one
}

// Server is a running run's control API and metrics endpoint.
type Server struct {
	cfg     Config
	url     string
	srv     *http.Server
	dash    *http.Server // the live page's own server; nil without Config.Dashboard
	dashURL string
	metrics *Metrics
	marks   *marks
	page    *page

	abortOnce sync.Once
	aborted   chan struct{}
	file      string // the control file written, "" before WriteControl
}

// IsLoopback reports whether a listen address binds loopback only ("" and
// ":port" do).
func IsLoopback(addr string) bool { return httpapi.IsLoopback(listenAddr(addr)) }

// listenAddr makes "" and ":port" loopback: off by default, local unless an
// address is given.
func listenAddr(addr string) string {
	switch {
	case addr == "":
		return "127.0.0.1:0"
	case addr[0] == ':':
		return "127.0.0.1" + addr
	}
	return addr
}

// CheckAddr refuses an address off loopback without a token.
func CheckAddr(addr, token string) error {
	if token != "" || IsLoopback(addr) {
		return nil
	}
	return fmt.Errorf("%w: %q is not a loopback address; set %s (or --control-token) and send it as Authorization: Bearer <token>", ErrToken, addr, TokenEnv)
}

// Start listens and serves m's metrics and the control API. Close stops it.
func Start(cfg Config, m *Metrics) (*Server, error) {
	if err := CheckAddr(cfg.Addr, cfg.Token); err != nil {
		return nil, err
	}
	if err := CheckAddr(cfg.Dashboard, cfg.Token); err != nil {
		return nil, fmt.Errorf("live page: %w", err)
	}
	l, err := net.Listen("tcp", listenAddr(cfg.Addr))
	if err != nil {
		return nil, fmt.Errorf("control API: %w", err)
	}
	s := &Server{cfg: cfg, metrics: m, marks: newMarks(), page: newPage(), aborted: make(chan struct{})}
	s.url = "http://" + dialable(l.Addr())
	s.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	if cfg.Dashboard != "" {
		dl, err := net.Listen("tcp", listenAddr(cfg.Dashboard))
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("live page: %w", err)
		}
		s.dashURL = "http://" + dialable(dl.Addr()) + "/"
		s.dash = &http.Server{Handler: s.pageHandler(), ReadHeaderTimeout: 10 * time.Second}
		go s.dash.Serve(dl) //nolint:errcheck // ends with ErrServerClosed at Close
	}
	go s.srv.Serve(l) //nolint:errcheck // ends with ErrServerClosed at Close
	return s, nil
}

// DashboardURL is the live page's URL on Config.Dashboard, "" without one.
func (s *Server) DashboardURL() string { return s.dashURL }

func (s *Server) pageHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.page.serveHTML)
	mux.HandleFunc("GET /events", s.page.serveEvents)
	return s.requireToken(mux)
}

// dialable turns a wildcard listen address into one a local client can dial.
func dialable(a net.Addr) string {
	ta, ok := a.(*net.TCPAddr)
	if !ok || !ta.IP.IsUnspecified() {
		return a.String()
	}
	return net.JoinHostPort("127.0.0.1", fmt.Sprint(ta.Port))
}

// URL is the control API's base URL (dialable from this machine).
func (s *Server) URL() string { return s.url }

// Aborted is closed once POST /abort was accepted.
func (s *Server) Aborted() <-chan struct{} { return s.aborted }

// WriteControl writes control.json into dir (the run directory).
func (s *Server) WriteControl(dir, platformAdmin string) error {
	c := Control{URL: s.url, Metrics: s.url + "/metrics", TokenRequired: s.cfg.Token != "", PID: os.Getpid(), PlatformAdmin: platformAdmin}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(dir, ControlFile)
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", ControlFile, err)
	}
	s.file = path
	return nil
}

// Close stops serving and removes the control file: the run is over.
func (s *Server) Close() error {
	if s.file != "" {
		_ = os.Remove(s.file)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s.page.close()
	if s.dash != nil {
		_ = s.dash.Shutdown(ctx)
	}
	return s.srv.Shutdown(ctx)
}

// Handler is the control API: GET /metrics, POST /marks, POST /abort, and
// the live page (GET /, GET /events) when the run has one.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.handler())
	mux.HandleFunc("POST /marks", s.postMark)
	mux.HandleFunc("POST /abort", s.postAbort)
	mux.HandleFunc("GET /{$}", s.page.serveHTML)
	mux.HandleFunc("GET /events", s.page.serveEvents)
	return s.requireToken(mux)
}

// requireToken is the token rule of the control API and the live page: with
// a token, nothing is served without it (a browser brings it once as
// ?token=<token> and then as a cookie).
func (s *Server) requireToken(h http.Handler) http.Handler {
	return httpapi.RequireBearerOrCookie(s.cfg.Token, h, "missing or wrong token: send Authorization: Bearer <token> with the run's "+
		TokenEnv+" (a browser: open the page once with ?token=<token>)")
}

func (s *Server) postAbort(w http.ResponseWriter, r *http.Request) {
	first := false
	s.abortOnce.Do(func() {
		first = true
		close(s.aborted)
		if s.cfg.Abort != nil {
			s.cfg.Abort(r.RemoteAddr)
		}
	})
	msg := "aborting: every fault slocheck injected is being healed; reports follow"
	if !first {
		msg = "already aborting"
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": msg})
}

var (
	writeJSON  = httpapi.WriteJSON
	writeError = httpapi.WriteError
)
