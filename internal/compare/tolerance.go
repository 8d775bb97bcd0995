package compare

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/slocheck/slocheck/results"
)

// Tolerances are the changes a comparison lets pass as NO CHANGE, one per
// kind of objective. Zero fields take DefaultTolerances' values.
type Tolerances struct {
	P99          float64          `json:"p99"`          // relative: 0.10 lets p99 move by 10 %
	Availability float64          `json:"availability"` // absolute ratio: 0.0001 is 0.01 percentage points
	RTO          results.Duration `json:"rto"`          // seconds
	RPO          results.Duration `json:"rpo"`          // seconds
	Budget       float64          `json:"budget"`       // absolute share of the 30-day error budget
}

// DefaultTolerances are sized to what two runs of one build differ by on
// the embedded platform with its default probes, and no more:
//   - p99 10 %: the tolerance band Kayenta's users set most;
//   - availability 0.01 percentage points: the whole budget of 99.99 %;
//   - RTO 3 s: Front Door's probes detect an outage anywhere in a window one
//     probe interval wide ((2 s, 4 s] with the default 2 s probes), so two
//     runs of one build differ by up to that interval; 3 s leaves a second
//     for scheduling. Slower probes (5 s, four failures) move RTO by 10 s
//     and more;
//   - RPO 1 s: a tenth of the 10 s target;
//   - budget 1 % of the 30-day budget (2.6 s of full outage at 99.99 %).
func DefaultTolerances() Tolerances {
	return Tolerances{P99: 0.10, Availability: 0.0001, RTO: results.Duration(3 * time.Second),
		RPO: results.Duration(time.Second), Budget: 0.01}
}

func (t Tolerances) filled() Tolerances {
	d := DefaultTolerances()
	if t.P99 <= 0 {
		t.P99 = d.P99
	}
	if t.Availability <= 0 {
		t.Availability = d.Availability
	}
	if t.RTO <= 0 {
		t.RTO = d.RTO
	}
	if t.RPO <= 0 {
		t.RPO = d.RPO
	}
	if t.Budget <= 0 {
		t.Budget = d.Budget
	}
	return t
}

// ErrTolerance is wrapped by ParseTolerances' errors.
var ErrTolerance = errors.New("invalid tolerance")

// ParseTolerances reads --tolerance's value, "p99=10%,rto=1s,...", over the
// defaults: p99, availability and budget take a percentage ("10%") or a
// fraction ("0.1"); availability's percentage is in percentage points
// ("0.01%" is 0.0001); rto and rpo take a duration ("1s", "500ms"). Every
// value must be positive and finite, a percentage at most 100 %.
func ParseTolerances(s string) (Tolerances, error) {
	t := DefaultTolerances()
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, val, ok := strings.Cut(part, "=")
		if !ok {
			return t, fmt.Errorf("%w %q: want name=value, e.g. p99=10%%", ErrTolerance, part)
		}
		if err := t.set(strings.TrimSpace(name), strings.TrimSpace(val)); err != nil {
			return t, fmt.Errorf("%w %q: %w", ErrTolerance, part, err)
		}
	}
	return t, nil
}

func (t *Tolerances) set(name, val string) error {
	var err error
	switch name {
	case "p99":
		t.P99, err = fraction(val)
	case "availability":
		t.Availability, err = fraction(val)
	case "budget":
		t.Budget, err = fraction(val)
	case "rto":
		t.RTO, err = duration(val)
	case "rpo":
		t.RPO, err = duration(val)
	default:
		return errors.New("unknown objective (known: p99, availability, rto, rpo, budget)")
	}
	return err
}

// fraction reads "10%" as 0.1 and "0.1" as 0.1, in (0, 1].
func fraction(s string) (float64, error) {
	scale := 1.0
	if v, ok := strings.CutSuffix(s, "%"); ok {
		s, scale = strings.TrimSpace(v), 0.01
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, errors.New("not a number")
	}
	if f *= scale; f <= 0 || f > 1 {
		return 0, errors.New("must be above 0 and at most 100 %")
	}
	return f, nil
}

// duration reads a Go duration in (0, 24h].
func duration(s string) (results.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, errors.New("not a duration (e.g. 1s, 500ms)")
	}
	if d <= 0 || d > 24*time.Hour {
		return 0, errors.New("must be above 0 and at most 24h")
	}
	return results.Duration(d), nil
}

// String is t as --tolerance takes it.
func (t Tolerances) String() string {
	return fmt.Sprintf("p99=%s%%,availability=%s%%,rto=%s,rpo=%s,budget=%s%%",
		pct(t.P99), pct(t.Availability), t.RTO.Std(), t.RPO.Std(), pct(t.Budget))
}

func pct(f float64) string { return strconv.FormatFloat(f*100, 'g', 6, 64) }
