package scenario

import (
	"fmt"
	"slices"
	"strings"

	"github.com/slocheck/slocheck/internal/driver"
)

// blockOf names the injector-specific block each injector needs.
var blockOf = map[string]string{
	InjectorHTTP:        "http",
	InjectorExec:        "exec",
	InjectorFrontDoor:   "frontdoor",
	InjectorAKS:         "aks",
	InjectorChaosStudio: "chaos_studio",
	InjectorCosmos:      "cosmos",
}

func (c *checker) faults() {
	c.count("faults", len(c.s.Faults), MaxFaults, "faults")
	seen := map[string]int{}
	for i := range c.s.Faults {
		f := &c.s.Faults[i]
		c.name(fieldsf(i, "name"), f.Name)
		if prev, dup := seen[f.Name]; dup {
			c.errorf(fieldsf(i, "name"), "%q is also the name of faults[%d]", f.Name, prev)
		}
		seen[f.Name] = i
		c.faultTiming(i, f)
		if !slices.Contains(injectors, f.Injector) {
			c.oneOf(fieldsf(i, "injector"), "injector", f.Injector, injectors)
			continue
		}
		c.faultTarget(i, f)
		c.faultMode(i, f)
		c.faultBlocks(i, f)
	}
	c.overlaps()
}

func (c *checker) faultTiming(i int, f *Fault) {
	c.nonNegative(fieldsf(i, "at"), f.At)
	c.atMost(fieldsf(i, "at"), f.At, driver.MaxDuration, whyRun)
	c.positive(fieldsf(i, "for"), f.For)
	c.atMost(fieldsf(i, "for"), f.For, driver.MaxDuration, whyRun)
	if f.MaxDuration > f.For { // when not, the bound on for holds it
		c.atMost(fieldsf(i, "max_duration"), f.MaxDuration, driver.MaxDuration, whyRun)
	}
	if d := c.s.Load.Duration; f.At >= 0 && f.For > 0 && f.At+f.For > d {
		hint := ""
		if flag, ok := c.s.src.flags["load.duration"]; ok {
			hint = fmt.Sprintf(", set by %s; move the fault with --fault-at and --fault-for", flag)
		}
		c.errorf(fieldsf(i, "for"), "the fault ends at %s, after the run ends (load.duration %s%s)", f.At+f.For, d, hint)
	}
	if f.MaxDuration < f.For {
		c.errorf(fieldsf(i, "max_duration"), "%s is shorter than the fault (for: %s)", f.MaxDuration, f.For)
	}
	if st := f.Stop; st != nil {
		p := fieldsf(i, "stop")
		if st.BudgetShare != 0 && !(st.BudgetShare > 0 && st.BudgetShare <= 1) {
			c.errorf(p+".budget_share", "must be above 0 and at most 1 (a share of the 30-day error budget), got %g", st.BudgetShare)
		}
		if st.BudgetShare != 0 && st.FailureRatio == 0 && st.For == 0 {
			return // the budget condition alone
		}
		if !(st.FailureRatio > 0 && st.FailureRatio <= 1) {
			c.errorf(p+".failure_ratio", "must be above 0 and at most 1, got %g", st.FailureRatio)
		}
		c.positive(p+".for", st.For)
		c.atMost(p+".for", st.For, driver.MaxDuration, whyRun)
		if st.For >= f.For && f.For > 0 {
			c.errorf(p+".for", "%s is not shorter than the fault (%s): the condition could never fire", st.For, f.For)
		}
	}
}

// faultTarget checks that the fault can act on what the scenario targets,
// and on a region that exists there.
func (c *checker) faultTarget(i int, f *Fault) {
	switch {
	case f.Injector == InjectorPlatform && c.s.Target != nil:
		c.errorf(fieldsf(i, "injector"), "injector platform acts on the embedded platform, and this scenario has a target (give --inject-cmd and --heal-cmd, or use an http, exec or Azure injector)")
	case slices.Contains(azureBlocks, f.Injector) && c.s.Target == nil:
		c.errorf(fieldsf(i, "injector"), "injector %s acts on a real deployment: give the scenario a target", f.Injector)
	}
	regions := c.s.Regions()
	switch {
	case f.Region == "" && slices.Contains(regionFaults, f.Injector):
		c.errorf(fieldsf(i, "region"), "injector %s needs a region (one of %s)", f.Injector, strings.Join(regions, ", "))
	case f.Region != "" && !slices.Contains(regions, f.Region):
		c.errorf(fieldsf(i, "region"), "unknown region %q (want one of %s)", f.Region, strings.Join(regions, ", "))
	}
}

