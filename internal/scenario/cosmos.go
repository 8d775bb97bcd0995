package scenario

import (
	"path/filepath"
	"time"
)

// CosmosData is a Cosmos DB container that the run reaches directly
// (target.cosmos): the RPO read-back reads each acknowledged order from the
// surviving region's own client instead of through readback_url, and the
// replication-lag probe (lag_probe) writes its markers there.
type CosmosData struct {
	Endpoint  string `yaml:"endpoint"`  // https://ACCOUNT.documents.azure.com:443/
	Database  string `yaml:"database"`  // the shop's database
	Container string `yaml:"container"` // the shop's orders container
	// ProbeContainer is where lag_probe writes its markers (default:
	// container); the Terraform makes lag-probe, the only container
	// slocheck's identity may write to.
	ProbeContainer   string `yaml:"probe_container,omitempty"`
	PartitionKeyPath string `yaml:"partition_key_path"` // one top-level field; documents carry their id there (default /id)
	// Locations maps each of target.regions to its Cosmos DB location name
	// (eastus: East US), the names preferred regions take; a region not
	// listed is passed as it is.
	Locations map[string]string `yaml:"locations,omitempty"`
	// KeyEnv names an environment variable holding an emulator's account
	// key; empty (the default and the only choice for a real account) means
	// azidentity's default credential chain. The key is never printed.
	KeyEnv string `yaml:"key_env,omitempty"`
	// CAFile is a PEM certificate to trust (an emulator's), relative to the
	// scenario file.
	CAFile      string        `yaml:"ca_file,omitempty"`
	MaxParallel int           `yaml:"max_parallel"` // concurrent reads per region
	Timeout     time.Duration `yaml:"timeout"`      // per request
}

// LagProbe measures replication lag during the run: every Interval it
// writes a small marker document in each region and polls every other
// region every Poll until the marker is visible there. On the embedded
// platform it uses the platform's stores; against a deployment it needs
// target.cosmos. Markers expire after TTL.
type LagProbe struct {
	Interval time.Duration `yaml:"interval"`
	Poll     time.Duration `yaml:"poll"`
	TTL      time.Duration `yaml:"ttl"`
}

// Bounds of target.cosmos and lag_probe.
const (
	MaxCosmosParallel = 512
	MinCosmosTimeout  = 10 * time.Millisecond
	MaxCosmosTimeout  = 30 * time.Second
	MinLagInterval    = 50 * time.Millisecond
	MaxLagInterval    = time.Minute
	MinLagPoll        = 5 * time.Millisecond
	MinLagTTL         = time.Minute
	MaxLagTTL         = 7 * 24 * time.Hour
)

var (
	_ defaulter = (*CosmosData)(nil)
	_ defaulter = (*LagProbe)(nil)
)

func (c *CosmosData) setDefaults() {
	*c = CosmosData{PartitionKeyPath: "/id", MaxParallel: 32, Timeout: 2 * time.Second}
}

func (p *LagProbe) setDefaults() {
	*p = LagProbe{Interval: 500 * time.Millisecond, Poll: 25 * time.Millisecond, TTL: time.Hour}
}

// CosmosCAPath returns target.cosmos.ca_file's path: as given when
// absolute, otherwise relative to the scenario file's directory; "" for
// none.
func (s *Scenario) CosmosCAPath() string {
	if s.Target == nil || s.Target.Cosmos == nil || s.Target.Cosmos.CAFile == "" {
		return ""
	}
	ca := s.Target.Cosmos.CAFile
	if filepath.IsAbs(ca) || s.src.builtin {
		return ca
	}
	return filepath.Join(filepath.Dir(s.src.file), ca)
}
