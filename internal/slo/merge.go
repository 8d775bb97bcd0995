package slo

import (
	"fmt"
	"strings"

	"github.com/slocheck/slocheck/results"
)

// mergeNotes say how a merged run was made: the streams, the clock
// tolerance its fault events were reconciled within, and each refusal that
// --force overrode (the figures may count traffic twice, or mix runs).
func mergeNotes(m *results.MergeInfo) []string {
	if m == nil {
		return nil
	}
	out := []string{fmt.Sprintf("merged from %d streams (%s); fault events reconciled within a clock tolerance of %s",
		len(m.Streams), strings.Join(m.Streams, ", "), m.ClockTolerance.Std())}
	for _, f := range m.Faults {
		if len(f.Sources) > 1 {
			out = append(out, fmt.Sprintf("fault %s: reported by %d streams, their injection instants %s apart and heals %s apart: one fault, from the earliest injection to the latest heal",
				f.Name, len(f.Sources), f.InjectedSpread.Std(), f.HealedSpread.Std()))
		}
	}
	for _, w := range m.Warnings {
		out = append(out, "merged with --force despite: "+w)
	}
	return out
}
