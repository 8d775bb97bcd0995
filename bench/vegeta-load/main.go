// Command vegeta-load drives vegeta's attack library (github.com/tsenart/vegeta/v12)
// at a fixed rate against one URL and counts the results in memory: the same
// work bench/slocheck-load does with slocheck's driver, so the two
// generators' CPU and memory can be compared side by side.
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/slocheck/slocheck/bench/internal/loadstat"
)

func main() {
	target := flag.String("target", "", "base URL (loopback)")
	rate := flag.Int("rate", 1000, "requests per second")
	duration := flag.Duration("duration", 10*time.Second, "how long to send")
	timeout := flag.Duration("timeout", 2*time.Second, "per-request timeout")
	flag.Parse()
	if *target == "" {
		fmt.Fprintln(os.Stderr, "vegeta-load: -target is required")
		os.Exit(2)
	}
	tr := vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: *target + "/catalog"})
	atk := vegeta.NewAttacker(vegeta.Timeout(*timeout), vegeta.KeepAlive(true))
	var n, errs uint64
	var first, last time.Time
	kinds := map[string]int{} // error messages, for the log
	for res := range atk.Attack(tr, vegeta.ConstantPacer{Freq: *rate, Per: time.Second}, *duration, "bench") {
		if n == 0 {
			first = res.Timestamp
		}
		if res.Timestamp.After(last) {
			last = res.Timestamp
		}
		n++
		if res.Error != "" || res.Code != http.StatusOK {
			errs++
			if len(kinds) < 20 {
				kinds[res.Error]++
			}
		}
	}
	if errs > 0 {
		fmt.Fprintf(os.Stderr, "vegeta-load: errors %v\n", kinds)
	}
	if err := loadstat.Print(os.Stdout, "vegeta", n, errs, first, last, ""); err != nil {
		fmt.Fprintln(os.Stderr, "vegeta-load:", err)
		os.Exit(1)
	}
}
