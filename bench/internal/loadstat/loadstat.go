// Package loadstat prints the one result line both benchmark load generators
// end with, so bench/driver-vs-vegeta.sh reads them the same way: requests,
// errors, the achieved rate (requests over the span of their send times, as
// vegeta's report computes it) and the process's own CPU time and peak memory
// from getrusage.
package loadstat

import (
	"fmt"
	"io"
	"syscall"
	"time"
)

// Print writes the result line of a generator that sent n requests, errs of
// them failed, the first sent at first and the last at last; extra (key=value
// pairs) is appended.
func Print(w io.Writer, generator string, n, errs uint64, first, last time.Time, extra string) error {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return fmt.Errorf("getrusage: %w", err)
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	_, err := fmt.Fprintf(w, "generator=%s requests=%d errors=%d rate=%.2f cpu_s=%.3f user_s=%.3f sys_s=%.3f maxrss_kb=%d %s\n",
		generator, n, errs, Rate(n, first, last), cpu.Seconds(),
		time.Duration(ru.Utime.Nano()).Seconds(), time.Duration(ru.Stime.Nano()).Seconds(), ru.Maxrss, extra)
	return err
}

// Rate is n requests over the span from first to last, per second.
func Rate(n uint64, first, last time.Time) float64 {
	span := last.Sub(first)
	if n < 2 || span <= 0 {
		return 0
	}
	return float64(n) / span.Seconds()
}
