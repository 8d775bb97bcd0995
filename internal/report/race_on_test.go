//go:build race

package report

// raceEnabled: under the race detector the allocation counts are not the
// product's (sync.Pool drops what it is given at random), so the tests that
// bound them skip; `make test-stats` runs them without it.
const raceEnabled = true
