package driver

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"net/url"
	"sort"
	"time"

	"github.com/slocheck/slocheck/internal/auth"
	"github.com/slocheck/slocheck/results"
)

// The journey steps the driver knows, with the request each one sends.
const (
	StepBrowse   = "browse"   // GET /catalog
	StepProduct  = "product"  // GET /products/{id}, id drawn from a seeded source
	StepCart     = "cart"     // POST /cart with a small JSON body
	StepCheckout = "checkout" // POST /checkout; a 201 answer is an acknowledged write
)

// Steps lists the known steps in journey order.
var Steps = []string{StepBrowse, StepProduct, StepCart, StepCheckout}

// Step indices into Steps.
const (
	stepBrowse = iota
	stepProduct
	stepCart
	stepCheckout
	numSteps
)

// Defaults applied by Run when a Config field is zero.
const (
	DefaultTimeout        = 2 * time.Second
	DefaultMaxWorkers     = 10000
	DefaultProducts       = 20
	DefaultServedByHeader = "X-Served-By"
)

// Bounds on every number a load may take (issue 11: a number past them is a
// usage error, never a panic or a run that outgrows the machine). The scenario
// validator and the command-line flags enforce the same constants, with the
// file, line and field (or the flag) in the message; Validate enforces them
// again for callers of the Go API.
const (
	MaxRate       = 200_000.0      // requests per second, one generator (split larger loads over generators)
	MaxDuration   = 24 * time.Hour // one run
	MaxTimeout    = time.Minute    // one request
	MaxThinkTime  = 10 * time.Minute
	MaxWorkersCap = 100_000 // workers (requests in flight)
	MaxSteps      = 100     // steps in one journey
	MaxJourneys   = 100
	MaxStages     = 1_000
	MaxProducts   = 10_000  // product ids of the product step (each a request built per region)
	MaxBodyBytes  = 1 << 20 // a cart or checkout request body
)

// Default request bodies of the cart and checkout steps.
var (
	DefaultCartBody     = []byte(`{"product_id":"p-001","quantity":1}`)
	DefaultCheckoutBody = []byte(`{"items":[{"product_id":"p-001","quantity":1}]}`)
)

// DefaultJourneys is the shopping journey used when Config.Journeys is empty:
// every step once, no think time.
func DefaultJourneys() []Journey {
	return []Journey{{Name: "shop", Weight: 1, Steps: append([]string(nil), Steps...)}}
}

// Stage is one leg of a ramping load: the rate moves linearly from the
// previous stage's rate (the first stage starts from Config.Rate) to Rate over
// Duration.
type Stage struct {
	Duration time.Duration
	Rate     float64 // requests per second at the end of the stage
}

// Journey is what one arrival does: its steps in order, with ThinkTime between
// two steps (the user reading the page before the next click).
type Journey struct {
	Name      string
	Weight    float64 // relative share of arrivals; all zero means equal shares
	ThinkTime time.Duration
	Steps     []string
}

