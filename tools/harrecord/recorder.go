package main

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/network"
)

// exchange is what the network events say of one request.
type exchange struct {
	sent       *network.EventRequestWillBeSent
	sentHdrs   network.Headers // the headers on the wire (Cookie included)
	resp       *network.EventResponseReceived
	respHdrs   network.Headers
	finishedAt float64 // monotonic seconds; 0 until loadingFinished
	size       float64
}

type recorder struct {
	mu  sync.Mutex
	ids []network.RequestID
	ex  map[network.RequestID]*exchange
}

func newRecorder() *recorder { return &recorder{ex: map[network.RequestID]*exchange{}} }

func (r *recorder) get(id network.RequestID) *exchange {
	e := r.ex[id]
	if e == nil {
		e = &exchange{}
		r.ex[id] = e
		r.ids = append(r.ids, id)
	}
	return e
}

// event takes the network events; the others are ignored.
func (r *recorder) event(ev any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		r.get(ev.RequestID).sent = ev
	case *network.EventRequestWillBeSentExtraInfo:
		r.get(ev.RequestID).sentHdrs = ev.Headers
	case *network.EventResponseReceived:
		r.get(ev.RequestID).resp = ev
	case *network.EventResponseReceivedExtraInfo:
		r.get(ev.RequestID).respHdrs = ev.Headers
	case *network.EventLoadingFinished:
		e := r.get(ev.RequestID)
		e.finishedAt, e.size = ev.Timestamp.Float64(), ev.EncodedDataLength
	}
}

// har is the recording as a HAR 1.2 document, entries in the order sent.
func (r *recorder) har(page, browserVersion string) map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	var entries []map[string]any
	var first time.Time
	for _, id := range r.ids {
		e := r.ex[id]
		if e.sent == nil {
			continue
		}
		started := time.UnixMicro(int64(math.Round(e.sent.WallTime.Float64() * 1e6))).UTC()
		if first.IsZero() || started.Before(first) {
			first = started
		}
		entries = append(entries, e.entry(started))
	}
	slices.SortStableFunc(entries, func(a, b map[string]any) int {
		return strings.Compare(a["startedDateTime"].(string), b["startedDateTime"].(string))
	})
	return map[string]any{"log": map[string]any{
		"version": "1.2",
		"creator": map[string]any{"name": "slocheck harrecord (Chrome DevTools Protocol)", "version": "1"},
		"browser": map[string]any{"name": "Chromium", "version": browserVersion},
		"pages": []any{map[string]any{
			"startedDateTime": first.Format("2006-01-02T15:04:05.000Z"), "id": "page_1", "title": page,
			"pageTimings": map[string]any{"onContentLoad": -1, "onLoad": -1},
		}},
		"entries": entries,
	}}
}

func (e *exchange) entry(started time.Time) map[string]any {
	req := e.sent.Request
	hdrs := e.sentHdrs
	if hdrs == nil {
		hdrs = req.Headers
	}
	request := map[string]any{
		"method": req.Method, "url": req.URL + req.URLFragment, "httpVersion": "HTTP/1.1",
		"headers": pairs(hdrs), "queryString": query(req.URL), "cookies": []any{},
		"headersSize": -1, "bodySize": 0,
	}
	if body := postData(req); body != "" {
		request["postData"] = map[string]any{"mimeType": header(hdrs, "Content-Type"), "text": body}
		request["bodySize"] = len(body)
	}
	response := map[string]any{
		"status": 0, "statusText": "", "httpVersion": "", "headers": []any{}, "cookies": []any{},
		"content": map[string]any{"size": 0, "mimeType": "x-unknown"}, "redirectURL": "", "headersSize": -1, "bodySize": -1,
	}
	total, wait := -1.0, -1.0
	if e.resp != nil {
		rs := e.resp.Response
		rh := e.respHdrs
		if rh == nil {
			rh = rs.Headers
		}
		response["status"], response["statusText"] = rs.Status, rs.StatusText
		response["httpVersion"] = strings.ToUpper(rs.Protocol)
		response["headers"] = pairs(rh)
		response["content"] = map[string]any{"size": int(e.size), "mimeType": rs.MimeType}
		response["_transferSize"] = int(e.size)
		wait = 1000 * (e.resp.Timestamp.Float64() - e.sent.Timestamp.Float64())
		if e.finishedAt > 0 {
			total = 1000 * (e.finishedAt - e.sent.Timestamp.Float64())
		}
	}
	return map[string]any{
		"pageref": "page_1", "startedDateTime": started.Format("2006-01-02T15:04:05.000Z"),
		"time": round3(max(total, 0)), "request": request, "response": response, "cache": map[string]any{},
		"timings":       map[string]any{"send": 0, "wait": round3(max(wait, 0)), "receive": round3(max(total-wait, 0))},
		"_resourceType": strings.ToLower(string(e.sent.Type)),
		"_initiator":    map[string]any{"type": initiator(e.sent)},
	}
}

func initiator(s *network.EventRequestWillBeSent) string {
	if s.Initiator == nil {
		return "other"
	}
	return string(s.Initiator.Type)
}

func postData(r *network.Request) string {
	var b strings.Builder
	for _, p := range r.PostDataEntries {
		b.Write(p.Bytes)
	}
	return b.String()
}

func pairs(h network.Headers) []map[string]any {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	var ps []map[string]any
	for _, k := range names {
		for _, v := range strings.Split(fmt.Sprint(h[k]), "\n") { // repeated headers are joined by newlines
			ps = append(ps, map[string]any{"name": k, "value": v})
		}
	}
	return ps
}

func header(h network.Headers, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return fmt.Sprint(v)
		}
	}
	return ""
}

func query(raw string) []map[string]any {
	u, err := url.Parse(raw)
	if err != nil || u.RawQuery == "" {
		return []map[string]any{}
	}
	var q []map[string]any
	for _, kv := range strings.Split(u.RawQuery, "&") {
		k, v, _ := strings.Cut(kv, "=")
		q = append(q, map[string]any{"name": k, "value": v})
	}
	return q
}

func round3(ms float64) float64 { return math.Round(ms*1000) / 1000 }
