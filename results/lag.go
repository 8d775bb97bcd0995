package results

import "time"

// kindLag is the record kind of a Lag (JSON). Older readers skip it, as they
// skip every kind they do not know.
const kindLag byte = 14

// Lag is one sample of the replication-lag probe: a marker document whose
// write in region From began at Written and returned at Acked, seen in region To Lag later (when
// the read that found it returned). The true lag lies in
// [Lag − Resolution, Lag]: the read before, which did not find it, began
// after the write returned; Resolution is about one probe poll when the
// probe kept pace, wider when its machine made it late. Lost is a marker
// never seen in To before the probe stopped, after every fault had healed
// and settled: a lost write of the probe itself.
type Lag struct {
	Written    time.Time `json:"written"`
	Acked      time.Time `json:"acked"` // when the write returned: the region accepted it in [Written, Acked]
	From       string    `json:"from"`
	To         string    `json:"to"`
	Lag        Duration  `json:"lag"`                  // 0 when lost
	Resolution Duration  `json:"resolution,omitempty"` // the true lag is in [Lag − Resolution, Lag]
	Lost       bool      `json:"lost,omitempty"`
	Generator  string    `json:"generator,omitempty"` // which conductor, when several merge
}

// RecordLag writes one lag sample to the stream at once.
func (r *Recorder) RecordLag(l Lag) { r.jsonNow(kindLag, &l) }