// Config describes one open-model load.
type Config struct {
	// Targets maps each client region to the base URL its users reach
	// (for example a front door edge), such as "http://127.0.0.1:8080".
	Targets map[string]string
	// Weights is each client region's share of the arrivals; nil or empty
	// means equal shares. Every key must be a key of Targets; a target
	// missing from a non-empty Weights gets no arrivals.
	Weights map[string]float64
	// Rate is the request rate in requests per second (all regions, all
	// steps). With Stages it is the rate the first stage starts from.
	Rate float64
	// Stages, when set, ramp the rate linearly stage by stage.
	Stages []Stage
	// Duration is how long arrivals come. Without Stages it is required;
	// with Stages zero means their total, a shorter value cuts them and a
	// longer one holds the last stage's rate.
	Duration time.Duration
	// Timeout bounds each request, counted from its intended start; an
	// arrival further behind its due time than Timeout is dropped.
	Timeout time.Duration
	// MaxWorkers bounds the workers (and so the requests in flight, think
	// time included); arrivals that find none free are dropped.
	MaxWorkers int
	// Journeys are chosen per arrival by weight; empty means DefaultJourneys.
	Journeys []Journey
	// Seed makes region, journey and product choices repeatable.
	Seed int64
	// ServedByHeader names the response header that tells the serving region.
	ServedByHeader string
	// Products is the number of product ids the product step draws from:
	// p-001 … p-<Products>, the reference shop's catalog ids (it holds 20).
	Products int
	// CartBody and CheckoutBody are the JSON bodies of the reference
	// shop's POST steps (used when Steps is empty).
	CartBody, CheckoutBody []byte
	// Steps are the requests journeys name; empty means the reference
	// shop's (ReferenceSteps).
	Steps []Step
	// Data holds the rows of the steps' {{data.<column>}} placeholders.
	Data *Data
	// Auth are headers every request of every step carries (a bearer
	// token, see internal/auth). One whose value is not Fixed is read per
	// send, so a token refreshed during the run is sent from then on.
	// Values are never reported.
	Auth []auth.Header
	// NoCookies turns off the journeys' cookie jars (one per journey, on
	// by default).
	NoCookies bool

	// Start, when set, is the instant the schedule counts from (every
	// process of a run shared by several the same --start-at); zero means
	// when Run starts.
	Start time.Time
	// Segments, when not nil, make this run one generator of several: it
	// sends only the arrivals of the client regions it lists, and of those
	// only the ones whose position falls in the region's segment (see
	// segment.go); the others are neither sent nor recorded. Targets keeps
	// every client region, so that every process draws the same regions.
	Segments map[string]results.Segment

	// HoldSends holds every send back by this long after it is due: a
	// drill and test knob that makes the generator late on purpose, so that
	// generator health (send lag) can be shown to reach the verdicts.
	HoldSends time.Duration

	// noEventLoop makes the run use the workers even where the event
	// loops could run it (tests run both transports).
	noEventLoop bool
	// panicAt, when set, is called with the kind of goroutine ("worker",
	// "event loop", "pacer") and the due time of each arrival it takes up:
	// tests make it panic to check that the run survives.
	panicAt func(where string, due time.Duration)
	// evloops, when above zero, is the number of event loops (by default
	// one per 10,000 req/s of peak rate, at most GOMAXPROCS).
	evloops int
	// lookup and resolveEvery, when set, replace the event loops' resolver
	// and how often it is asked again (evresolve_linux.go).
	lookup       func(ctx context.Context, host string) ([]netip.Addr, error)
	resolveEvery time.Duration
	// blockingWait makes event loops wait in epoll_pwait2 instead of
	// parking in the runtime's poller (evpark_linux.go): benchmarks compare.
	blockingWait bool
	// tick, when set, is the event loops' wake-up grid instead of tickFor's
	// (a coarse one makes a test's loop read its answers late).
	tick time.Duration
	// rootCAs, when set, are the roots a TLS target's certificate must
	// chain to instead of the system's (tests of the https transport).
	rootCAs *x509.CertPool
}

// withDefaults returns c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxWorkers == 0 {
		c.MaxWorkers = DefaultMaxWorkers
	}
	if c.Products == 0 {
		c.Products = DefaultProducts
	}
	if c.ServedByHeader == "" {
		c.ServedByHeader = DefaultServedByHeader
	}
	if c.CartBody == nil {
		c.CartBody = DefaultCartBody
	}
	if c.CheckoutBody == nil {
		c.CheckoutBody = DefaultCheckoutBody
	}
	if len(c.Journeys) == 0 && len(c.Steps) > 0 {
		all := Journey{Name: "journey", Weight: 1}
		for _, s := range c.Steps {
			all.Steps = append(all.Steps, s.Name)
		}
		c.Journeys = []Journey{all}
	}
	if len(c.Journeys) == 0 {
		c.Journeys = DefaultJourneys()
	}
	if len(c.Steps) == 0 {
		c.Steps = ReferenceSteps(c.CartBody, c.CheckoutBody)
	}
	return c
}

// MaxRunTime is the longest a valid run of c can take from its start to
// Run's return, before scheduling slack: the schedule's length, then the
// longest journey the last arrival may still run. An arrival starts at
// the latest a timeout after its due time (else it is dropped), each step
// ends by its deadline (its intended start plus the timeout, HoldSends
// included) and think time separates the steps. A watchdog adds its own
// slack on top.
func (c Config) MaxRunTime() time.Duration {
	c = c.withDefaults()
	length := newPacer(c.Rate, c.Stages, c.Duration, 1).length()
	var longest time.Duration
	for _, j := range c.Journeys {
		n := time.Duration(len(j.Steps))
		longest = max(longest, n*c.Timeout+max(n-1, 0)*j.ThinkTime)
	}
	return length + longest
}

