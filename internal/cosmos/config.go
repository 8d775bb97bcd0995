package cosmos

import (
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"
	"sync"
)

// Config says which container to reach and how. Its JSON form is what
// slocheck-cloud cosmos gets on stdin (the key included, never printed).
type Config struct {
	Endpoint  string `json:"endpoint"` // https://ACCOUNT.documents.azure.com:443/
	Database  string `json:"database"`
	Container string `json:"container"`
	// ProbeContainer is where the lag probe writes its markers; empty means
	// Container (the Terraform makes one of its own, lag-probe, the only
	// one slocheck's identity may write to).
	ProbeContainer string `json:"probe_container,omitempty"`
	// PartitionKeyPath is the container's partition key path, one top-level
	// field ("/id" by default). Every document this package writes carries
	// its own id there, so a point read needs only the id.
	PartitionKeyPath string `json:"partition_key_path,omitempty"`
	// Locations maps a region's short name (eastus) to its Cosmos DB
	// location name (East US), the names preferred regions take; a region
	// absent from it is passed as it is.
	Locations map[string]string `json:"locations,omitempty"`
	// Key is an account key, for an emulator only; empty means azidentity's
	// default chain. A secret: never printed.
	Key string `json:"key,omitempty"`
	// CAFile is a PEM file of certificates to trust besides the system's
	// (an emulator's self-signed one).
	CAFile string `json:"ca_file,omitempty"`

	// Companion is the slocheck-cloud that holds the clients (found with
	// companion.Locate); Stderr takes its messages (nil: discarded).
	Companion string    `json:"-"`
	Stderr    io.Writer `json:"-"`
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

// Location is region's Cosmos DB location name.
func (c *Config) Location(region string) string {
	if l, ok := c.Locations[region]; ok {
		return l
	}
	return region
}
