//go:build race

package slo

// raceEnabled: under the race detector the heap is not the product's (its
// shadow memory and sync.Pool's random drops), so the tests that bound it
// skip; `make test-stats` runs them without it.
const raceEnabled = true
