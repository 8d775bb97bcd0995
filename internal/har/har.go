// Package har turns a browser's HAR 1.2 recording (the "Save all as HAR"
// of Chrome's, Firefox's or Safari's network panel) into a slocheck scenario:
// one step per request the page made to an HTTP server, one journey that
// sends them in the recorded order with the recording's think time, and the
// target the recording used. Static assets, non-HTTP and data: URLs are
// dropped; cookie and authorization values are never copied.
//
// It is pure: HAR in, a scenario document out, no I/O and no clock.
package har

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ErrNotHAR says the input is not a HAR file: not JSON, or JSON without a
// log holding entries.
var ErrNotHAR = errors.New("not a HAR file")

// Log is the part of a HAR 1.2 log the conversion reads. HAR is lenient and
// browsers add their own fields (_initiator, _resourceType, ...): every field
// not named here is ignored.
type Log struct {
	Version string  `json:"version"`
	Creator Creator `json:"creator"`
	Entries []Entry `json:"entries"`
}

// Creator is the application that wrote the HAR.
type Creator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Entry is one request and its response.
type Entry struct {
	// StartedDateTime is when the request started, as ISO 8601 text; an
	// unreadable one only loses that entry's think time.
	StartedDateTime string   `json:"startedDateTime"`
	Request         Request  `json:"request"`
	Response        Response `json:"response"`
	// ResourceType is Chrome's own classification (document, script,
	// stylesheet, image, font, media, fetch, xhr, preflight, ...).
	ResourceType string `json:"_resourceType"`
}

// Request is the request an entry sent.
type Request struct {
	Method   string    `json:"method"`
	URL      string    `json:"url"`
	Headers  []Pair    `json:"headers"`
	PostData *PostData `json:"postData"`
}

// PostData is a request's body: text, or the params of a form.
type PostData struct {
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
	Params   []Pair `json:"params"`
}

// Response is the part of an entry's response the conversion reads.
type Response struct {
	Status  int     `json:"status"`
	Content Content `json:"content"`
}

// Content describes the response body.
type Content struct {
	MimeType string `json:"mimeType"`
}

// Pair is a HAR name/value pair (a header, a form parameter).
type Pair struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Parse reads a HAR document. Anything but a JSON object whose log has an
// entries array is ErrNotHAR.
func Parse(data []byte) (*Log, error) {
	var doc struct {
		Log *struct {
			Log
			Entries *[]Entry `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotHAR, err)
	}
	if doc.Log == nil || doc.Log.Entries == nil {
		return nil, fmt.Errorf("%w: no log.entries", ErrNotHAR)
	}
	l := doc.Log.Log
	l.Entries = *doc.Log.Entries
	return &l, nil
}

// started is when the entry started, and whether its time was readable.
func (e *Entry) started() (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, e.StartedDateTime)
	return t, err == nil
}