func (c *checker) faultMode(i int, f *Fault) {
	if fixed, ok := fixedModes[f.Injector]; ok {
		if f.Mode != fixed {
			c.errorf(fieldsf(i, "mode"), "injector %s has one mode, %s (got %q)", f.Injector, fixed, f.Mode)
		}
		if f.Ratio != 1 {
			c.errorf(fieldsf(i, "ratio"), "applies to injectors platform and http only")
		}
		if f.Latency != 0 {
			c.errorf(fieldsf(i, "latency"), "applies to injectors platform and http only")
		}
		return
	}
	c.oneOf(fieldsf(i, "mode"), "mode", f.Mode, modes)
	c.ratio(fieldsf(i, "ratio"), f.Ratio)
	c.atMost(fieldsf(i, "latency"), f.Latency, driver.MaxTimeout, whyRequest+": a longer delay is a blackhole")
	switch {
	case f.Mode == ModeSlow && f.Latency <= 0:
		c.errorf(fieldsf(i, "latency"), "mode slow needs a positive latency, got %s", f.Latency)
	case f.Mode != ModeSlow && f.Latency != 0:
		c.errorf(fieldsf(i, "latency"), "applies to mode slow only (mode is %s)", f.Mode)
	}
}

// faultBlocks checks that the fault has its injector's block and no other.
func (c *checker) faultBlocks(i int, f *Fault) {
	present := map[string]bool{
		"http": f.HTTP != nil, "exec": f.Exec != nil, "frontdoor": f.FrontDoor != nil,
		"aks": f.AKS != nil, "chaos_studio": f.ChaosStudio != nil, "cosmos": f.Cosmos != nil,
	}
	want := blockOf[f.Injector]
	for _, block := range sortedKeys(present, func(b bool) bool { return b }) {
		if block != want {
			c.errorf(fieldsf(i, block), "applies to injector %s only (this fault's injector is %s)", strings.ReplaceAll(block, "_", "-"), f.Injector)
		}
	}
	if want != "" && !present[want] {
		c.errorf(fieldsf(i, "injector"), "injector %s needs a %s block", f.Injector, want)
		return
	}
	p := fieldsf(i, want)
	switch f.Injector {
	case InjectorHTTP:
		c.httpHook(p, f.HTTP)
	case InjectorExec:
		c.execHook(p, f.Exec)
	case InjectorFrontDoor:
		c.frontDoor(p, f.FrontDoor)
	case InjectorAKS:
		c.aks(p, f.AKS)
	case InjectorChaosStudio:
		c.chaosStudio(p, f.ChaosStudio)
	case InjectorCosmos:
		c.cosmos(p, f, f.Cosmos)
	}
}

// overlaps reports faults on the same region whose windows overlap: the
// injectors key faults by region, so one's heal would undo the other.
func (c *checker) overlaps() {
	fs := c.s.Faults
	for j := range fs {
		for i := range j {
			a, b := &fs[i], &fs[j]
			if a.Region == "" || a.Region != b.Region || a.For <= 0 || b.For <= 0 {
				continue
			}
			if a.At < b.At+b.For && b.At < a.At+a.For {
				c.errorf(indexPath("faults", j), "overlaps faults[%d] (%s, %s–%s) on region %s", i, a.Name, a.At, a.At+a.For, a.Region)
			}
		}
	}
}

