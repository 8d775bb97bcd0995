package scenario

import (
	"slices"
	"time"

	"github.com/slocheck/slocheck/internal/auth"
	"github.com/slocheck/slocheck/internal/driver"
)

// PresetReference is the load preset of the reference shop's four steps
// (browse, product, cart, checkout): the steps journeys can name when the
// scenario defines none.
const PresetReference = "reference"

// Data orders: which row each journey takes.
const (
	OrderSequential = "sequential" // arrival n takes row n (mod the rows)
	OrderRandom     = "random"     // a row drawn with the run's seed
)

// Step is one request of a scenario's own shop (load.steps).
type Step struct {
	Name      string             `yaml:"name"`
	Method    string             `yaml:"method"`               // default GET
	URL       string             `yaml:"url"`                  // a path joined to the client region's edge, or an absolute http(s) URL; a template
	Headers   map[string]string  `yaml:"headers,omitempty"`    // header -> value template
	HeaderEnv map[string]string  `yaml:"header_env,omitempty"` // header -> environment variable holding its secret value
	Body      string             `yaml:"body,omitempty"`       // a template
	Success   []int              `yaml:"success,omitempty"`    // statuses that count as success; default any 2xx or 3xx
	Timeout   time.Duration      `yaml:"timeout,omitempty"`    // at most load.timeout; 0: load.timeout
	Extract   map[string]Extract `yaml:"extract,omitempty"`    // values later steps of the same journey can use
	Write     *Write             `yaml:"write,omitempty"`      // the step's success is an acknowledged write (for the RPO)
}

// Extract is where in an answer a value comes from: one of a JSON path into
// the body (tidwall/gjson syntax), a response header, or a cookie.
type Extract struct {
	JSON   string `yaml:"json,omitempty"`
	Header string `yaml:"header,omitempty"`
	Cookie string `yaml:"cookie,omitempty"`
}

// Write says where a write step's answer holds the write's id, the region
// that acknowledged it, and where to read it back.
type Write struct {
	ID          Extract `yaml:"id"`
	Region      Extract `yaml:"region,omitempty"`       // default the target's served-by header
	ReadbackURL string  `yaml:"readback_url,omitempty"` // template with {{id}} and {{region}}; default target.readback_url
}

// Data is the file journeys take their {{data.<column>}} values from.
type Data struct {
	File  string `yaml:"file"`  // CSV with a header row, or JSON lines (.jsonl, .ndjson); relative to the scenario file
	Order string `yaml:"order"` // sequential | random

	rows *driver.Data // read by Validate
}

func (s *Step) setDefaults() { *s = Step{Method: "GET"} }

func (d *Data) setDefaults() { *d = Data{Order: OrderSequential} }

var (
	_ defaulter = (*Step)(nil)
	_ defaulter = (*Data)(nil)
)

// stepNames returns the names of the steps journeys can name: the
// preset's, then the scenario's own.
func (l *Traffic) stepNames() []string {
	var names []string
	if l.usesPreset() {
		names = append(names, Steps...)
	}
	for _, st := range l.Steps {
		names = append(names, st.Name)
	}
	return names
}

// usesPreset reports whether the reference steps are there: asked for, or
// no steps of the scenario's own.
func (l *Traffic) usesPreset() bool { return l.Preset == PresetReference || len(l.Steps) == 0 }

// step returns the scenario's own step called name, or nil.
func (l *Traffic) step(name string) *Step {
	for i := range l.Steps {
		if l.Steps[i].Name == name {
			return &l.Steps[i]
		}
	}
	return nil
}

// WriteSteps returns the steps used whose success is an acknowledged write
// (for the stream header's write_steps).
func (s *Scenario) WriteSteps() []string {
	var out []string
	for _, name := range s.StepsUsed() {
		if st := s.Load.step(name); st != nil && st.Write != nil || st == nil && name == StepCheckout {
			out = append(out, name)
		}
	}
	return out
}

// DriverSteps returns the driver's form of the load's steps and data: nil
// steps for the reference preset alone (the driver's default). Each step's
// header_env is resolved through getenv by auth's rule (auth.EnvHeader):
// an unset or empty variable is an error at its field, every one at once,
// naming the variable and never a value. A run calls it before it starts
// anything.
func (s *Scenario) DriverSteps(getenv func(string) string) ([]driver.Step, *driver.Data, error) {
	l := &s.Load
	var data *driver.Data
	if l.Data != nil {
		data = l.Data.rows
	}
	if len(l.Steps) == 0 {
		return nil, data, nil
	}
	var out []driver.Step
	if l.usesPreset() {
		out = driver.ReferenceSteps(driver.DefaultCartBody, driver.DefaultCheckoutBody)
	}
	var errs Errors
	for i, st := range l.Steps {
		ds := driver.Step{Name: st.Name, Method: st.Method, URL: st.URL, Headers: st.Headers,
			Body: st.Body, Success: slices.Clone(st.Success), Timeout: st.Timeout, Extract: map[string]driver.Extract{}}
		for name, e := range st.Extract {
			ds.Extract[name] = driver.Extract(e)
		}
		if w := st.Write; w != nil {
			ds.Write = &driver.Write{ID: driver.Extract(w.ID), Region: driver.Extract(w.Region)}
		}
		for _, h := range sortedKeys(st.HeaderEnv, nil) {
			secret, err := auth.EnvHeader(getenv, h, st.HeaderEnv[h])
			if err != nil {
				errs = append(errs, s.src.errorAt(childPath(indexPath("load.steps", i)+".header_env", h),
					"environment variable %s is not set (it holds the header's value)", st.HeaderEnv[h]))
				continue
			}
			ds.Secrets = append(ds.Secrets, secret)
		}
		out = append(out, ds)
	}
	if len(errs) > 0 {
		return nil, nil, errs
	}
	return out, data, nil
}

// readbackVar matches {{id}} and {{region}} (spaces allowed) in a write's
// readback_url.
var readbackVar = lazy(`\{\{\s*(id|region)\s*\}\}`)

// stepReadback returns the read-back template the write steps declare, in
// target.readback_url's form ({id}, {region}); "" for none.
func (l *Traffic) stepReadback() string {
	for _, st := range l.Steps {
		if st.Write != nil && st.Write.ReadbackURL != "" {
			return readbackVar().ReplaceAllString(st.Write.ReadbackURL, "{$1}")
		}
	}
	return ""
}

// resolve fills what a valid scenario's fields imply for the runner: the
// target's read-back template from the write steps'.
func (s *Scenario) resolve() {
	if s.Target != nil && s.Target.ReadbackURL == "" {
		s.Target.ReadbackURL = s.Load.stepReadback()
	}
}
