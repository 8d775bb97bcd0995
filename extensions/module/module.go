// Package module is the thin JS binding of k6/x/slocheck: it reads the
// environment once per VU, in the init context, and exposes to scripts
//
//	clientRegion()                the client region this VU plays
//	edge([region])                base URL of that client region's edge
//	edges()                       every client region's edge
//	tags(step, [extra])           request tags: {client_region, step, ...extra}
//	params(step, [extra])         request params: {tags, timeout}
//	recordWrite(ack, [region])    an acknowledged write ({id, region, acked}) for the RPO read-back
//	inject(spec) / heal(name)     fault control (admin API or HTTP hook), with events in the stream
//	state([admin])                the embedded platform's GET /state
//
// Writes and fault events travel as samples of two custom counters (see
// internal/bridge), which the `slocheck` output turns into stream records
// and any other k6 output simply counts. The logic lives in internal/control
// and internal/bridge; this file only converts between JS and Go.
package module

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/grafana/sobek"
	"go.k6.io/k6/js/modules"
	"go.k6.io/k6/lib"
	"go.k6.io/k6/metrics"

	"github.com/slocheck/slocheck/extensions/internal/bridge"
	"github.com/slocheck/slocheck/extensions/internal/control"
	"github.com/slocheck/slocheck/results"
)

// ImportPath is the module's JavaScript import path.
const ImportPath = "k6/x/slocheck"

// RootModule is the module, one per k6 process: it holds the faults that
// scripts injected, so any VU may heal them.
type RootModule struct {
	once   sync.Once // VUs are initialised in parallel
	faults *control.Faults
}

// New returns the root module; register it with modules.Register.
func New() *RootModule { return &RootModule{} }

var (
	_ modules.Module   = (*RootModule)(nil)
	_ modules.Instance = (*Module)(nil)
)

// Module is the module's instance in one VU.
type Module struct {
	vu     modules.VU
	root   *RootModule
	cfg    control.Config
	cfgErr error
	writes *metrics.Metric
	events *metrics.Metric
	faults *control.Faults
}

// NewModuleInstance reads the environment and registers the module's metrics.
func (r *RootModule) NewModuleInstance(vu modules.VU) modules.Instance {
	m := &Module{vu: vu, root: r}
	env := vu.InitEnv()
	lookup := func(k string) (string, bool) {
		if v, ok := env.RuntimeOptions.Env[k]; ok {
			return v, true
		}
		if env.LookupEnv != nil {
			return env.LookupEnv(k)
		}
		return "", false
	}
	m.cfg, m.cfgErr = control.ConfigFrom(lookup)
	m.writes = env.Registry.MustNewMetric(bridge.MetricWrites, metrics.Counter)
	m.events = env.Registry.MustNewMetric(bridge.MetricEvents, metrics.Counter)
	r.once.Do(func() { r.faults = control.NewFaults(m.cfg.Admin) })
	m.faults = r.faults
	return m
}

// Exports are the functions scripts call.
func (m *Module) Exports() modules.Exports {
	return modules.Exports{Named: map[string]any{
		"clientRegion": m.ClientRegion,
		"edge":         m.Edge,
		"edges":        m.Edges,
		"tags":         m.Tags,
		"params":       m.Params,
		"recordWrite":  m.RecordWrite,
		"inject":       m.Inject,
		"heal":         m.Heal,
		"state":        m.State,
	}}
}

// ClientRegion is the client region of the current VU: its scenario's
// client_region tag, else SLOCHECK_CLIENT_REGION, else the region its
// execution segment falls on among the configured edges.
func (m *Module) ClientRegion() string {
	if st := m.vu.State(); st != nil {
		if cr, ok := st.Tags.GetCurrentValues().Tags.Get(bridge.TagClientRegion); ok && cr != "" {
			return cr
		}
	}
	if m.cfg.Region != "" {
		return m.cfg.Region
	}
	return control.RegionOfSegment(m.segment(), m.cfg.ClientRegions())
}

func (m *Module) segment() string {
	var es *lib.ExecutionSegment
	if st := m.vu.State(); st != nil {
		es = st.Options.ExecutionSegment
	}
	if es == nil {
		return ""
	}
	return es.String()
}

// Edge is the base URL of region's edge (the VU's client region when
// omitted).
func (m *Module) Edge(region string) (string, error) {
	if m.cfgErr != nil {
		return "", m.cfgErr
	}
	if region == "" {
		region = m.ClientRegion()
	}
	return m.cfg.Edge(region)
}

// Edges is every client region's edge.
func (m *Module) Edges() map[string]string { return maps.Clone(m.cfg.Edges) }

