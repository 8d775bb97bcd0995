// Package cosmossdk is the companion's side of package cosmos: it holds the
// azcosmos container clients, one per region pinned by preferred regions,
// and serves cosmos's line-delimited JSON protocol (`slocheck-cloud
// cosmos`). Only slocheck-cloud links it.
package cosmossdk

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/slocheck/slocheck/internal/cosmos"
)

// Account holds the container clients of one account, by region.
type Account struct {
	data   map[string]*azcosmos.ContainerClient
	probes map[string]*azcosmos.ContainerClient // the lag probe's container, by region
}

// Open makes the clients for regions; it sends nothing. cfg was validated
// by slocheck.
func Open(cfg cosmos.Config, regions []string) (*Account, error) {
	if len(regions) == 0 {
		return nil, errors.New("cosmos db: no region")
	}
	tr, err := transport(cfg)
	if err != nil {
		return nil, err
	}
	a := &Account{data: map[string]*azcosmos.ContainerClient{}, probes: map[string]*azcosmos.ContainerClient{}}
	probe := cmp.Or(cfg.ProbeContainer, cfg.Container)
	var cred azcore.TokenCredential
	if cfg.Key == "" {
		if cred, err = azidentity.NewDefaultAzureCredential(nil); err != nil {
			return nil, fmt.Errorf("cosmos db: azure credential: %w", err)
		}
	}
	for _, r := range regions {
		c, err := newClient(cfg, cred, tr, r)
		if err != nil {
			return nil, err
		}
		if a.data[r], err = c.NewContainer(cfg.Database, cfg.Container); err != nil {
			return nil, fmt.Errorf("cosmos db: container %s/%s: %w", cfg.Database, cfg.Container, err)
		}
		if a.probes[r], err = c.NewContainer(cfg.Database, probe); err != nil {
			return nil, fmt.Errorf("cosmos db: container %s/%s: %w", cfg.Database, probe, err)
		}
	}
	return a, nil
}

func newClient(cfg cosmos.Config, cred azcore.TokenCredential, tr policy.Transporter, region string) (*azcosmos.Client, error) {
	o := &azcosmos.ClientOptions{PreferredRegions: []string{cfg.Location(region)}}
	o.Transport = tr
	o.Retry = policy.RetryOptions{MaxRetries: 1, TryTimeout: 5 * time.Second}
	if cfg.Key != "" {
		k, err := azcosmos.NewKeyCredential(cfg.Key)
		if err != nil {
			return nil, errors.New("cosmos db: the account key is malformed") // its value is a secret: not in the error
		}
		return azcosmos.NewClientWithKey(cfg.Endpoint, k, o)
	}
	c, err := azcosmos.NewClient(cfg.Endpoint, cred, o)
	if err != nil {
		return nil, fmt.Errorf("cosmos db: client for %s: %w", region, err)
	}
	return c, nil
}

// transport is a client trusting cfg.CAFile, or nil (the SDK's default).
func transport(cfg cosmos.Config) (policy.Transporter, error) {
	if cfg.CAFile == "" {
		return nil, nil
	}
	pemBytes, err := os.ReadFile(cfg.CAFile)
	if err != nil {
		return nil, fmt.Errorf("cosmos db: certificate file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pemBytes) {
		return nil, fmt.Errorf("cosmos db: certificate file %s holds no PEM certificate", cfg.CAFile)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	tr.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: tr}, nil
}

// Do runs one request, bounded by its timeout.
func (a *Account) Do(ctx context.Context, r cosmos.Request) cosmos.Answer {
	ans := cosmos.Answer{ID: r.ID}
	clients := a.data
	if r.Probe {
		clients = a.probes
	}
	c, ok := clients[r.Region]
	if !ok {
		ans.Error = fmt.Sprintf("no client for region %q", r.Region)
		return ans
	}
	if r.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.Timeout)
		defer cancel()
	}
	var err error
	switch r.Op {
	case cosmos.OpRead:
		var resp azcosmos.ItemResponse
		resp, err = c.ReadItem(ctx, azcosmos.NewPartitionKeyString(r.DocID), r.DocID, nil)
		if notFound(err) {
			return ans
		}
		ans.Found, ans.Doc = err == nil, resp.Value
	case cosmos.OpCreate:
		_, err = c.CreateItem(ctx, azcosmos.NewPartitionKeyString(r.DocID), r.Doc, nil)
	case cosmos.OpCheck:
		_, err = c.Read(ctx, nil)
	default:
		err = fmt.Errorf("unknown operation %q", r.Op)
	}
	if err != nil {
		ans.Error = err.Error()
	}
	return ans
}

// notFound reports whether err is Cosmos DB's 404.
func notFound(err error) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusNotFound
}