// Validate returns every problem of c at once (nil when c is usable).
// Zero values that have defaults are not problems.
func (c Config) Validate() []error {
	var errs []error
	errs = append(errs, validateTargets(c.Targets, c.Weights)...)
	errs = append(errs, validateSchedule(c.Rate, c.Stages, c.Duration)...)
	errs = append(errs, validateSizes(c)...)
	errs = append(errs, validateSteps(c)...)
	errs = append(errs, validateJourneys(c.Journeys, c.withDefaults().Steps)...)
	errs = append(errs, validateSegments(c)...)
	return errs
}

// validateSizes checks the timeout, the hold, the workers, the products and
// the bodies against their bounds.
func validateSizes(c Config) []error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	switch {
	case c.Timeout < 0:
		add("timeout %s is negative", c.Timeout)
	case c.Timeout > MaxTimeout:
		add("timeout %s is above the limit MaxTimeout (%s)", c.Timeout, MaxTimeout)
	}
	timeout := c.withDefaults().Timeout
	switch {
	case c.HoldSends < 0:
		add("hold sends %s is negative", c.HoldSends)
	case c.HoldSends >= timeout && timeout > 0:
		add("hold sends %s: want less than the timeout %s (every arrival would be dropped)", c.HoldSends, timeout)
	}
	switch {
	case c.MaxWorkers < 0:
		add("max workers %d is negative", c.MaxWorkers)
	case c.MaxWorkers > MaxWorkersCap:
		add("max workers %d is above the limit MaxWorkersCap (%d)", c.MaxWorkers, MaxWorkersCap)
	}
	switch {
	case c.Products < 0:
		add("products %d is negative", c.Products)
	case c.Products > MaxProducts:
		add("products %d is above the limit MaxProducts (%d)", c.Products, MaxProducts)
	}
	if len(c.CartBody) > MaxBodyBytes || len(c.CheckoutBody) > MaxBodyBytes {
		add("cart body %d bytes, checkout body %d bytes: above the limit MaxBodyBytes (%d)",
			len(c.CartBody), len(c.CheckoutBody), MaxBodyBytes)
	}
	return errs
}

func validateTargets(targets map[string]string, weights map[string]float64) []error {
	var errs []error
	if len(targets) == 0 {
		errs = append(errs, errors.New("no targets: want at least one client region with a base URL"))
	}
	for _, region := range sortedKeys(targets) {
		u, err := url.Parse(targets[region])
		switch {
		case region == "":
			errs = append(errs, errors.New("target with an empty client region name"))
		case err != nil:
			errs = append(errs, fmt.Errorf("target %q: %w", region, err))
		case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
			errs = append(errs, fmt.Errorf("target %q: %q is not an http(s) base URL", region, targets[region]))
		}
	}
	var sum float64
	for _, region := range sortedKeys(weights) {
		w := weights[region]
		if _, ok := targets[region]; !ok {
			errs = append(errs, fmt.Errorf("weight for client region %q, which has no target", region))
		}
		if w < 0 || math.IsNaN(w) || math.IsInf(w, 0) {
			errs = append(errs, fmt.Errorf("weight %v of client region %q: want a finite number >= 0", w, region))
			continue
		}
		sum += w
	}
	if len(weights) > 0 && sum == 0 {
		errs = append(errs, errors.New("client region weights sum to zero"))
	}
	return errs
}

func validateSchedule(rate float64, stages []Stage, d time.Duration) []error {
	var errs []error
	badRate := func(r float64) bool { return r < 0 || math.IsNaN(r) || math.IsInf(r, 0) }
	if badRate(rate) {
		errs = append(errs, fmt.Errorf("rate %v: want a finite number of requests per second >= 0", rate))
	} else if rate > MaxRate {
		errs = append(errs, fmt.Errorf("rate %v is above the limit MaxRate (%v requests per second)", rate, MaxRate))
	}
	switch {
	case d < 0:
		errs = append(errs, fmt.Errorf("duration %s is negative", d))
	case d > MaxDuration:
		errs = append(errs, fmt.Errorf("duration %s is above the limit MaxDuration (%s)", d, MaxDuration))
	}
	if len(stages) > MaxStages {
		errs = append(errs, fmt.Errorf("%d stages: above the limit MaxStages (%d)", len(stages), MaxStages))
		return errs
	}
	peak := rate
	var total time.Duration
	for i, s := range stages {
		switch {
		case s.Duration <= 0:
			errs = append(errs, fmt.Errorf("stage %d: duration %s: want > 0", i+1, s.Duration))
		case s.Duration > MaxDuration:
			errs = append(errs, fmt.Errorf("stage %d: duration %s is above the limit MaxDuration (%s)", i+1, s.Duration, MaxDuration))
		default:
			total += s.Duration
		}
		if badRate(s.Rate) {
			errs = append(errs, fmt.Errorf("stage %d: rate %v: want a finite number >= 0", i+1, s.Rate))
		} else if s.Rate > MaxRate {
			errs = append(errs, fmt.Errorf("stage %d: rate %v is above the limit MaxRate (%v requests per second)", i+1, s.Rate, MaxRate))
		}
		peak = math.Max(peak, s.Rate)
	}
	if d == 0 && total > MaxDuration {
		errs = append(errs, fmt.Errorf("stages last %s in all: above the limit MaxDuration (%s)", total, MaxDuration))
	}
	if len(stages) == 0 && d == 0 {
		errs = append(errs, errors.New("duration is zero: want how long to send (or stages)"))
	}
	if peak == 0 && !badRate(rate) {
		errs = append(errs, errors.New("rate is zero everywhere: nothing would be sent"))
	}
	return errs
}

