package driver

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"

	"github.com/valyala/fasthttp"
)

// This file holds the HTTP/1.1 wire work of the event-loop transport
// (evloop_linux.go): requests are serialised once, by fasthttp, when the run
// starts (a step's request never changes), and answers are framed and parsed
// by fasthttp from the bytes a connection has read so far.

// Bounds on an answer the driver will buffer.
const (
	maxHeaderBytes = 64 << 10
	maxAnswerBytes = 8 << 20
)

// errMalformed is an answer that is not HTTP/1.1 (or is larger than the
// driver buffers); it counts as results.ErrOther.
var errMalformed = errors.New("malformed HTTP answer")

// wireRequest returns the bytes of one request, as fasthttp's client would
// send them: method, URI, Host, User-Agent, and for a POST its JSON body.
func wireRequest(uri string, post bool, body []byte) ([]byte, error) {
	var req fasthttp.Request
	req.SetRequestURI(uri)
	req.Header.SetUserAgent("slocheck")
	if post {
		req.Header.SetMethod(fasthttp.MethodPost)
		req.Header.SetContentType("application/json")
		req.SetBodyRaw(body)
	}
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	if err := req.Write(w); err != nil {
		return nil, fmt.Errorf("request %s: %w", uri, err)
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// answerParser frames and parses answers; one per event loop, reused.
type answerParser struct {
	rd   bytes.Reader
	br   *bufio.Reader
	hdr  fasthttp.ResponseHeader
	resp fasthttp.Response
}

func newAnswerParser() *answerParser {
	return &answerParser{br: bufio.NewReaderSize(nil, maxHeaderBytes)}
}

// parse looks at the bytes b read so far on a connection; eof says the peer
// has closed its side. It returns the parsed response once b holds a whole
// answer, nil while more bytes are needed, or errMalformed. After a whole
// answer, extra reports bytes of b past it (which the connection must not
// be reused after: the driver never pipelines).
//
// Framing (RFC 9112 §6.3): interim 1xx answers are skipped; a 204 or 304 is
// whole at the end of its header; a Content-Length answer once its length
// is in; a chunked one once fasthttp reads it through its last chunk and
// the CRLF that closes the trailer section is in; an answer with neither
// runs to the close.
func (p *answerParser) parse(b []byte, eof bool) (*fasthttp.Response, error) {
	// Skip interim (1xx) answers: the final one follows them.
	var start, end int
	for {
		i := bytes.Index(b[start:], []byte("\r\n\r\n"))
		if i < 0 {
			if len(b)-start > maxHeaderBytes || (eof && len(b) > start) {
				return nil, errMalformed
			}
			return nil, nil
		}
		end = start + i + 4
		p.reset(b[start:end])
		p.hdr.Reset()
		if err := p.hdr.Read(p.br); err != nil {
			return nil, errMalformed
		}
		if s := p.hdr.StatusCode(); s < 100 || s >= 200 {
			break
		}
		start = end
	}
	b = b[start:]
	end -= start
	whole := false
	switch n := p.hdr.ContentLength(); {
	case p.hdr.StatusCode() == fasthttp.StatusNoContent || p.hdr.StatusCode() == fasthttp.StatusNotModified:
		whole = true // never a body (RFC 9112 §6.3, rule 1)
	case n >= 0:
		whole = len(b) >= end+n
	case n == -1: // chunked: fasthttp's reading decides, below
		whole = true
	default: // identity: to the close
		whole = eof
	}
	if !whole {
		if len(b) > maxAnswerBytes {
			return nil, errMalformed
		}
		return nil, nil
	}
	p.reset(b)
	p.resp.Reset()
	chunked := p.hdr.ContentLength() == -1
	if err := p.resp.ReadLimitBody(p.br, maxAnswerBytes); err != nil {
		if chunked && !eof && len(b) <= maxAnswerBytes {
			return nil, nil // not through the last chunk yet
		}
		return nil, errMalformed
	}
	if chunked && !eof && !bytes.HasSuffix(b, []byte("\r\n\r\n")) {
		// Through the last chunk, not yet the CRLF that ends the trailers.
		// (A server that sends bytes after a chunked answer keeps it
		// waiting until its deadline: the driver never pipelines, so such
		// bytes are a broken server's.)
		return nil, nil
	}
	return &p.resp, nil
}

// extra is the number of bytes past the last answer parse returned.
func (p *answerParser) extra() int { return p.br.Buffered() + p.rd.Len() }

func (p *answerParser) reset(b []byte) {
	p.rd.Reset(b)
	p.br.Reset(&p.rd)
}
