package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slocheck/slocheck/internal/slo"
)

// none stands for a missing value in tables.
const none = "—"

// notRecovered is how a nil RTO reads (DESIGN.md §2).
const notRecovered = "not recovered"

// seconds formats a duration in seconds, in ms below one second: "93.2 ms",
// "4.20 ms", "0.350 ms", "4.20 s", "0 s".
func seconds(v float64) string {
	a := math.Abs(v)
	switch {
	case v == 0:
		return "0 s"
	case a < 0.001:
		return fmt.Sprintf("%.3f ms", v*1e3)
	case a < 0.01:
		return fmt.Sprintf("%.2f ms", v*1e3)
	case a < 1:
		return fmt.Sprintf("%.1f ms", v*1e3)
	default:
		return fmt.Sprintf("%.2f s", v)
	}
}

// percent formats a ratio as a percentage with four decimals, trailing zeros
// dropped ("99.9912 %", "100 %", "0.73 %"). When four decimals would round a
// ratio below 1 up to 100 % or a positive one down to 0 %, more are shown, so
// the figure never claims perfection it does not have.
func percent(v float64) string {
	p := v * 100
	s := trimZeros(strconv.FormatFloat(p, 'f', 4, 64))
	for d := 5; d <= 9 && ((s == "100" && p != 100) || (s == "0" && p != 0)); d++ {
		s = trimZeros(strconv.FormatFloat(p, 'f', d, 64))
	}
	return s + " %"
}

// trimZeros drops a decimal number's trailing zeros and point.
func trimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	return strings.TrimRight(strings.TrimRight(s, "0"), ".")
}

// inUnit formats v in an objective's unit.
func inUnit(v float64, unit string) string {
	switch unit {
	case "s":
		return seconds(v)
	case "ratio", "share":
		return percent(v)
	case "":
		return strconv.FormatFloat(v, 'g', 6, 64)
	default:
		return strconv.FormatFloat(v, 'g', 6, 64) + " " + unit
	}
}

// optSeconds formats an optional duration in seconds.
func optSeconds(v *float64, missing string) string {
	if v == nil {
		return missing
	}
	return seconds(*v)
}

// maxDetail is the longest detail shown in a value column: a longer one
// (a sentence) is shown under the table as the objective's reason instead,
// so a table never grows 200 characters wide.
const maxDetail = 16

// objValue is an objective's value, or its short detail (e.g. "not
// recovered") when it has none.
func objValue(o *slo.Objective) string {
	if o.Value != nil {
		return inUnit(*o.Value, o.Unit)
	}
	if o.Detail != "" && utf8.RuneCountInString(o.Detail) <= maxDetail {
		return o.Detail
	}
	return none
}

// interval is an objective's two-sided 95 % interval, "—" when it has none.
func interval(o *slo.Objective) string {
	if o.CILow == nil || o.CIHigh == nil {
		return none
	}
	return inUnit(*o.CILow, o.Unit) + " – " + inUnit(*o.CIHigh, o.Unit)
}

// bound returns the comparison an objective's value must meet to pass, and
// the one that fails it: availability (a ratio) must reach its target, budget
// share may reach it, latencies, RTO and RPO must stay below it (DESIGN.md §2).
func bound(o *slo.Objective) (pass, fail string) {
	switch {
	case o.Unit == "ratio":
		return ">=", "<"
	case o.Name == "budget":
		return "<=", ">"
	default:
		return "<", ">="
	}
}

// target is an objective's target with its comparison: "< 150.0 ms".
func target(o *slo.Objective) string {
	pass, _ := bound(o)
	return pass + " " + inUnit(o.Target, o.Unit)
}

// toDecide is how many more requests would decide an inconclusive objective.
func toDecide(o *slo.Objective) string {
	if o.RequestsToDecide == 0 {
		return ""
	}
	return "+" + strconv.FormatUint(o.RequestsToDecide, 10)
}

// objName names an objective as its JUnit test case does: "p99 overall".
func objName(o *slo.Objective) string {
	return o.Name + " " + o.Scope
}

// clock is a time of day in UTC with milliseconds.
func clock(t time.Time) string {
	return ms(t).Format("15:04:05.000")
}

// stamp is a full UTC time with milliseconds, for summaries.
func stamp(t time.Time) string {
	return ms(t).Format("2006-01-02 15:04:05.000 UTC")
}

// rfc3339ms is an RFC 3339 UTC time with exactly three decimals, for CSV.
func rfc3339ms(t time.Time) string {
	return ms(t).Format("2006-01-02T15:04:05.000Z07:00")
}

// offset is t relative to the run's start: "10:00:20.000 (+20.0 s)".
func offset(r *slo.Report, t time.Time) string {
	return fmt.Sprintf("%s (+%.1f s)", clock(t), t.Sub(r.Started).Seconds())
}

// optTime is offset for an optional time.
func optTime(r *slo.Report, t *time.Time, missing string) string {
	if t == nil {
		return missing
	}
	return offset(r, *t)
}

// count formats a count.
func count(n uint64) string { return strconv.FormatUint(n, 10) }

// share is part/total as a percentage, "—" when total is zero.
func share(part, total uint64) string {
	if total == 0 {
		return none
	}
	return percent(float64(part) / float64(total))
}

// num is a float in its shortest exact form with a '.' decimal point, for
// machine-readable files.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// optNum is num for an optional float; empty when missing.
func optNum(v *float64) string {
	if v == nil {
		return ""
	}
	return num(*v)
}
