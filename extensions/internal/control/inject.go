package control

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/slocheck/slocheck/adminapi"
)

// A fault from a script goes through a contract, never through slocheck's
// internal packages (this module must build from a published slocheck): the
// embedded platform's admin API (package adminapi, DESIGN.md §4), or an
// HTTP hook of the script's own, injected by one request and healed by
// another.

// injector injects one fault and heals it.
type injector interface {
	inject(ctx context.Context) (time.Time, error) // the injection instant
	heal(ctx context.Context) error
}

// hookTimeout bounds each hook request.
const hookTimeout = 10 * time.Second

// injector returns s with its defaults (its name) and the injector for it.
func (f *Faults) injector(s Spec) (Spec, injector, error) {
	if s.Hook != nil {
		if s.Name == "" {
			s.Name = "hook"
		}
		h, err := newHookFault(*s.Hook)
		return s, h, err
	}
	if s.Admin == "" {
		s.Admin = f.admin
	}
	if s.Admin == "" {
		return s, nil, fmt.Errorf("fault spec: no admin API (set %s or the spec's admin) and no hook", EnvAdmin)
	}
	if s.Name == "" {
		s.Name = s.Region + "-" + s.Mode
	}
	c, err := adminapi.NewClient(s.Admin, "", 0)
	if err != nil {
		return s, nil, fmt.Errorf("fault spec: %w", err)
	}
	p := &platformFault{client: c, fault: adminapi.Fault{Region: s.Region, Mode: s.Mode, Ratio: s.Ratio, LatencyMS: s.LatencyMS}}
	if err := p.fault.Check(); err != nil {
		return s, nil, fmt.Errorf("fault spec: %w", err)
	}
	return s, p, nil
}

// platformFault is a fault on one region of the embedded platform.
type platformFault struct {
	client *adminapi.Client
	fault  adminapi.Fault
}

func (p *platformFault) inject(ctx context.Context) (time.Time, error) {
	out, err := p.client.Inject(ctx, p.fault)
	return out.Injected, err
}

func (p *platformFault) heal(ctx context.Context) error { return p.client.Heal(ctx, p.fault.Region) }

// hookFault is a fault behind two HTTP requests; each must answer 2xx (a
// heal by DELETE may answer 404: already gone).
type hookFault struct {
	h      Hook
	client *http.Client
}

func newHookFault(h Hook) (*hookFault, error) {
	for what, raw := range map[string]string{"inject_url": h.InjectURL, "heal_url": h.HealURL} {
		if u, err := url.Parse(raw); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("fault spec: hook %s %q: want an absolute http(s) URL", what, raw)
		}
	}
	return &hookFault{h: h, client: &http.Client{Timeout: hookTimeout}}, nil
}

func (h *hookFault) inject(ctx context.Context) (time.Time, error) {
	_, err := h.call(ctx, h.h.InjectMethod, h.h.InjectURL, h.h.InjectBody)
	return time.Now(), err
}

func (h *hookFault) heal(ctx context.Context) error {
	status, err := h.call(ctx, h.h.HealMethod, h.h.HealURL, h.h.HealBody)
	if status == http.StatusNotFound && strings.EqualFold(h.h.HealMethod, http.MethodDelete) {
		return nil
	}
	return err
}

func (h *hookFault) call(ctx context.Context, method, u, body string) (int, error) {
	if method == "" {
		method = http.MethodPost
	}
	header := http.Header{}
	for k, v := range h.h.Headers {
		header.Set(k, v)
	}
	status, _, err := adminapi.Send(ctx, h.client, strings.ToUpper(method), u, strings.NewReader(body), header)
	return status, err
}
