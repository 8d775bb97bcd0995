package report_test

import (
	"fmt"
	"os"
	"time"

	"github.com/slocheck/slocheck/internal/report"
	"github.com/slocheck/slocheck/internal/slo"
)

func ExampleTable() {
	p99, lo, hi := 0.0932, 0.0911, 0.0960
	r := &slo.Report{
		Scenario: "release-gate", Engine: "go", Target: "https://shop.example", DurationS: 300,
		Started:  time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC),
		Requests: 300000, Successes: 300000, Complete: true,
		Objectives: []slo.Objective{{Name: "p99", Scope: "overall", Target: 0.150, Unit: "s",
			Value: &p99, CILow: &lo, CIHigh: &hi, N: 300000, Verdict: slo.Pass}},
		Verdict: slo.Pass,
	}
	if err := report.Table(os.Stdout, r); err != nil {
		fmt.Println(err)
	}
	// Output:
	// release-gate · engine go · target https://shop.example · started 2026-11-24 10:00:00.000 UTC · 300.0 s · 300000 requests, 0 failures (0 %), 0 dropped
	// ┌─────────────┬─────────┬───────────────────┬────────────┬─────────┬───────────┐
	// │ objective   │ value   │ 95 % interval     │ target     │ verdict │ to decide │
	// ├─────────────┼─────────┼───────────────────┼────────────┼─────────┼───────────┤
	// │ p99 overall │ 93.2 ms │ 91.1 ms – 96.0 ms │ < 150.0 ms │ PASS    │           │
	// └─────────────┴─────────┴───────────────────┴────────────┴─────────┴───────────┘
	// verdicts: one-sided tests at 97.5 % on the 95 % two-sided intervals
	// verdict: PASS (exit 0)
}

func ExampleWriteAll() {
	dir, err := os.MkdirTemp("", "slocheck-run")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	r := &slo.Report{Scenario: "default-failover", Verdict: slo.Pass, Complete: true}
	paths, err := report.WriteAll(dir, r, report.DefaultFormats)
	if err != nil {
		fmt.Println(err)
	}
	fmt.Println(len(paths), "files")
	// Output: 6 files
}
