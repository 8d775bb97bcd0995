package cosmossdk

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"

	"github.com/slocheck/slocheck/internal/companion"
	"github.com/slocheck/slocheck/internal/cosmos"
)

// maxRequest bounds one request line (a document is small).
const maxRequest = 8 << 20

// Serve reads an OpenRequest from in, makes the clients and answers it,
// then runs every request in its own goroutine and writes its answer, until
// in ends; then it waits for the requests in flight. version is this
// build's: an OpenRequest of another is refused (companion.ErrOtherBuild). The error is why it
// stopped early (a bad request line, a refused open).
func Serve(ctx context.Context, in io.Reader, out io.Writer, version string) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), maxRequest)
	var mu sync.Mutex
	enc := json.NewEncoder(out)
	answer := func(a cosmos.Answer) {
		mu.Lock()
		defer mu.Unlock()
		_ = enc.Encode(a)
	}
	acc, err := open(sc, version)
	if err != nil {
		answer(cosmos.Answer{ID: 0, Error: err.Error()})
		return err
	}
	answer(cosmos.Answer{ID: 0})
	var wg sync.WaitGroup
	defer wg.Wait()
	for sc.Scan() {
		var r cosmos.Request
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return fmt.Errorf("request: %w", err)
		}
		wg.Go(func() { answer(acc.Do(ctx, r)) })
	}
	return sc.Err()
}

// open reads the OpenRequest and makes the clients.
func open(sc *bufio.Scanner, version string) (*Account, error) {
	if !sc.Scan() {
		return nil, fmt.Errorf("no open request: %v", sc.Err())
	}
	var o cosmos.OpenRequest
	if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
		return nil, fmt.Errorf("open request: %w", err)
	}
	if o.Version != version {
		return nil, fmt.Errorf("%w: slocheck %s asks, this is %s %s", companion.ErrOtherBuild, o.Version, companion.Program, version)
	}
	return Open(o.Config, o.Regions)
}