// Tags are a request's tags for step: client region and step, plus extra.
func (m *Module) Tags(step string, extra map[string]string) map[string]string {
	t := make(map[string]string, len(extra)+2)
	maps.Copy(t, extra)
	t[bridge.TagClientRegion] = m.ClientRegion()
	if step != "" {
		t[bridge.TagStep] = step
	}
	return t
}

// Params are a request's params for step: its tags and, when
// SLOCHECK_TIMEOUT is set, its timeout.
func (m *Module) Params(step string, extra map[string]string) map[string]any {
	p := map[string]any{"tags": m.Tags(step, extra)}
	if m.cfg.Timeout > 0 {
		p["timeout"] = m.cfg.Timeout.String()
	}
	return p
}

// RecordWrite records an acknowledged write: ack is the target's answer
// ({id, region, acked}, acked in RFC 3339; the current time when absent).
// clientRegion defaults to the VU's. It returns false, and records nothing,
// when ack has no id: the write was not acknowledged.
func (m *Module) RecordWrite(ack sobek.Value, clientRegion string) (bool, error) {
	var a struct {
		ID     string `json:"id"`
		Region string `json:"region"`
		Acked  string `json:"acked"`
	}
	if err := m.decode(ack, &a); err != nil {
		return false, fmt.Errorf("recordWrite: %w", err)
	}
	if a.ID == "" {
		return false, nil
	}
	w := results.AckedWrite{ID: a.ID, Region: a.Region, Acked: time.Now()}
	if a.Acked != "" {
		t, err := time.Parse(time.RFC3339Nano, a.Acked)
		if err != nil {
			return false, fmt.Errorf("recordWrite: acked: %w", err)
		}
		w.Acked = t
	}
	if clientRegion == "" {
		clientRegion = m.ClientRegion()
	}
	return true, m.push(m.writes, w.Acked, clientRegion, bridge.WriteMetadata(w))
}

// Inject injects a fault (see control.Spec) and returns {name, injected,
// target, mode}, injected being the exact instant in RFC 3339.
func (m *Module) Inject(spec sobek.Value) (map[string]string, error) {
	raw, err := m.json(spec)
	if err != nil {
		return nil, fmt.Errorf("inject: %w", err)
	}
	s, err := control.ParseSpec(raw)
	if err != nil {
		return nil, fmt.Errorf("inject: %w", err)
	}
	if err := m.inVU("inject"); err != nil {
		return nil, err
	}
	e, err := m.faults.Inject(m.vu.Context(), s)
	if err != nil {
		return nil, err
	}
	if err := m.push(m.events, e.Time, m.ClientRegion(), bridge.EventMetadata(e)); err != nil {
		return nil, err
	}
	return map[string]string{"name": e.Fault, "injected": e.Time.Format(time.RFC3339Nano), "target": e.Target, "mode": e.Mode}, nil
}

// Heal heals the fault injected under name.
func (m *Module) Heal(name string) (string, error) {
	if err := m.inVU("heal"); err != nil {
		return "", err
	}
	e, err := m.faults.Heal(m.vu.Context(), name)
	if err != nil {
		return "", err
	}
	return e.Time.Format(time.RFC3339Nano), m.push(m.events, e.Time, m.ClientRegion(), bridge.EventMetadata(e))
}

// State is the embedded platform's GET /state, as a JS object.
func (m *Module) State(admin string) (any, error) {
	if err := m.inVU("state"); err != nil {
		return nil, err
	}
	raw, err := m.faults.State(m.vu.Context(), strings.TrimRight(admin, "/"))
	if err != nil {
		return nil, err
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	return v, nil
}

func (m *Module) inVU(fn string) error {
	if m.vu.State() == nil {
		return fmt.Errorf("%s: call it from a VU (default function, setup or teardown), not the init context", fn)
	}
	return nil
}

// push emits one sample of metric with the VU's tags and clientRegion.
func (m *Module) push(metric *metrics.Metric, at time.Time, clientRegion string, meta map[string]string) error {
	st := m.vu.State()
	if st == nil {
		return errors.New("slocheck: records can only be made from a VU, not the init context")
	}
	tags := st.Tags.GetCurrentValues().Tags
	if clientRegion != "" {
		tags = tags.With(bridge.TagClientRegion, clientRegion)
	}
	metrics.PushIfNotDone(m.vu.Context(), st.Samples, metrics.Sample{
		TimeSeries: metrics.TimeSeries{Metric: metric, Tags: tags},
		Time:       at, Value: 1, Metadata: meta,
	})
	return nil
}

// json exports a JS value as JSON.
func (m *Module) json(v sobek.Value) ([]byte, error) {
	if v == nil || sobek.IsUndefined(v) || sobek.IsNull(v) {
		return nil, errors.New("want an object")
	}
	return json.Marshal(v.Export())
}

func (m *Module) decode(v sobek.Value, dst any) error {
	raw, err := m.json(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, dst)
}
