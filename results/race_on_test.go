//go:build race

package results

// raceEnabled: the race detector slows the histograms' loops tenfold, so
// the property tests run fewer trials under it.
const raceEnabled = true
