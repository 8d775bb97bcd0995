// Package slo holds the definitions of DESIGN.md §2 as pure functions: no I/O
// and no clock. Measurements come in (a results.Run), objectives with
// confidence intervals and verdicts come out (a Report, the report.json model
// of DESIGN.md §8). Evaluate is the entry point; the pieces below are exported
// so that each formula can be checked on its own.
//
// # Availability: Wilson score interval
//
// Availability is successes/n with the 95 % Wilson score interval (Wilson,
// "Probable inference, the law of succession, and statistical inference",
// JASA 22, 1927; method 3 of Newcombe, "Two-sided confidence intervals for
// the single proportion", Statistics in Medicine 17, 1998; recommended over
// the Wald interval by Brown, Cai & DasGupta, "Interval estimation for a
// binomial proportion", Statistical Science 16, 2001). With p̂ = successes/n
// and z = Φ⁻¹(0.975) = 1.959964:
//
//	(p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n)
//
// It stays inside [0, 1] and is honest at p̂ = 1, where the Wald interval
// collapses to a point. "availability >= A" is PASS when the lower bound is
// >= A, FAIL when the upper bound is < A, else INCONCLUSIVE. Because the
// interval inverts the score test, the target lies outside it exactly when
// n >= z²·A(1−A)/(p̂−A)², which RequestsToDecide solves: with no failure
// PASS needs n >= z²·A/(1−A), 38,411 requests at 99.99 % (MinRequestsToPass).
//
// # Latency quantiles: order-statistic confidence interval
//
// A quantile q_p (p99: p = 0.99) is estimated from the HDR latency histogram
// (microseconds, 3 significant digits) by nearest rank, X_(⌈np⌉). Its 95 %
// interval is distribution-free: [X_(l), X_(u)] covers q_p with probability
// P(l <= B <= u−1), B ~ Binomial(n, p) (Conover, Practical Nonparametric
// Statistics, 3rd ed., 1999, §3.2; Hahn & Meeker, Statistical Intervals,
// 1991, §5.2). See Ranks for how l and u are chosen. An upper bound for p99
// needs n >= 299 successful requests (0.99²⁹⁹ <= 0.05); below that the
// objective can FAIL (a lower bound exists) but not PASS. "p99 < T" is PASS
// when the upper bound is < T, FAIL when the lower bound is >= T. Bounds are
// widened to the edges of their histogram buckets, so the histogram's 0.1 %
// precision never makes the interval claim more than the data shows.
//
// # Steady state, RTO, RPO and error budget
//
// Steady state is the run minus every fault window [injected, healed +
// recovery) (to the run's end for a fault never healed); its availability is
// counted over the intervals lying wholly inside it. RTO is in ComputeRTO
// (with how "before the heal" is read), RPO in ComputeRPO. A fault's
// error-budget burn is the failure ratio integrated over its window,
// Σ failed/requests × interval length (BudgetBurn), as a share of the 30-day
// budget (1 − A) × 30 d, 259.2 s at 99.99 % (Google, The Site Reliability
// Workbook, 2018, ch. 2 "Implementing SLOs" and its error budget policy).
//
// # RPO: acknowledged writes read back
//
// The candidates of a fault are the writes its region (Fault.Target)
// acknowledged from Targets.ReadbackLookback before the injection until the
// heal (the run's end when never healed), writes acknowledged during the fault
// included. The runner reads them back from a surviving region while the
// fault lasts (phase after-fault, counted only when answered before the heal)
// and, once the heal has settled, re-reads those absent (phase after-heal).
// Each candidate is kept (the first read found it), late (absent, then found
// after the heal), lost (absent, and not found after the heal) or unread (no
// first read, or absent and never re-read: its fate is unknown). A candidate
// acknowledged too close to the heal to be read before it is settled by the
// after-heal read alone. RPO = max |injection − ack| over the lost writes, at
// least 1 ms for each (a write acknowledged during the fault and lost is data
// loss too); 0 when none was lost (ComputeRPO). The objective is FAIL when the
// lost writes alone reach the target, else INCONCLUSIVE when any candidate is
// unread ("N of M acknowledged writes not read back"), never a silent PASS;
// INCONCLUSIVE too when journeys sent requests to the header's write steps and
// no write at all was acknowledged; INFO when nothing was written.
//
// # Verdict
//
// Objectives that decide (DESIGN.md §2): the quantile overall and per client
// region, steady-state availability, and RTO, RPO and budget per fault (with
// the worst RTO and RPO repeated as "overall"). The quantile per step and the
// whole run's availability are INFO. The run is FAIL when any deciding
// objective fails or a heal failed, else INCONCLUSIVE when any is
// inconclusive, else PASS; exit codes 99, 0 (98 with
// Options.InconclusiveFails), 0.
package slo
