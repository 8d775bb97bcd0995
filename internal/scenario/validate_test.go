package scenario

import (
	"strings"
	"testing"
)

func TestNegativeRate(t *testing.T) {
	errs := parseErrs(t, "name: x\nload:\n  rate: -5\n")
	if len(errs) != 1 {
		t.Fatalf("got %d problems, want 1:\n%v", len(errs), errs)
	}
	if got, want := errs[0].Error(), "x.yaml:3:3: load.rate: must be positive (requests per second), got -5"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// TestAllErrorsAtOnce checks that one parse reports every problem of a file,
// decoding and validation alike, in file order.
func TestAllErrorsAtOnce(t *testing.T) {
	src := `name: x
engine: k7
load:
  rate: -1
  duration: 30s
  journeys:
    - {steps: [browse, pay]}
faults:
  - at: 20s
    for: 20s
    region: eastus
    mode: dwn
    ratio: 2
objectives:
  availability: 99.99
  colour: red
`
	want := []string{
		`x.yaml:2:1: engine: unknown engine "k7" (want one of go, k6)`,
		`x.yaml:4:3: load.rate: must be positive (requests per second), got -1`,
		`x.yaml:7:24: load.journeys[0].steps[1]: unknown step "pay" (want one of browse, product, cart, checkout)`,
		`x.yaml:10:5: faults[0].for: the fault ends at 40s, after the run ends (load.duration 30s)`,
		`x.yaml:12:5: faults[0].mode: unknown mode "dwn" (want one of down, blackhole, errors, slow, replication-cut)`,
		`x.yaml:13:5: faults[0].ratio: must be from 0 to 1, got 2`,
		`x.yaml:15:3: objectives.availability: must be between 0 and 1 (0.9999 is 99.99 %), got 99.99`,
		`x.yaml:16:3: objectives.colour: unknown field`,
	}
	errs := parseErrs(t, src)
	if len(errs) != len(want) {
		t.Errorf("got %d problems, want %d:\n%v", len(errs), len(want), errs)
	}
	for i := range min(len(errs), len(want)) {
		if got := errs[i].Error(); !strings.HasPrefix(got, want[i]) {
			t.Errorf("problem %d:\n got  %s\n want %s", i, got, want[i])
		}
	}
}

// TestValidateProblems runs one broken file per case; each must report the
// expected problem (and may report others).
func TestValidateProblems(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"k6 without script", "engine: k6", "script: engine k6 needs a script"},
		{"script with go", "script: a.js", "script: a script applies to engine k6 only"},
		{"script not js", "engine: k6\nscript: a.py", `want a k6 script (.js, .mjs, .ts), got "a.py"`},
		{"bad name", "name: a b", `name: "a b" is not a valid name`},
		{"zero duration", "load: {duration: 0s}", "load.duration: must be positive, got 0s"},
		{"ramp too long", "load: {duration: 10s, ramp: [{duration: 20s, rate: 5}]}", "load.ramp: the stages last 20s, longer than load.duration (10s)"},
		{"ramp all zero", "load: {rate: 0, ramp: [{duration: 2s, rate: 0}]}", "load.ramp: every rate is 0"},
		{"negative weight", "load: {client_regions: {us: -1, eu: 1}}", "load.client_regions.us: a weight must not be negative, got -1"},
		{"zero weights", "load: {client_regions: {us: 0, eu: 0}}", "load.client_regions: want at least one client region with a positive weight"},
		{"unknown client", "load: {client_regions: {asia: 1}}", "load.client_regions.asia: unknown client region (platform.client_regions has eu, us)"},
		{"zero journey weights", "load: {journeys: [{steps: [browse], weight: 0}]}", "load.journeys: want at least one journey with a positive weight"},
		{"no steps", "load: {journeys: [{name: a}]}", "load.journeys[0].steps: want at least one step"},
		{"no journeys", "load: {journeys: []}", "load.journeys: want at least one journey"},
		{"duplicate journey", "load: {journeys: [{name: a, steps: [cart]}, {name: a, steps: [cart]}]}", `load.journeys[1].name: "a" is also the name of load.journeys[0]`},
		{"probe samples", "platform: {probe: {sample_size: 2, successful_samples: 3}}", "platform.probe.successful_samples: must be from 1 to sample_size (2), got 3"},
		{"probe timeout", "platform: {probe: {interval: 1s, timeout: 2s}}", "platform.probe.timeout: 2s is longer than the probe interval (1s)"},
		{"client to unknown region", "platform: {client_regions: {us: mars, eu: westeurope}}", `platform.client_regions.us: unknown region "mars"`},
		{"duplicate region", "platform: {regions: [eastus, eastus, westeurope]}", `platform.regions[1]: "eastus" is listed twice`},
		{"negative lag", "platform: {replication_lag: -1s}", "platform.replication_lag: must not be negative, got -1s"},
		{"fault after run", "faults: [{at: 70s, for: 10s, region: eastus}]", "faults[0].for: the fault ends at 1m20s, after the run ends (load.duration 1m0s)"},
		{"negative at", "faults: [{at: -1s, for: 10s, region: eastus}]", "faults[0].at: must not be negative, got -1s"},
		{"no for", "faults: [{at: 1s, region: eastus}]", "faults[0].for: must be positive, got 0s"},
		{"unknown injector", "faults: [{at: 1s, for: 9s, injector: chaos}]", `faults[0].injector: unknown injector "chaos" (want one of platform, http, exec, frontdoor, aks, chaos-studio, cosmos, manual)`},
		{"platform no region", "faults: [{at: 1s, for: 9s}]", "faults[0].region: injector platform needs a region (one of eastus, westeurope)"},
		{"unknown region", "faults: [{at: 1s, for: 9s, region: mars}]", `faults[0].region: unknown region "mars" (want one of eastus, westeurope)`},
		{"slow without latency", "faults: [{at: 1s, for: 9s, region: eastus, mode: slow}]", "faults[0].latency: mode slow needs a positive latency, got 0s"},
		{"latency without slow", "faults: [{at: 1s, for: 9s, region: eastus, latency: 1s}]", "faults[0].latency: applies to mode slow only (mode is down)"},
		{"missing block", "faults: [{at: 1s, for: 9s, injector: exec}]", "faults[0].injector: injector exec needs a exec block"},
		{"wrong block", "faults: [{at: 1s, for: 9s, region: eastus, exec: {inject: a, heal: b}}]", "faults[0].exec: applies to injector exec only (this fault's injector is platform)"},
		{"exec mode", "faults: [{at: 1s, for: 9s, injector: exec, mode: down, exec: {inject: a, heal: b}}]", `faults[0].mode: injector exec has one mode, exec (got "down")`},
		{"exec ratio", "faults: [{at: 1s, for: 9s, injector: exec, ratio: 0.5, exec: {inject: a, heal: b}}]", "faults[0].ratio: applies to injectors platform and http only"},
		{"exec no heal", "faults: [{at: 1s, for: 9s, injector: exec, exec: {inject: a}}]", "faults[0].exec.heal: want the command that heals the fault"},
		{"http bad url", "faults: [{at: 1s, for: 9s, injector: http, http: {inject_url: ftp://x, heal_url: http://h/x}}]", `faults[0].http.inject_url: want an absolute http:// or https:// URL, got "ftp://x"`},
		{"http method", "faults: [{at: 1s, for: 9s, injector: http, http: {inject_url: http://h, heal_url: http://h, heal_method: ZAP}}]", `faults[0].http.heal_method: unknown method "ZAP"`},
		{"http header", "faults: [{at: 1s, for: 9s, injector: http, http: {inject_url: http://h, heal_url: http://h, headers: {'a b': c}}}]", `faults[0].http.headers.a b: "a b" is not an HTTP header name`},
		{"http header env", "faults: [{at: 1s, for: 9s, injector: http, http: {inject_url: http://h, heal_url: http://h, headers: {A: b}, header_env: {A: TOKEN, Authorization: 'my token'}}}]", `faults[0].http.header_env.A: header A is also in headers`},
		{"http header env name", "faults: [{at: 1s, for: 9s, injector: http, http: {inject_url: http://h, heal_url: http://h, header_env: {Authorization: 'my token'}}}]", `faults[0].http.header_env.Authorization: want the name of an environment variable, got "my token"`},
		{"azure on embedded", "faults: [{at: 1s, for: 9s, injector: chaos-studio, chaos_studio: {subscription_id: 00000000-0000-0000-0000-000000000000, resource_group: rg, experiment: e}}]", "faults[0].injector: injector chaos-studio acts on a real deployment: give the scenario a target"},
		{"platform with target", "target: {url: http://127.0.0.1:1}\nfaults: [{at: 1s, for: 9s, region: eastus}]", "faults[0].injector: injector platform acts on the embedded platform, and this scenario has a target"},
		{"max duration", "faults: [{at: 1s, for: 9s, region: eastus, max_duration: 5s}]", "faults[0].max_duration: 5s is shorter than the fault (for: 9s)"},
		{"stop ratio", "faults: [{at: 1s, for: 9s, region: eastus, stop: {failure_ratio: 0, for: 1s}}]", "faults[0].stop.failure_ratio: must be above 0 and at most 1, got 0"},
		{"stop never", "faults: [{at: 1s, for: 9s, region: eastus, stop: {failure_ratio: 0.5, for: 9s}}]", "faults[0].stop.for: 9s is not shorter than the fault (9s)"},
		{"manual no region", "faults: [{at: 1s, for: 9s, injector: manual}]", "faults[0].region: injector manual needs a region"},
		{"stop budget", "faults: [{at: 1s, for: 9s, region: eastus, stop: {budget_share: 1.5}}]", "faults[0].stop.budget_share: must be above 0 and at most 1 (a share of the 30-day error budget), got 1.5"},
		{"stop budget and bad ratio", "faults: [{at: 1s, for: 9s, region: eastus, stop: {budget_share: 0.1, failure_ratio: 2, for: 1s}}]", "faults[0].stop.failure_ratio: must be above 0 and at most 1, got 2"},
		{"overlap", "faults: [{at: 10s, for: 20s, region: eastus}, {at: 25s, for: 10s, region: eastus, mode: errors}]", "faults[1]: overlaps faults[0] (eastus-down, 10s–30s) on region eastus"},
		{"duplicate fault", "faults: [{name: a, at: 1s, for: 5s, region: eastus}, {name: a, at: 1s, for: 5s, region: westeurope}]", `faults[1].name: "a" is also the name of faults[0]`},
		{"no target url", "target: {regions: [eastus]}", "target: give url (one entry point) or edges (one per client region)"},
		{"target bad url", "target: {url: shop.example.com}", `target.url: want an absolute http:// or https:// URL, got "shop.example.com"`},
		{"edge unknown client", "target: {edges: {us: http://a, eu: http://b, asia: http://c}}", `target.edges.asia: no client region "asia" in load.client_regions (want one of eu, us)`},
		{"edge missing", "target: {edges: {us: http://a}}", `target.edges: no edge for client region "eu" (and no target.url)`},
		{"readback no id", "target: {url: http://a, readback_url: 'http://a/orders'}", "target.readback_url: the template needs {id}"},
		{"readback relative", "target: {url: http://a, readback_url: '/orders/{id}'}", `target.readback_url: want an absolute http:// or https:// URL template, got "/orders/{id}"`},
		{"readback placeholder", "target: {url: http://a, readback_url: 'http://a/orders/{order}'}", "target.readback_url: unknown placeholder {order} (want {id} and {region})"},
		{"served by", "target: {url: http://a, served_by_header: 'x y'}", `target.served_by_header: "x y" is not an HTTP header name`},
		{"check url", "target: {url: http://a, check_url: health}", `target.check_url: want an absolute http:// or https:// URL, got "health"`},
		{"p99", "objectives: {p99: 0s}", "objectives.p99: must be positive, got 0s"},
		{"budget", "objectives: {budget_share: 1.5}", "objectives.budget_share: must be above 0 and at most 1, got 1.5"},
		{"frontdoor ids", "target: {url: http://a}\nfaults: [{at: 1s, for: 9s, injector: frontdoor, frontdoor: {subscription_id: nope, resource_group: 'rg.', profile: p, origin_group: 'o g', origin: o}}]",
			`faults[0].frontdoor.subscription_id: want a subscription id (a GUID), got "nope"`},
		{"aks both", "target: {url: http://a}\nfaults: [{at: 1s, for: 9s, injector: aks, aks: {deployments: [shop], label_selector: app=shop}}]", "faults[0].aks.label_selector: give deployments or a label_selector, not both"},
		{"aks none", "target: {url: http://a}\nfaults: [{at: 1s, for: 9s, injector: aks, aks: {context: c}}]", "faults[0].aks.deployments: give deployments (names) or a label_selector"},
		{"cosmos same region", "target: {url: http://a}\nfaults: [{at: 1s, for: 9s, injector: cosmos, region: eastus, cosmos: {subscription_id: 00000000-0000-0000-0000-000000000000, resource_group: rg, account: shopdb, failover_to: eastus}}]", "faults[0].cosmos.failover_to: must differ from the faulted region (eastus)"},
		{"cosmos no region", "target: {url: http://a}\nfaults: [{at: 1s, for: 9s, injector: cosmos, cosmos: {subscription_id: 00000000-0000-0000-0000-000000000000, resource_group: rg, account: shopdb, failover_to: westeurope}}]", "faults[0].region: injector cosmos needs a region"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := parseErrs(t, c.src)
			if got := errs.Error(); !strings.Contains(got, c.want) {
				t.Errorf("problems:\n%s\nwant %q", got, c.want)
			}
		})
	}
}

