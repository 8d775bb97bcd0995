package results

import "time"

// kindLag is the record kind of a Lag (JSON). Older readers skip it, as they
// skip every kind they do not know.
const kindLag byte = 14

// Lag is one sample of the replication-lag probe: a marker document written
// in region From, acknowledged at Written, and first seen in region To Lag
// later (the start of the first read that found it: the true lag is at most
// that, and more than the start of the read before, one probe poll
// earlier). Lost is a marker never seen in To before the probe stopped,
// after every fault had healed and settled: a lost write of the probe
// itself.
type Lag struct {
	Written   time.Time `json:"written"`
	From      string    `json:"from"`
	To        string    `json:"to"`
	Lag       Duration  `json:"lag"` // 0 when lost
	Lost      bool      `json:"lost,omitempty"`
	Generator string    `json:"generator,omitempty"` // which conductor, when several merge
}

// RecordLag writes one lag sample to the stream at once.
func (r *Recorder) RecordLag(l Lag) { r.jsonNow(kindLag, &l) }
