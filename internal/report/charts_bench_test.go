package report

import "testing"

// BenchmarkCharts draws the fixture's timeline charts (requests, failures,
// p99; the lag chart when it has one), as report.html does at the end of
// every run.
func BenchmarkCharts(b *testing.B) {
	r := fixture()
	b.ReportAllocs()
	for b.Loop() {
		_ = timelineCharts(r)
	}
}
