package scenario

import (
	"fmt"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/slocheck/slocheck/internal/driver"
)

var (
	namePattern    = lazy(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	tokenPattern   = lazy("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$") // an HTTP header name (RFC 9110 token)
	guidPattern    = lazy(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	groupPattern   = lazy(`^[-\w._()]{1,90}$`) // an Azure resource group
	azNamePattern  = lazy(`^[A-Za-z0-9][A-Za-z0-9_-]{0,89}$`)
	k8sNamePattern = lazy(`^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$`)
	accountPattern = lazy(`^[a-z0-9][a-z0-9-]{1,42}[a-z0-9]$`) // a Cosmos DB account
	placeholder    = lazy(`\{[^{}]*\}`)
	envPattern     = lazy(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

var (
	engines      = []string{EngineGo, EngineK6}
	injectors    = []string{InjectorPlatform, InjectorHTTP, InjectorExec, InjectorFrontDoor, InjectorAKS, InjectorChaosStudio, InjectorCosmos, InjectorManual}
	modes        = []string{ModeDown, ModeBlackhole, ModeErrors, ModeSlow, ModeReplicationCut}
	httpMethods  = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}
	scriptExts   = []string{".js", ".mjs", ".ts"}
	azureBlocks  = []string{InjectorFrontDoor, InjectorAKS, InjectorChaosStudio, InjectorCosmos}
	regionFaults = []string{InjectorPlatform, InjectorCosmos, InjectorManual} // injectors that need a region
)

// checker collects the problems of one scenario.
type checker struct {
	s    *Scenario
	errs []error
}

func (c *checker) errorf(path, format string, args ...any) {
	c.errs = append(c.errs, c.s.src.errorAt(path, format, args...))
}

// Validate checks the whole scenario and returns every problem, each located
// at its field, in file order. A scenario that Load, Parse, Open or Builtin
// returned has none; call it again after changing fields by hand.
func (s *Scenario) Validate() []error {
	c := &checker{s: s}
	c.top()
	if s.Target != nil {
		c.target(s.Target)
	} else {
		c.platform(&s.Platform)
	}
	c.load(&s.Load)
	c.faults()
	c.objectives(&s.Objectives)
	if s.LagProbe != nil {
		c.lagProbe(s.LagProbe)
	}
	c.unset()
	sortErrors(c.errs)
	return c.errs
}

func (c *checker) top() {
	s := c.s
	c.name("name", s.Name)
	c.oneOf("engine", "engine", s.Engine, engines)
	switch {
	case s.Engine == EngineK6 && s.Script == "":
		c.errorf("script", "engine k6 needs a script (a k6 JavaScript file)")
	case s.Engine == EngineK6 && !slices.Contains(scriptExts, path.Ext(s.Script)):
		c.errorf("script", "want a k6 script (%s), got %q", strings.Join(scriptExts, ", "), s.Script)
	case s.Engine != EngineK6 && s.Script != "":
		c.errorf("script", "a script applies to engine k6 only (engine is %s)", s.Engine)
	}
}

func (c *checker) target(t *Target) {
	clients := sortedKeys(c.s.Load.ClientRegions, nil)
	if t.URL == "" && len(t.Edges) == 0 {
		c.errorf("target", "give url (one entry point) or edges (one per client region)")
	}
	if t.URL != "" {
		c.url("target.url", t.URL)
	}
	for _, client := range sortedKeys(t.Edges, nil) {
		p := childPath("target.edges", client)
		if !slices.Contains(clients, client) {
			c.errorf(p, "no client region %q in load.client_regions (want one of %s)", client, strings.Join(clients, ", "))
		}
		c.url(p, t.Edges[client])
	}
	if t.URL == "" && len(t.Edges) > 0 {
		for _, client := range c.s.ClientRegions() {
			if _, ok := t.Edges[client]; !ok {
				c.errorf("target.edges", "no edge for client region %q (and no target.url)", client)
			}
		}
	}
	c.names("target.regions", t.Regions, 1)
	c.count("target.regions", len(t.Regions), MaxRegions, "regions")
	c.readback(t)
	if t.ServedByHeader != "" && !tokenPattern().MatchString(t.ServedByHeader) {
		c.errorf("target.served_by_header", "%q is not an HTTP header name", t.ServedByHeader)
	}
	if !strings.HasPrefix(t.CheckURL, "/") {
		c.url("target.check_url", t.CheckURL)
	}
	if t.Auth != nil {
		c.targetAuth(t.Auth)
	}
	if t.Cosmos != nil {
		c.targetCosmos(t)
	}
}

// readback checks the RPO read-back template: an absolute URL with {id} and
// {region} placeholders.
func (c *checker) readback(t *Target) {
	if t.ReadbackURL == "" {
		return
	}
	const p = "target.readback_url"
	for _, ph := range placeholder().FindAllString(t.ReadbackURL, -1) {
		if ph != "{id}" && ph != "{region}" {
			c.errorf(p, "unknown placeholder %s (want {id} and {region})", ph)
			return
		}
	}
	if !strings.Contains(t.ReadbackURL, "{id}") {
		c.errorf(p, "the template needs {id}, the acknowledged order's id")
		return
	}
	filled := strings.NewReplacer("{id}", "id", "{region}", "region").Replace(t.ReadbackURL)
	if u, err := url.Parse(filled); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		c.errorf(p, "want an absolute http:// or https:// URL template, got %q", t.ReadbackURL)
	}
}

func (c *checker) platform(p *Platform) {
	c.names("platform.regions", p.Regions, 1)
	c.platformBounds(p)
	if len(p.ClientRegions) == 0 {
		c.errorf("platform.client_regions", "want at least one client region")
	}
	for _, client := range sortedKeys(p.ClientRegions, nil) {
		path := childPath("platform.client_regions", client)
		c.name(path, client)
		if r := p.ClientRegions[client]; !slices.Contains(p.Regions, r) {
			c.errorf(path, "unknown region %q (want one of %s)", r, strings.Join(p.Regions, ", "))
		}
	}
	pr := p.Probe
	c.positive("platform.probe.interval", pr.Interval)
	c.positive("platform.probe.timeout", pr.Timeout)
	if pr.Timeout > pr.Interval && pr.Interval > 0 {
		c.errorf("platform.probe.timeout", "%s is longer than the probe interval (%s)", pr.Timeout, pr.Interval)
	}
	if pr.SampleSize < 1 || pr.SampleSize > MaxProbeSamples {
		c.errorf("platform.probe.sample_size", "must be from 1 to %d (Front Door's range), got %d", MaxProbeSamples, pr.SampleSize)
	}
	if pr.SuccessfulSamples < 1 || pr.SuccessfulSamples > max(pr.SampleSize, 1) {
		c.errorf("platform.probe.successful_samples", "must be from 1 to sample_size (%d), got %d", pr.SampleSize, pr.SuccessfulSamples)
	}
	c.nonNegative("platform.replication_lag", p.ReplicationLag)
	c.oneOf("platform.unreplicated", "policy", p.Unreplicated, []string{UnreplicatedLate, UnreplicatedLost})
}

// platformBounds checks the embedded platform's sizes and times against
// their upper bounds (the probe's are Azure Front Door's own limits).
func (c *checker) platformBounds(p *Platform) {
	c.count("platform.regions", len(p.Regions), MaxRegions, "regions")
	c.count("platform.client_regions", len(p.ClientRegions), MaxClientRegions, "client regions")
	c.atMost("platform.probe.interval", p.Probe.Interval, MaxProbeInterval, "Front Door's longest probe interval")
	c.atMost("platform.replication_lag", p.ReplicationLag, MaxReplicationLag, "the longest lag the platform models")
}

func (c *checker) load(l *Traffic) {
	if len(l.Ramp) == 0 && !(l.Rate > 0) {
		c.errorf("load.rate", "must be positive (requests per second), got %g", l.Rate)
	} else {
		c.rate("load.rate", l.Rate)
	}
	c.positive("load.duration", l.Duration)
	c.atMost("load.duration", l.Duration, driver.MaxDuration, whyRun)
	c.ramp(l)
	c.positive("load.timeout", l.Timeout)
	c.atMost("load.timeout", l.Timeout, driver.MaxTimeout, whyRequest)
	if l.MaxWorkers < 1 || l.MaxWorkers > driver.MaxWorkersCap {
		c.errorf("load.max_workers", "must be from 1 to %d (requests in flight), got %d", driver.MaxWorkersCap, l.MaxWorkers)
	}
	c.clientWeights(l.ClientRegions)
	c.steps(l)
	c.journeys(l.Journeys)
	c.journeyValues(l)
}

// ramp checks the ramp's stages: each positive and bounded, together no
// longer than the run.
func (c *checker) ramp(l *Traffic) {
	c.count("load.ramp", len(l.Ramp), driver.MaxStages, "stages")
	var ramp time.Duration
	peak := l.Rate
	for i, st := range l.Ramp {
		p := indexPath("load.ramp", i)
		c.positive(p+".duration", st.Duration)
		c.atMost(p+".duration", st.Duration, driver.MaxDuration, whyRun)
		c.rate(p+".rate", st.Rate)
		if st.Duration > 0 && ramp <= driver.MaxDuration {
			ramp += st.Duration // stops growing once past the bound: no overflow
		}
		peak = max(peak, st.Rate)
	}
	if len(l.Ramp) > 0 && !(peak > 0) {
		c.errorf("load.ramp", "every rate is 0: the run would send nothing")
	}
	if ramp > l.Duration && l.Duration > 0 {
		c.errorf("load.ramp", "the stages last %s, longer than load.duration (%s)", ramp, l.Duration)
	}
}

func (c *checker) clientWeights(w map[string]float64) {
	const p = "load.client_regions"
	c.count(p, len(w), MaxClientRegions, "client regions")
	var known []string
	if c.s.Target == nil {
		known = sortedKeys(c.s.Platform.ClientRegions, nil)
	}
	var sum float64
	for _, client := range sortedKeys(w, nil) {
		cp := childPath(p, client)
		c.name(cp, client)
		c.weight(cp, w[client], "a weight ")
		sum += min(max(w[client], 0), MaxWeight)
		if known != nil && !slices.Contains(known, client) {
			c.errorf(cp, "unknown client region (platform.client_regions has %s)", strings.Join(known, ", "))
		}
	}
	if sum == 0 {
		c.errorf(p, "want at least one client region with a positive weight")
	}
}

func (c *checker) journeys(js []Journey) {
	const p = "load.journeys"
	if len(js) == 0 {
		c.errorf(p, "want at least one journey")
		return
	}
	c.count(p, len(js), driver.MaxJourneys, "journeys")
	var sum float64
	seen := map[string]int{}
	for i, j := range js {
		jp := indexPath(p, i)
		c.name(jp+".name", j.Name)
		if prev, dup := seen[j.Name]; dup && j.Name != "" {
			c.errorf(jp+".name", "%q is also the name of %s", j.Name, indexPath(p, prev))
		}
		seen[j.Name] = i
		c.weight(jp+".weight", j.Weight, "")
		sum += min(max(j.Weight, 0), MaxWeight)
		c.nonNegative(jp+".think_time", j.ThinkTime)
		c.atMost(jp+".think_time", j.ThinkTime, driver.MaxThinkTime, "the longest pause between two steps")
		known := c.s.Load.stepNames()
		if len(j.Steps) == 0 {
			c.errorf(jp+".steps", "want at least one step (%s)", strings.Join(known, ", "))
		}
		c.count(jp+".steps", len(j.Steps), driver.MaxSteps, "steps in one journey")
		for k, st := range j.Steps {
			c.oneOf(indexPath(jp+".steps", k), "step", st, known)
		}
	}
	if sum == 0 {
		c.errorf(p, "want at least one journey with a positive weight")
	}
}

func (c *checker) objectives(o *Objectives) {
	c.positive("objectives.p99", o.P99)
	c.atMost("objectives.p99", o.P99, driver.MaxTimeout, whyRequest+": no success is slower")
	if !(o.Availability > 0 && o.Availability < 1) {
		c.errorf("objectives.availability", "must be between 0 and 1 (0.9999 is 99.99 %%), got %g", o.Availability)
	}
	for _, d := range []struct {
		path string
		v    time.Duration
	}{{"objectives.rto", o.RTO}, {"objectives.rpo", o.RPO}, {"objectives.stability_window", o.StabilityWindow}} {
		c.positive(d.path, d.v)
		c.atMost(d.path, d.v, driver.MaxDuration, whyRun)
	}
	if !(o.BudgetShare > 0 && o.BudgetShare <= 1) {
		c.errorf("objectives.budget_share", "must be above 0 and at most 1, got %g", o.BudgetShare)
	}
	c.nonNegative("objectives.recovery", o.Recovery)
	c.atMost("objectives.recovery", o.Recovery, driver.MaxDuration, whyRun)
}

// name checks a name used in reports and file names.
func (c *checker) name(path, v string) {
	if !namePattern().MatchString(v) {
		c.errorf(path, "%q is not a valid name (letters, digits, '.', '_', '-')", v)
	}
}

// names checks a list of unique names with at least min entries.
func (c *checker) names(path string, vs []string, min int) {
	if len(vs) < min {
		c.errorf(path, "want at least %d", min)
	}
	for i, v := range vs {
		c.name(indexPath(path, i), v)
		if slices.Index(vs, v) < i {
			c.errorf(indexPath(path, i), "%q is listed twice", v)
		}
	}
}

func (c *checker) oneOf(path, what, v string, allowed []string) {
	if !slices.Contains(allowed, v) {
		c.errorf(path, "unknown %s %q (want one of %s)", what, v, strings.Join(allowed, ", "))
	}
}

func (c *checker) positive(path string, d time.Duration) {
	if d <= 0 {
		c.errorf(path, "must be positive, got %s", d)
	}
}

func (c *checker) nonNegative(path string, d time.Duration) {
	if d < 0 {
		c.errorf(path, "must not be negative, got %s", d)
	}
}

// url checks an absolute http or https URL.
func (c *checker) url(path, v string) {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		c.errorf(path, "want an absolute http:// or https:// URL, got %q", v)
	}
}

// fieldsf formats a field path under a fault.
func fieldsf(i int, field string) string { return childPath(indexPath("faults", i), field) }

// String formats a window as "20s–40s".
func (w Window) String() string { return fmt.Sprintf("%s–%s", w.From, w.To) }
