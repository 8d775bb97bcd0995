//go:build race

package runner

// raceEnabled: this binary runs under the race detector, which makes this
// process's reads (the RPO read-back) about five times as costly.
const raceEnabled = true
