package cosmos

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"
)

// Config says which container to reach and how.
type Config struct {
	Endpoint  string // https://ACCOUNT.documents.azure.com:443/
	Database  string
	Container string
	// ProbeContainer is where the lag probe writes its markers; empty means
	// Container (the Terraform makes one of its own, lag-probe, the only
	// one slocheck's identity may write to).
	ProbeContainer string
	// PartitionKeyPath is the container's partition key path, one top-level
	// field ("/id" by default). Every document this package writes carries
	// its own id there, so a point read needs only the id.
	PartitionKeyPath string
	// Locations maps a region's short name (eastus) to its Cosmos DB
	// location name (East US), the names preferred regions take; a region
	// absent from it is passed as it is.
	Locations map[string]string
	// Key is an account key, for an emulator only; empty means azidentity's
	// default chain. A secret: never printed.
	Key string
	// CAFile is a PEM file of certificates to trust besides the system's
	// (an emulator's self-signed one).
	CAFile string
	// Transport, when not nil, sends the requests (tests).
	Transport policy.Transporter
	// Credential, when not nil, replaces the default chain (tests).
	Credential azcore.TokenCredential
}

// DefaultPartitionKeyPath is the partition key path the Terraform creates.
const DefaultPartitionKeyPath = "/id"

// The name patterns are compiled on first use: the counted repetition
// ({0,254}) compiles into a program of about 240 KB, which every process
// would otherwise build at start-up, most never validating a Cosmos DB name.
var (
	pkPattern   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^/[A-Za-z_][A-Za-z0-9_]*$`) })
	namePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$`) })
)

// Validate checks c's fields and returns every problem.
func (c *Config) Validate() []error {
	var errs []error
	if u, err := url.Parse(c.Endpoint); err != nil || u.Scheme != "https" || u.Host == "" {
		errs = append(errs, fmt.Errorf("endpoint %q: want the account's https:// URL", c.Endpoint))
	}
	if !namePattern().MatchString(c.Database) {
		errs = append(errs, fmt.Errorf("database %q: want a database name", c.Database))
	}
	if !namePattern().MatchString(c.Container) {
		errs = append(errs, fmt.Errorf("container %q: want a container name", c.Container))
	}
	if c.ProbeContainer != "" && !namePattern().MatchString(c.ProbeContainer) {
		errs = append(errs, fmt.Errorf("probe container %q: want a container name", c.ProbeContainer))
	}
	if c.PartitionKeyPath != "" && !pkPattern().MatchString(c.PartitionKeyPath) {
		errs = append(errs, fmt.Errorf("partition key path %q: want one top-level field such as /id", c.PartitionKeyPath))
	}
	return errs
}

// pkField is the document field the partition key path names.
func (c *Config) pkField() string {
	if c.PartitionKeyPath == "" {
		return "id"
	}
	return strings.TrimPrefix(c.PartitionKeyPath, "/")
}

// location is region's Cosmos DB location name.
func (c *Config) location(region string) string {
	if l, ok := c.Locations[region]; ok {
		return l
	}
	return region
}

// Account holds one container client per region, each pinned to its region
// by preferred regions (the region first; the SDK fails over to the
// account's other regions only when it is unavailable).
type Account struct {
	cfg     Config
	clients map[string]*azcosmos.ContainerClient
	probes  map[string]*azcosmos.ContainerClient // the lag probe's container, by region
	regions []string
}

// Open makes the clients for regions; it sends nothing.
func Open(cfg Config, regions []string) (*Account, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("cosmos db: %w", errors.Join(errs...))
	}
	if len(regions) == 0 {
		return nil, errors.New("cosmos db: no region")
	}
	tr, err := transport(cfg)
	if err != nil {
		return nil, err
	}
	a := &Account{cfg: cfg, clients: map[string]*azcosmos.ContainerClient{}, probes: map[string]*azcosmos.ContainerClient{}, regions: regions}
	probe := cmp.Or(cfg.ProbeContainer, cfg.Container)
	var cred azcore.TokenCredential = cfg.Credential
	if cfg.Key == "" && cred == nil {
		if cred, err = azidentity.NewDefaultAzureCredential(nil); err != nil {
			return nil, fmt.Errorf("cosmos db: azure credential: %w", err)
		}
	}
	for _, r := range regions {
		c, err := newClient(cfg, cred, tr, r)
		if err != nil {
			return nil, err
		}
		if a.clients[r], err = c.NewContainer(cfg.Database, cfg.Container); err != nil {
			return nil, fmt.Errorf("cosmos db: container %s/%s: %w", cfg.Database, cfg.Container, err)
		}
		if a.probes[r], err = c.NewContainer(cfg.Database, probe); err != nil {
			return nil, fmt.Errorf("cosmos db: container %s/%s: %w", cfg.Database, probe, err)
		}
	}
	return a, nil
}

func newClient(cfg Config, cred azcore.TokenCredential, tr policy.Transporter, region string) (*azcosmos.Client, error) {
	o := &azcosmos.ClientOptions{PreferredRegions: []string{cfg.location(region)}}
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

// transport is cfg.Transport, or a client trusting cfg.CAFile, or nil (the
// SDK's default).
func transport(cfg Config) (policy.Transporter, error) {
	if cfg.Transport != nil || cfg.CAFile == "" {
		return cfg.Transport, nil
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

// Regions are the regions Open was given, in its order.
func (a *Account) Regions() []string { return a.regions }

// client is region's container client.
func (a *Account) client(region string) (*azcosmos.ContainerClient, error) {
	c, ok := a.clients[region]
	if !ok {
		return nil, fmt.Errorf("cosmos db: no client for region %q", region)
	}
	return c, nil
}

// pk is the partition key of the document id (see Config.PartitionKeyPath).
func pk(id string) azcosmos.PartitionKey { return azcosmos.NewPartitionKeyString(id) }

// notFound reports whether err is Cosmos DB's 404.
func notFound(err error) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusNotFound
}

// readItem reads document id from region: found, or absent (404), or an
// error. timeout bounds the request.
func (a *Account) readItem(ctx context.Context, region, id string, timeout time.Duration) ([]byte, bool, error) {
	c, err := a.client(region)
	if err != nil {
		return nil, false, err
	}
	return readFrom(ctx, c, region, id, timeout)
}

// readFrom reads document id through c (region's).
func readFrom(ctx context.Context, c *azcosmos.ContainerClient, region, id string, timeout time.Duration) ([]byte, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := c.ReadItem(ctx, pk(id), id, nil)
	switch {
	case notFound(err):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("cosmos db: read %s from %s: %w", id, region, err)
	}
	return resp.Value, true, nil
}