// validateSteps checks the steps (names, bounds, templates against the
// data's columns, extractions) and the data.
func validateSteps(c Config) []error {
	var errs []error
	steps := c.withDefaults().Steps
	seen := map[string]bool{}
	for _, s := range steps {
		switch {
		case s.Name == "":
			errs = append(errs, errors.New("a step without a name"))
		case seen[s.Name]:
			errs = append(errs, fmt.Errorf("step %s is defined twice", s.Name))
		}
		seen[s.Name] = true
		if to := c.withDefaults().Timeout; s.Timeout < 0 || s.Timeout > to && to > 0 {
			errs = append(errs, fmt.Errorf("step %s: timeout %s: want from 0 to the run's timeout %s", s.Name, s.Timeout, c.withDefaults().Timeout))
		}
		if len(s.Body) > MaxBodyBytes {
			errs = append(errs, fmt.Errorf("step %s: body of %d bytes: above the limit MaxBodyBytes (%d)", s.Name, len(s.Body), MaxBodyBytes))
		}
	}
	if d := c.Data; d != nil {
		for i, row := range d.Rows {
			if len(row) != len(d.Columns) {
				errs = append(errs, fmt.Errorf("data row %d has %d values for %d columns", i+1, len(row), len(d.Columns)))
				break
			}
		}
	}
	if _, err := compileSteps(steps, c.Data, c.withDefaults().Timeout, c.Auth); err != nil {
		errs = append(errs, err)
	}
	return errs
}

func validateJourneys(journeys []Journey, steps []Step) []error {
	known := make([]string, len(steps))
	for i, s := range steps {
		known[i] = s.Name
	}
	var errs []error
	if len(journeys) > MaxJourneys {
		return []error{fmt.Errorf("%d journeys: above the limit MaxJourneys (%d)", len(journeys), MaxJourneys)}
	}
	for i, j := range journeys {
		name := j.Name
		if name == "" {
			name = fmt.Sprintf("#%d", i+1)
		}
		switch {
		case len(j.Steps) == 0:
			errs = append(errs, fmt.Errorf("journey %s has no steps", name))
		case len(j.Steps) > MaxSteps:
			errs = append(errs, fmt.Errorf("journey %s: %d steps: above the limit MaxSteps (%d)", name, len(j.Steps), MaxSteps))
			continue
		}
		for _, s := range j.Steps {
			if stepIndex(steps, s) < 0 {
				errs = append(errs, fmt.Errorf("journey %s: unknown step %q (known: %v)", name, s, known))
			}
		}
		switch {
		case j.ThinkTime < 0:
			errs = append(errs, fmt.Errorf("journey %s: think time %s is negative", name, j.ThinkTime))
		case j.ThinkTime > MaxThinkTime:
			errs = append(errs, fmt.Errorf("journey %s: think time %s is above the limit MaxThinkTime (%s)", name, j.ThinkTime, MaxThinkTime))
		}
		if j.Weight < 0 || math.IsNaN(j.Weight) || math.IsInf(j.Weight, 0) {
			errs = append(errs, fmt.Errorf("journey %s: weight %v: want a finite number >= 0", name, j.Weight))
		}
	}
	return errs
}

// stepIndex returns the index of the step named step, or -1.
func stepIndex(steps []Step, step string) int {
	for i, s := range steps {
		if s.Name == step {
			return i
		}
	}
	return -1
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
