//go:build !race

package runner

// raceEnabled: this binary runs under the race detector.
const raceEnabled = false
