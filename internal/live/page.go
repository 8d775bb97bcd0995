package live

import (
	"bytes"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/slocheck/slocheck/internal/report"
	"github.com/slocheck/slocheck/internal/slo"
)

// liveScript reloads the page when the server says a newer report is
// ready (server-sent events); the browser reconnects by itself.
const liveScript = `<script>(function(){var es=new EventSource("events");var seen=null;
es.addEventListener("report",function(e){if(seen!==null&&e.data!==seen){location.reload();}seen=e.data;});})();</script>
`

// page is the live page: the HTML report of the stream written so far, the
// same file as report.html, plus a script that reloads it on each update. A
// report is rendered when a browser asks for it, not at each update: a run
// nobody watches pays nothing for its page.
type page struct {
	mu   sync.Mutex
	rep  *slo.Report // the newest report; nil before the first
	seq  uint64      // rep's number
	subs map[chan uint64]bool
	done chan struct{}
	once sync.Once

	rmu     sync.Mutex // one rendering at a time
	html    []byte     // rendered from report number htmlSeq
	htmlSeq uint64
}

func newPage() *page { return &page{subs: map[chan uint64]bool{}, done: make(chan struct{})} }

// update takes a newer report and tells the open pages.
func (p *page) update(rep *slo.Report) {
	p.mu.Lock()
	p.rep, p.seq = rep, p.seq+1
	for ch := range p.subs {
		select {
		case ch <- p.seq:
		default: // the page is behind; it gets the next one
		}
	}
	p.mu.Unlock()
}

// render is the page of the newest report, rendered once per report; nil
// before the first report.
func (p *page) render() []byte {
	p.rmu.Lock()
	defer p.rmu.Unlock()
	p.mu.Lock()
	rep, seq := p.rep, p.seq
	p.mu.Unlock()
	if rep == nil || seq == p.htmlSeq {
		return p.html
	}
	var b bytes.Buffer
	if err := report.HTML(&b, rep); err != nil {
		return p.html
	}
	html := b.Bytes()
	if i := bytes.LastIndex(html, []byte("</body>")); i >= 0 {
		html = append(html[:i:i], append([]byte(liveScript), html[i:]...)...)
	}
	p.html, p.htmlSeq = html, seq
	return html
}

func (p *page) close() { p.once.Do(func() { close(p.done) }) }

func (p *page) serveHTML(w http.ResponseWriter, _ *http.Request) {
	html := p.render()
	if html == nil {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Refresh", "1")
		fmt.Fprint(w, "<!doctype html><title>slocheck</title><p>The run has just started; its first report follows in a moment.</p>")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(html)
}

// serveEvents streams an event "report" with the report's sequence number
// each time a newer one is ready.
func (p *page) serveEvents(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	ch := make(chan uint64, 1)
	p.mu.Lock()
	p.subs[ch] = true
	seq := p.seq
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.subs, ch)
		p.mu.Unlock()
	}()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	keep := time.NewTicker(15 * time.Second)
	defer keep.Stop()
	for {
		if _, err := fmt.Fprintf(w, "event: report\ndata: %d\n\n", seq); err != nil {
			return
		}
		fl.Flush()
		select {
		case seq = <-ch:
		case <-keep.C: // a comment keeps proxies from closing an idle stream
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
		case <-r.Context().Done():
			return
		case <-p.done:
			return
		}
	}
}
