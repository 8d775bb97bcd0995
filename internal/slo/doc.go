// Package slo holds the definitions of DESIGN.md §2 as pure functions: no I/O
// and no clock. Measurements come in (a results.Run), objectives with
// confidence intervals and verdicts come out (a Report, the report.json model
// of DESIGN.md §8). Evaluate is the entry point; the pieces below are exported
// so that each formula can be checked on its own.
//
// # Confidence: two-sided 95 %, one-sided 97.5 %
//
// Every interval below is a two-sided 95 % interval. A verdict is judged on
// one side of it (PASS when the whole interval lies on the right side of the
// target, FAIL when it lies wholly on the wrong side), so each verdict is a
// one-sided test at 97.5 %: a PASS is wrong at most 2.5 % of the time, and
// so is a FAIL.
//
// # Success
//
// A request succeeds when it was answered with a success status (2xx or 3xx,
// or the statuses its step declares: results.ErrNone) within the timeout.
// A 4xx is a failure of its own kind, a client error: a target that answers
// 404 to everything is broken, not available. Dropped requests fail.
//
// # Availability: Wilson score interval
//
// Availability is successes/n with the two-sided 95 % Wilson score interval
// (Wilson, "Probable inference, the law of succession, and statistical
// inference", JASA 22, 1927; method 3 of Newcombe, "Two-sided confidence
// intervals for the single proportion", Statistics in Medicine 17, 1998;
// recommended over the Wald interval by Brown, Cai & DasGupta, "Interval
// estimation for a binomial proportion", Statistical Science 16, 2001). With
// p̂ = successes/n and z = Φ⁻¹(0.975) = 1.959964:
//
//	(p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n)
//
// It stays inside [0, 1] and is honest at p̂ = 1, where the Wald interval
// collapses to a point. "availability >= A" is PASS when the lower bound is
// >= A, FAIL when the upper bound is < A (each a one-sided test at 97.5 %),
// else INCONCLUSIVE. Because the interval inverts the score test, the target
// lies outside it exactly when n >= z²·A(1−A)/(p̂−A)², which RequestsToDecide
// solves: with no failure PASS needs n >= z²·A/(1−A), 38,411 requests at
// 99.99 % (MinRequestsToPass).
//
// # Latency quantiles: order-statistic confidence interval
//
// A quantile q_p (p99: p = 0.99) is taken over the successful requests and
// estimated from the HDR latency histogram (microseconds, 3 significant
// digits) by nearest rank, X_(⌈np⌉). Its two-sided 95 % interval is
// distribution-free: [X_(l), X_(u)] covers q_p with probability
// P(l <= B <= u−1), B ~ Binomial(n, p) (Conover, Practical Nonparametric
// Statistics, 3rd ed., 1999, §3.2; Hahn & Meeker, Statistical Intervals,
// 1991, §5.2). See Ranks for how l and u are chosen. An upper bound for p99
// needs n >= 299 successful requests (0.99²⁹⁹ <= 0.05); below that the
// objective can FAIL (a lower bound exists) but not PASS. "p99 < T" is PASS
// when the upper bound is < T, FAIL when the lower bound is >= T (one-sided
// tests at 97.5 %). Bounds are widened to the edges of their histogram
// buckets, so the histogram's 0.1 % precision never makes the interval
// claim more than the data shows.
//
// # Latency over all requests
//
// Beside the quantile over successes, "latency-within" is the share of all
// requests (failures and drops included) answered successfully within the
// latency target, with the availability's Wilson interval and the quantile
// (0.99) as its target: so a timeout, which drops a slow answer out of p99,
// can only lower it. It is counted from the interval histograms (CountWithin
// errs low by a bucket's width at the target). Overall it is INFO unless
// results.Targets.LatencyWithinDecides; per client region it is INFO.
//
// # Generator health
//
// Latency counts from the intended start, so a generator that sent late
// adds its own lateness to every latency it measured, and with the embedded
// platform in the same process a starved machine also fires its simulated
// delays late (results.Health). Two bounds of the rig's own part:
//
//   - the run's lateness L (GeneratorLateness): the worst interval's send
//     lag p99 plus the platform's timer overshoot, applied to every request
//     of the run (so generous everywhere but in that interval);
//   - an interval's request lateness (requestLateness): its send lag p99
//     plus PlatformWaits (3) times its timer overshoot, applied to that
//     interval's requests only: a request through the embedded platform
//     passes three timed waits (the WAN delay to the origin, the service
//     time, the WAN delay back), each of which may fire that late. On a
//     2-core machine at 100 % CPU an interval's p99 rose over the quiet
//     25 ms by up to about 3 times its send lag p99 + overshoot.
//
// A latency FAIL (a quantile overall or per client region, or latency-within
// when it decides) stays FAIL only when it would fail even had every request
// been early by L, and even had each been early by its interval's request
// lateness: for a quantile, lower bound − L >= target, and fewer than
// Ranks.Low successful requests lie within target + their interval's request
// lateness (the lower bound would still be at or over the target); for
// latency-within, the share within target + L, and the share so counted,
// still fail. Otherwise it is INCONCLUSIVE, with the reason "the generator
// was late by up to X ms: its own lag, not the target's" (X is L, or the
// worst request lateness when only that bound explains the FAIL). A slow
// target where the generator was on time still FAILs. A PASS stays PASS
// (lateness only adds latency). A note names the worst interval when L
// exceeded LateShareNote (10 %) of the latency target, or when the machine's
// CPU was more than BusyCPUNote (90 %) busy in some interval.
//
// The machine's state is an input of the verdict, never a source of a false
// FAIL. A starved generator (or in-process platform) also causes failures of
// its own: requests sent so late that they time out or answer after the
// timeout, arrivals it could not send at all. An interval is generator-late
// when its lateness (send lag p99 + timer overshoot) is at least
// LateShareTimeout (10 %) of the request timeout, 200 ms for the 2 s default
// (a request that late has lost a tenth of its time; on a busy 2-core
// machine failures began past about 400 ms), or when it dropped
// requests while the machine's CPU was at least BusyCPUDrops (90 %) busy.
// The p99 of the send lag, not its maximum, so that one stalled send does
// not excuse a whole interval. An availability (steady state; the whole
// run's INFO row says it as its detail), a fault's RTO or its budget that
// FAILs is judged again without the timeouts, too-slow answers and drops of
// the generator-late intervals in its span (steady state; the fault's window
// [injection, heal + recovery)): for availability they leave both failures
// and n, for RTO the failure records, for budget the failed counts. If it no
// longer FAILs it is INCONCLUSIVE, with the reason "N of M failures were
// timeouts, too-slow answers or drops in intervals where the generator was
// late by up to X ms (machine CPU Y % busy): its own lag, not the target's";
// the figures stay as measured. 5xx, refused, reset, 4xx and other failures
// always count, so a failing target on a late generator still FAILs, and on
// an on-time generator nothing changes. A note names how many intervals were
// generator-late and the worst.
//
// # Steady state
//
// Steady state is the run minus every fault window [injected − timeout,
// healed + recovery) (to the run's end for a fault never healed): a request
// intended up to a timeout before an injection can still fail because of it.
// Its availability counts the intervals lying wholly inside it (SteadySpans,
// which the scenario planner uses too, so that planned and evaluated steady
// state agree).
//
// # RTO, RPO and error budget
//
// RTO (ComputeRTO, which states the rule in full) runs from the injection to
// the intended start of the first stretch of the stability window in which
// every request succeeds: when a new request first succeeds again, stably.
// Failures are placed at their intended start, so a blackhole's client
// timeout does not add to it; the end of the last failure (the outage as the
// slowest user saw it) is reported beside it as FaultSummary.LastFailure.
// Silence counts as failure only where requests were due (traffic of one
// request per interval or more); a scope with no failure has RTO 0; a
// stretch is cut at heal + recovery and at the run's end, and judged on the
// requests that were due in it. RPO is in ComputeRPO. A fault's error-budget
// burn is the failure ratio integrated over its window, Σ failed/requests ×
// interval length (BudgetBurn), as a share of the 30-day budget (1 − A) ×
// 30 d, 259.2 s at 99.99 % (Google, The Site Reliability Workbook, 2018,
// ch. 2 "Implementing SLOs" and its error budget policy).
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
// # Scopes and reasons
//
// Only client regions and steps that carried requests are scopes: a k6
// script's own labels do not leave the reference shop's regions and steps as
// empty INCONCLUSIVE rows. Every FAIL and INCONCLUSIVE objective carries a
// one-line Reason; INFO rows judge nothing and carry none.
//
// # Verdict and exit code
//
// Objectives that decide (DESIGN.md §2): the quantile overall and per client
// region, steady-state availability, RTO, RPO and budget per fault (with the
// worst RTO and RPO repeated as "overall"), each k6 threshold (scope
// "threshold:<expr>", PASS or FAIL as k6 judged it), and latency-within
// overall when the targets ask. The quantile per step, latency-within per
// client region and the whole run's availability are INFO. The run is FAIL
// when any deciding objective fails or a heal failed, else INCONCLUSIVE when
// any is inconclusive, else PASS. Report.ExitCode is the process's real
// code (DESIGN.md §6): 130 when the trailer says "interrupted"; else 3 when
// the rig failed (the trailer's reason starts with "error:", a heal failed
// or an injection failed); else 99 for FAIL, 98 for INCONCLUSIVE with
// Options.InconclusiveFails, 0 otherwise.
package slo