func (c *checker) httpHook(p string, h *HTTPHook) {
	c.url(p+".inject_url", h.InjectURL)
	c.url(p+".heal_url", h.HealURL)
	c.oneOf(p+".inject_method", "method", h.InjectMethod, httpMethods)
	c.oneOf(p+".heal_method", "method", h.HealMethod, httpMethods)
	c.positive(p+".timeout", h.Timeout)
	c.atMost(p+".timeout", h.Timeout, MaxHookTimeout, "the longest hook request")
	for _, name := range sortedKeys(h.Headers, nil) {
		hp := childPath(p+".headers", name)
		if !tokenPattern().MatchString(name) {
			c.errorf(hp, "%q is not an HTTP header name", name)
		}
		if strings.ContainsAny(h.Headers[name], "\r\n") {
			c.errorf(hp, "a header value must be one line")
		}
	}
	for _, name := range sortedKeys(h.HeaderEnv, nil) {
		hp := childPath(p+".header_env", name)
		if !tokenPattern().MatchString(name) {
			c.errorf(hp, "%q is not an HTTP header name", name)
		}
		if _, both := h.Headers[name]; both {
			c.errorf(hp, "header %s is also in headers: give it in one place", name)
		}
		if !envPattern().MatchString(h.HeaderEnv[name]) {
			c.errorf(hp, "want the name of an environment variable, got %q", h.HeaderEnv[name])
		}
	}
}

func (c *checker) execHook(p string, e *ExecHook) {
	if strings.TrimSpace(e.Inject) == "" {
		c.errorf(p+".inject", "want the command that injects the fault")
	}
	if strings.TrimSpace(e.Heal) == "" {
		c.errorf(p+".heal", "want the command that heals the fault")
	}
	c.positive(p+".timeout", e.Timeout)
	c.atMost(p+".timeout", e.Timeout, MaxHookTimeout, "the longest hook command")
}

// azure checks the subscription and resource group every Azure block has.
func (c *checker) azure(p, subscription, group string) {
	if !guidPattern().MatchString(subscription) {
		c.errorf(p+".subscription_id", "want a subscription id (a GUID), got %q", subscription)
	}
	if !groupPattern().MatchString(group) || strings.HasSuffix(group, ".") {
		c.errorf(p+".resource_group", "%q is not a resource group name", group)
	}
}

// azName checks the name of an Azure resource.
func (c *checker) azName(path, what, v string) {
	if !azNamePattern().MatchString(v) {
		c.errorf(path, "want the %s name (letters, digits, '-', '_'), got %q", what, v)
	}
}

func (c *checker) frontDoor(p string, fd *FrontDoor) {
	c.azure(p, fd.SubscriptionID, fd.ResourceGroup)
	c.azName(p+".profile", "Front Door profile", fd.Profile)
	c.azName(p+".origin_group", "origin group", fd.OriginGroup)
	c.azName(p+".origin", "origin", fd.Origin)
}

func (c *checker) aks(p string, a *AKS) {
	if !k8sNamePattern().MatchString(a.Namespace) {
		c.errorf(p+".namespace", "%q is not a Kubernetes namespace", a.Namespace)
	}
	switch {
	case len(a.Deployments) == 0 && strings.TrimSpace(a.LabelSelector) == "":
		c.errorf(p+".deployments", "give deployments (names) or a label_selector")
	case len(a.Deployments) > 0 && a.LabelSelector != "":
		c.errorf(p+".label_selector", "give deployments or a label_selector, not both")
	}
	for k, d := range a.Deployments {
		if !k8sNamePattern().MatchString(d) {
			c.errorf(indexPath(p+".deployments", k), "%q is not a Kubernetes deployment name", d)
		}
	}
}

func (c *checker) chaosStudio(p string, cs *ChaosStudio) {
	c.azure(p, cs.SubscriptionID, cs.ResourceGroup)
	c.azName(p+".experiment", "Chaos Studio experiment", cs.Experiment)
}

func (c *checker) cosmos(p string, f *Fault, cd *Cosmos) {
	c.azure(p, cd.SubscriptionID, cd.ResourceGroup)
	if !accountPattern().MatchString(cd.Account) {
		c.errorf(p+".account", "%q is not a Cosmos DB account name (3 to 44 lowercase letters, digits, '-')", cd.Account)
	}
	regions := c.s.Regions()
	switch {
	case !slices.Contains(regions, cd.FailoverTo):
		c.errorf(p+".failover_to", "unknown region %q (want one of %s)", cd.FailoverTo, strings.Join(regions, ", "))
	case cd.FailoverTo == f.Region:
		c.errorf(p+".failover_to", "must differ from the faulted region (%s)", f.Region)
	}
}
