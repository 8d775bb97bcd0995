// Package httphook injects a fault by calling an HTTP hook and heals it by
// calling another: for platforms that expose their own fault switches, or a
// small service in front of a tool slocheck has no injector for.
//
// Inject sends InjectMethod (default POST) to InjectURL; Heal sends
// HealMethod (POST by default, or DELETE) to HealURL. A 2xx answer is success;
// a 404 answer to a DELETE heal means there was nothing left to heal. Secret
// headers are read from environment variables (HTTPSpec.HeaderEnv), so the
// state file never holds them; plain Headers must not carry credentials.
package httphook

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/slocheck/slocheck/adminapi"
	"github.com/slocheck/slocheck/internal/chaos"
)

// DefaultTimeout bounds each request when the spec gives none.
const DefaultTimeout = 10 * time.Second

// Hook is an HTTP inject/heal pair.
type Hook struct {
	spec    chaos.HTTPSpec
	headers http.Header
	client  *http.Client
}

var _ chaos.Injector = (*Hook)(nil)

func init() {
	chaos.Register(chaos.KindHTTP, func(s chaos.Spec, env chaos.Env) (chaos.Injector, error) {
		if s.HTTP == nil {
			return nil, errors.New("http fault: no http configuration")
		}
		return New(*s.HTTP, env.Lookup)
	})
}

// secretHeaders may not be given as plain headers: they would be written to
// the state file.
var secretHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "X-Api-Key", "Api-Key", "Ocp-Apim-Subscription-Key"}

// New returns the hook spec describes; getenv reads HeaderEnv's variables.
// The heal URL is required (no fault without a way back); the inject URL is
// checked when Inject runs, so a heal-only Hook can undo a fault.
func New(spec chaos.HTTPSpec, getenv func(string) string) (*Hook, error) {
	if err := validate(&spec); err != nil {
		return nil, fmt.Errorf("http fault: %w", err)
	}
	h := &Hook{spec: spec, headers: http.Header{}}
	for k, v := range spec.Headers {
		h.headers.Set(k, v)
	}
	for k, name := range spec.HeaderEnv {
		v := getenv(name)
		if v == "" {
			return nil, fmt.Errorf("http fault: header %s: environment variable %s is empty", k, name)
		}
		h.headers.Set(k, v)
	}
	timeout := spec.Timeout.Std()
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	h.client = &http.Client{Timeout: timeout}
	return h, nil
}

// validate checks spec and fills its defaults.
func validate(spec *chaos.HTTPSpec) error {
	if spec.InjectMethod == "" {
		spec.InjectMethod = http.MethodPost
	}
	if spec.HealMethod == "" {
		spec.HealMethod = http.MethodPost
	}
	spec.InjectMethod, spec.HealMethod = strings.ToUpper(spec.InjectMethod), strings.ToUpper(spec.HealMethod)
	if spec.HealMethod != http.MethodPost && spec.HealMethod != http.MethodDelete {
		return fmt.Errorf("heal method %s: want POST or DELETE", spec.HealMethod)
	}
	if err := checkURL("heal", spec.HealURL); err != nil {
		return err
	}
	if spec.InjectURL != "" {
		if err := checkURL("inject", spec.InjectURL); err != nil {
			return err
		}
	}
	for k := range spec.Headers {
		for _, s := range secretHeaders {
			if strings.EqualFold(k, s) {
				return fmt.Errorf("header %s carries a credential: give it with header_env (--header-env %s=VAR)", k, k)
			}
		}
	}
	if spec.Timeout < 0 {
		return errors.New("negative timeout")
	}
	return nil
}

func checkURL(what, raw string) error {
	if raw == "" {
		return fmt.Errorf("%s URL is empty", what)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s URL %q: want an absolute http(s) URL", what, raw)
	}
	return nil
}

// Inject calls the inject hook; the fault counts as injected when it answers 2xx.
func (h *Hook) Inject(ctx context.Context) (chaos.Fault, error) {
	if h.spec.InjectURL == "" {
		return chaos.Fault{}, errors.New("http fault: inject URL is empty")
	}
	issued := time.Now()
	if _, err := h.call(ctx, h.spec.InjectMethod, h.spec.InjectURL, h.spec.InjectBody); err != nil {
		return chaos.Fault{}, fmt.Errorf("inject: %w", err)
	}
	return chaos.Fault{Issued: issued, Injected: time.Now(), Undo: h.spec.HealMethod + " " + h.spec.HealURL}, nil
}

// Heal calls the heal hook.
func (h *Hook) Heal(ctx context.Context) error {
	status, err := h.call(ctx, h.spec.HealMethod, h.spec.HealURL, h.spec.HealBody)
	if status == http.StatusNotFound && h.spec.HealMethod == http.MethodDelete {
		return nil // already gone: healed
	}
	if err != nil {
		return fmt.Errorf("heal: %w", err)
	}
	return nil
}

// call sends one request and returns its status; non-2xx is an error.
func (h *Hook) call(ctx context.Context, method, target, body string) (int, error) {
	var rd io.Reader
	header := h.headers.Clone()
	if body != "" {
		rd = strings.NewReader(body)
		if header.Get("Content-Type") == "" {
			header.Set("Content-Type", "application/json")
		}
	}
	status, _, err := adminapi.Send(ctx, h.client, method, target, rd, header)
	return status, err
}
