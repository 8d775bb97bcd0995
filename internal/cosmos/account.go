package cosmos

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/slocheck/slocheck/internal/companion"
)

// Account is a Cosmos DB account reached through slocheck-cloud cosmos,
// which holds one azcosmos container client per region, each pinned to its
// region by preferred regions (the region first; the SDK fails over to the
// account's other regions only when it is unavailable).
type Account struct {
	cfg     Config
	regions []string
	conn    *conn
}

// Open starts the companion and has it make the clients for regions; it
// sends nothing to Cosmos DB. Close ends the companion.
func Open(cfg Config, regions []string) (*Account, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("cosmos db: %w", errors.Join(errs...))
	}
	if len(regions) == 0 {
		return nil, errors.New("cosmos db: no region")
	}
	if cfg.Companion == "" {
		path, err := companion.Locate("Cosmos DB access", os.Getenv)
		if err != nil {
			return nil, err
		}
		cfg.Companion = path
	}
	c, err := dial(cfg, regions)
	if err != nil {
		return nil, fmt.Errorf("cosmos db: %w", err)
	}
	return &Account{cfg: cfg, regions: slices.Clone(regions), conn: c}, nil
}

// Regions are the regions Open was given, in its order.
func (a *Account) Regions() []string { return a.regions }

// Close ends the companion: it finishes what it was asked, then exits; it
// is killed when it does not within a few seconds. Calls after Close fail.
func (a *Account) Close() error { return a.conn.close() }

// Done is closed once the companion has exited: after Close, or when it
// died (then Err says why).
func (a *Account) Done() <-chan struct{} { return a.conn.exited }

// Err is why the companion stopped serving before Close (it crashed or was
// killed): the run reports it. Nil while it serves, and after Close.
func (a *Account) Err() error { return a.conn.crashed() }

// hasRegion fails for a region Open was not given.
func (a *Account) hasRegion(region string) error {
	if !slices.Contains(a.regions, region) {
		return fmt.Errorf("cosmos db: no client for region %q", region)
	}
	return nil
}

// readItem reads document id from region (from the probe container when
// probe): found, or absent (404), or an error. timeout bounds the request.
func (a *Account) readItem(ctx context.Context, region, id string, probe bool, timeout time.Duration) ([]byte, bool, error) {
	if err := a.hasRegion(region); err != nil {
		return nil, false, err
	}
	ans, err := a.conn.call(ctx, Request{Op: OpRead, Region: region, Probe: probe, DocID: id, Timeout: timeout})
	if err != nil {
		return nil, false, fmt.Errorf("cosmos db: read %s from %s: %w", id, region, err)
	}
	return ans.Doc, ans.Found, nil
}

// createItem creates doc (document id) through region's client.
func (a *Account) createItem(ctx context.Context, region, id string, doc []byte, probe bool, timeout time.Duration) error {
	if err := a.hasRegion(region); err != nil {
		return err
	}
	_, err := a.conn.call(ctx, Request{Op: OpCreate, Region: region, Probe: probe, DocID: id, Doc: doc, Timeout: timeout})
	return err
}

// check reads the data container's properties through region's client.
func (a *Account) check(ctx context.Context, region string, timeout time.Duration) error {
	if err := a.hasRegion(region); err != nil {
		return err
	}
	_, err := a.conn.call(ctx, Request{Op: OpCheck, Region: region, Timeout: timeout})
	return err
}