// TestValidVariants checks shapes that must be accepted.
func TestValidVariants(t *testing.T) {
	cases := map[string]string{
		"defaults only":       "name: x",
		"ramp from zero":      "load: {rate: 0, ramp: [{duration: 10s, rate: 100}], duration: 20s}",
		"edges":               "target: {edges: {us: 'http://127.0.0.1:1', eu: 'http://127.0.0.1:2'}, readback_url: 'http://127.0.0.1:3/orders/{id}?region={region}'}",
		"exec on target":      "target: {url: 'http://127.0.0.1:1'}\nfaults: [{at: 5s, for: 10s, injector: exec, exec: {inject: 'true', heal: 'true'}}]",
		"two regions at once": "faults: [{at: 5s, for: 10s, region: eastus}, {at: 5s, for: 10s, region: westeurope}]",
		"back to back":        "faults: [{at: 5s, for: 10s, region: eastus}, {at: 15s, for: 10s, region: eastus}]",
		"k6":                  "engine: k6\nscript: failover.js",
		"budget stop alone":   "faults: [{at: 5s, for: 10s, region: eastus, stop: {budget_share: 0.05}}]",
		"manual":              "faults: [{at: 5s, for: 10s, injector: manual, region: eastus}]",
		"both stops":          "faults: [{at: 5s, for: 10s, region: eastus, stop: {budget_share: 0.05, failure_ratio: 0.5, for: 2s}}]",
		"http hook":           "faults: [{at: 5s, for: 10s, injector: http, region: eastus, mode: errors, ratio: 0.3, http: {inject_url: 'http://127.0.0.1:1/faults', heal_url: 'http://127.0.0.1:1/faults/eastus', headers: {X-Token: abc}}}]",
		"frontdoor":           "target: {url: 'https://a.azurefd.net'}\nfaults: [{at: 5s, for: 10s, injector: frontdoor, region: eastus, frontdoor: {subscription_id: 00000000-0000-0000-0000-000000000000, resource_group: rg-shop, profile: afd, origin_group: og, origin: o-eastus}}]",
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) { mustParse(t, src) })
	}
}

