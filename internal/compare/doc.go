// Package compare judges whether a run differs from a baseline, objective by
// objective: REGRESSED, IMPROVED, NO CHANGE or INCONCLUSIVE against a
// tolerance. It is pure: evaluated reports and results streams in, a
// Comparison out; no I/O, no clock, and its one random source (the bootstrap)
// is seeded, so the same two runs always compare the same.
//
// Every objective's change gets a 95 % interval, and one rule turns the
// interval into a verdict (judge): with the change signed so that positive is
// worse, REGRESSED when the whole interval lies beyond +tolerance, IMPROVED
// when it lies wholly beyond −tolerance, NO CHANGE when it lies wholly inside
// [−tolerance, +tolerance], and INCONCLUSIVE when it straddles a tolerance
// edge: the data cannot tell (a 2,000-request run against a 100,000-request
// baseline). REGRESSED is so a significant change beyond the tolerance, never
// a significant change alone.
//
// The intervals:
//
//   - p99 (the scenario's quantile), overall and per client region: the
//     relative change run/baseline − 1. Its interval is
//     exp(ln(q̂ᵣ/q̂_b) ± 1.96 √(SE_b² + SEᵣ²)) − 1, where each run's SE (of
//     ln q̂) is the larger of two estimates. The order-statistic one:
//     (ln U − ln L)/(2 · 1.96) from the distribution-free 95 % interval
//     [L, U] internal/slo uses for the verdicts (Price and Bonett's
//     estimate for a median's standard error, which needs no density); it
//     assumes independent requests. The bootstrap one: the standard
//     deviation of ln q̂ over 1,000 resamples of the run's one-second
//     histograms, whole seconds with replacement within strata cut at the
//     run's fault injections and heals (a resample keeps the run's share of
//     outage traffic); latencies within a second are not independent (a GC
//     pause, a busy core, a failover slow whole seconds), and resampling
//     whole seconds keeps that, so a run whose tail came from a few bad
//     seconds gets a wide interval instead of a false alarm. With few
//     seconds the bootstrap has little to resample and the order-statistic
//     estimate holds the floor. The false-alarm rate on pairs of runs of one
//     build is measured on the embedded platform by
//     BenchmarkCompareFalseAlarms in internal/runner (docs/compare.md).
//   - availability in steady state: the difference of the two success ratios
//     with Newcombe's hybrid score interval (Newcombe 1998, method 10), built
//     from the two runs' Wilson intervals that internal/slo reports: a
//     two-proportion interval that stays honest at zero failures, where the
//     Wald interval collapses to a point.
//   - RTO per fault: the difference run − baseline, whose interval is its
//     resolution: each RTO is the intended start of a request, so the true
//     recovery instant lies within one request spacing before it (the
//     spacing of the sparsest client region: run duration ÷ its requests).
//     A fault that did not recover is worse than any that did.
//   - RPO per fault: likewise, at the spacing of the faulted region's
//     acknowledged writes over the read-back window.
//   - budget burn per fault: the difference of the budget shares, at the
//     resolution of one request spacing of full failure.
//
// Faults are matched by name; objectives by name and scope. Objectives that
// do not decide the run in either report (INFO) are not compared.
package compare
