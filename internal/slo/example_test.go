package slo_test

import (
	"fmt"

	"github.com/slocheck/slocheck/internal/slo"
)

// A clean steady state of 24,000 requests cannot yet show 99.99 %: the
// Wilson lower bound is below the target, and 14,411 more clean requests
// would lift it there.
func ExampleEvaluateAvailability() {
	a := slo.EvaluateAvailability(24_000, 24_000, 0.9999)
	fmt.Printf("%s [%.5f, %.5f], %d more requests would decide\n", a.Verdict, a.Bounds.Low, a.Bounds.High, a.RequestsToDecide)
	fmt.Println("a clean run needs", slo.MinRequestsToPass(0.9999), "requests")
	// Output:
	// INCONCLUSIVE [0.99984, 1.00000], 14411 more requests would decide
	// a clean run needs 38411 requests
}

// p99 of 1,000 requests lies, with at least 95 % confidence, between the
// 983rd and the 997th smallest latency.
func ExampleQuantileRanks() {
	r := slo.QuantileRanks(1000, 0.99, 0.95)
	fmt.Printf("X_(%d) .. X_(%d), coverage %.4f\n", r.Low, r.High, r.Coverage)
	r = slo.QuantileRanks(298, 0.99, 0.95)
	fmt.Printf("n = 298: upper rank %d (none)\n", r.High)
	// Output:
	// X_(983) .. X_(997), coverage 0.9761
	// n = 298: upper rank 0 (none)
}