func TestDerivedDefaults(t *testing.T) {
	s := mustParse(t, `
faults:
  - {at: 5s, for: 10s, region: eastus}
  - {at: 30s, for: 10s, region: eastus}
  - {at: 30s, for: 10s, region: westeurope, mode: slow, latency: 100ms, max_duration: 20s}
load:
  journeys: [{steps: [browse, product]}]
`)
	got := []string{s.Faults[0].Name, s.Faults[1].Name, s.Faults[2].Name, s.Load.Journeys[0].Name, s.Name}
	want := []string{"eastus-down", "eastus-down-2", "westeurope-slow", "browse-product", "x"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("names %v, want %v", got, want)
	}
	if s.Faults[0].MaxDuration != s.Faults[0].For || s.Faults[2].MaxDuration != 2*s.Faults[2].For {
		t.Errorf("max durations %s, %s", s.Faults[0].MaxDuration, s.Faults[2].MaxDuration)
	}
	if s.Faults[0].Ratio != 1 || s.Load.Journeys[0].Weight != 1 {
		t.Errorf("ratio %g weight %g, want the defaults 1", s.Faults[0].Ratio, s.Load.Journeys[0].Weight)
	}
}

func TestWarnings(t *testing.T) {
	s := mustParse(t, `
target: {url: 'http://127.0.0.1:1'}
platform: {seed: 3, replication_lag: 1s}
load: {rate: 100, duration: 60s}
faults: [{at: 10s, for: 3s, injector: exec, exec: {inject: 'true', heal: 'true'}}]
`)
	var msgs []string
	for _, w := range s.Warnings() {
		msgs = append(msgs, w.Error())
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{
		"x.yaml:4:1: load: steady state (outside faults and their recovery) holds about 4900 requests; deciding availability 0.9999 needs at least 38411",
		"x.yaml:5:20: faults[0].for: the fault lasts 3s, not longer than objectives.stability_window (5s)",
		"x.yaml:3:21: platform.replication_lag: ignored",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings:\n%s\nlack %q", all, want)
		}
	}
}

func TestStepsUsed(t *testing.T) {
	s := mustParse(t, "load:\n  journeys:\n    - {steps: [cart, browse]}\n    - {steps: [checkout], weight: 0}\n")
	if got := strings.Join(s.StepsUsed(), ","); got != "browse,cart" {
		t.Errorf("StepsUsed = %s, want browse,cart (shopping order; a journey of weight 0 sends nothing)", got)
	}
}
