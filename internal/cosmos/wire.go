package cosmos

import (
	"encoding/json"
	"time"
)

// The protocol of `slocheck-cloud cosmos`, which holds the azcosmos clients
// (package cosmossdk) so that slocheck links no Azure SDK: one JSON object
// a line each way. slocheck writes an OpenRequest, the companion answers an
// Answer with ID 0 (Error set when it cannot make the clients), then serves
// Requests, each answered by the Answer of the same ID, in any order, until
// its stdin ends.
const (
	OpRead   = "read"   // read document DocID through Region's client: Found and Doc, or not found (404)
	OpCreate = "create" // create Doc (its id DocID) through Region's client
	OpCheck  = "check"  // read the container's properties through Region's client
)

// OpenRequest is the first line: the account, and the regions to make a
// client for (each pinned to its region by preferred regions).
type OpenRequest struct {
	Version string   `json:"version"` // slocheck's build; the companion refuses another
	Config  Config   `json:"config"`
	Regions []string `json:"regions"`
}

// Request is one operation.
type Request struct {
	ID     uint64 `json:"id"`
	Op     string `json:"op"`
	Region string `json:"region"`
	// Probe selects the lag probe's container (Config.ProbeContainer)
	// instead of the data container.
	Probe   bool            `json:"probe,omitempty"`
	DocID   string          `json:"doc_id,omitempty"`
	Doc     json.RawMessage `json:"doc,omitempty"`
	Timeout time.Duration   `json:"timeout"` // bounds the operation in the companion (nanoseconds on the wire)
}

// Answer is one operation's result.
type Answer struct {
	ID    uint64          `json:"id"`
	Found bool            `json:"found,omitempty"`
	Doc   json.RawMessage `json:"doc,omitempty"`
	Error string          `json:"error,omitempty"`
}
