package chaos

import (
	"errors"
	"fmt"
	"time"
)

// StopCondition heals a fault early when users suffer too much: when the
// failure ratio over the last For stays above FailureRatio. It is checked
// every Check once the fault has been in place for For, so the window only
// ever covers time with the fault in place.
type StopCondition struct {
	FailureRatio float64       // X: heal when the failure ratio is above this …
	For          time.Duration // Y: … over a window this long
	Check        time.Duration // how often to look; 0 means For/10, within [10 ms, 1 s]
	// BudgetShare, when above 0, also heals the fault once it has spent
	// more than this share of the error budget (Options.BudgetShare).
	// FailureRatio and For may then be zero: the budget condition alone.
	BudgetShare float64
}

func (c *StopCondition) check() time.Duration {
	if c.Check > 0 {
		return c.Check
	}
	if c.For == 0 {
		return 100 * time.Millisecond
	}
	return min(max(c.For/10, 10*time.Millisecond), time.Second)
}

// Entry is one fault of a schedule.
type Entry struct {
	// Spec names the fault, gives its events' labels and is what the state
	// file records so that HealDir can rebuild the injector.
	Spec Spec
	// Injector injects and heals; nil means Build(Spec, Options.Env).
	Injector Injector
	// At is when to inject, after the run's start.
	At time.Duration
	// For is how long the fault is planned to last: it is healed at
	// start+At+For. Zero means only MaxDuration ends it.
	For time.Duration
	// MaxDuration caps the fault, counted from the moment the injection
	// began, whatever For says. Zero means no cap beyond For.
	MaxDuration time.Duration
	// Stop, when set, heals the fault early (see StopCondition).
	Stop *StopCondition
}

// Schedule is the faults of one run. Faults may overlap; names are unique.
type Schedule []Entry

// Validate reports every problem of the schedule at once.
func (s Schedule) Validate() []error {
	var errs []error
	seen := map[string]bool{}
	for i, e := range s {
		where := fmt.Sprintf("fault %d (%q)", i+1, e.Spec.Name)
		if e.Spec.Name == "" {
			errs = append(errs, fmt.Errorf("fault %d: name is empty", i+1))
		} else if seen[e.Spec.Name] {
			errs = append(errs, fmt.Errorf("%s: name used twice", where))
		}
		seen[e.Spec.Name] = true
		if e.Injector == nil && e.Spec.Kind == "" {
			errs = append(errs, fmt.Errorf("%s: kind is empty", where))
		}
		errs = append(errs, e.validateTimes(where)...)
	}
	return errs
}

func (e Entry) validateTimes(where string) []error {
	var errs []error
	if e.At < 0 || e.For < 0 || e.MaxDuration < 0 {
		errs = append(errs, fmt.Errorf("%s: at, for and max duration must not be negative", where))
	}
	if e.For == 0 && e.MaxDuration == 0 {
		errs = append(errs, fmt.Errorf("%s: needs a duration (for) or a maximum duration", where))
	}
	if c := e.Stop; c != nil && (c.BudgetShare < 0 || c.BudgetShare > 1) {
		errs = append(errs, fmt.Errorf("%s: stop condition budget share %v is not in (0, 1]", where, c.BudgetShare))
	}
	if c := e.Stop; c != nil && (c.BudgetShare == 0 || c.FailureRatio != 0 || c.For != 0) {
		if c.FailureRatio < 0 || c.FailureRatio >= 1 {
			errs = append(errs, fmt.Errorf("%s: stop condition failure ratio %v is not in [0, 1)", where, c.FailureRatio))
		}
		if c.For <= 0 || c.Check < 0 {
			errs = append(errs, fmt.Errorf("%s: stop condition needs a positive window", where))
		}
	}
	return errs
}

// healDeadline is when e is due to be healed: the earlier of its planned end
// and its cap, the cap counted from began.
func (e Entry) healDeadline(start, began time.Time) (time.Time, string) {
	var at time.Time
	reason := ""
	if e.For > 0 {
		at, reason = start.Add(e.At+e.For), "planned"
	}
	if e.MaxDuration > 0 {
		if capAt := began.Add(e.MaxDuration); at.IsZero() || capAt.Before(at) {
			at, reason = capAt, "max-duration"
		}
	}
	return at, reason
}

// joinValidation turns Validate's list into one error.
func joinValidation(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("fault schedule: %w", errors.Join(errs...))
}
