package driver

import (
	"bufio"
	"bytes"
	"errors"
	"strconv"

	"github.com/valyala/fasthttp"

	"github.com/slocheck/slocheck/results"
)

// This file holds the HTTP/1.1 wire work of the event-loop transport
// (evloop_linux.go): a step's request is serialised once per region when the
// run starts if it is the same for every journey, else rendered per request
// into the connection's buffer (appendRequest); answers are framed and
// parsed by fasthttp from the bytes a connection has read so far.

// Bounds on an answer the driver will buffer.
const (
	maxHeaderBytes = 64 << 10
	maxAnswerBytes = 8 << 20
)

// errMalformed is an answer that is not HTTP/1.1 (or is larger than the
// driver buffers); it counts as results.ErrOther.
var errMalformed = errors.New("malformed HTTP answer")

// appendRequest appends cs's request for st in region rg to dst, as
// HTTP/1.1 bytes: request line, Host, User-Agent, the step's headers, the
// journey's cookies, and for a body its Content-Type (application/json
// unless the step sets one) and Content-Length. scratch is a buffer the
// body is rendered into first (for its length); both are returned for
// reuse, so rendering allocates nothing once they have grown. A kind other
// than results.ErrNone means the request could not be rendered.
func appendRequest(dst, scratch []byte, st *jstate, rg *region, cs *cstep) ([]byte, []byte, results.ErrorKind) {
	var kind results.ErrorKind
	scratch, kind = cs.body.render(scratch[:0], st, rg, escRaw)
	if kind != results.ErrNone {
		return dst, scratch, kind
	}
	dst = append(dst, cs.method...)
	dst = append(dst, ' ')
	dst = append(dst, rg.basePath...)
	if dst, kind = cs.path.render(dst, st, rg, escURL); kind != results.ErrNone {
		return dst, scratch, kind
	}
	dst = append(dst, " HTTP/1.1\r\nHost: "...)
	dst = append(dst, rg.host...)
	dst = append(dst, "\r\nUser-Agent: slocheck\r\n"...)
	for i := range cs.headers {
		h := &cs.headers[i]
		dst = append(dst, h.name...)
		dst = append(dst, ": "...)
		if dst, kind = h.val.render(dst, st, rg, escHeader); kind != results.ErrNone {
			return dst, scratch, kind
		}
		dst = append(dst, "\r\n"...)
	}
	if st.sendsCookies() {
		dst = append(dst, "Cookie: "...)
		dst = append(st.appendCookies(dst), "\r\n"...)
	}
	if cs.hasBody && !cs.ctype {
		dst = append(dst, "Content-Type: application/json\r\n"...)
	}
	if cs.hasBody || !bytes.Equal(cs.method, []byte("GET")) && !bytes.Equal(cs.method, []byte("HEAD")) {
		dst = append(dst, "Content-Length: "...)
		dst = strconv.AppendInt(dst, int64(len(scratch)), 10)
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, "\r\n"...)
	return append(dst, scratch...), scratch, results.ErrNone
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
