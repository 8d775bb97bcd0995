package driver

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"
)

// TestAnswerParserFraming feeds the parser every prefix of whole answers:
// no proper prefix may pass for an answer (a request would end early with a
// cut body), the whole one must, and an answer without a length only at the
// close.
func TestAnswerParserFraming(t *testing.T) {
	for _, tt := range []struct {
		name, answer string
		toClose      bool // no length: whole only at the close
		status       int
		body         string
	}{
		{"content-length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Served-By: eu\r\n\r\nhello", false, 200, "hello"},
		{"empty 503", "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n", false, 503, ""},
		{"chunked", "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n", false, 201, "helloabc"},
		{"chunked with a trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n2\r\nok\r\n0\r\nX-T: 1\r\n\r\n", false, 200, "ok"},
		{"to the close", "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello", true, 200, "hello"},
		{"204 without a length", "HTTP/1.1 204 No Content\r\nX-Served-By: eu\r\n\r\n", false, 204, ""},
		{"304 without a length", "HTTP/1.1 304 Not Modified\r\nETag: x\r\n\r\n", false, 304, ""},
		{"after interim answers", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false, 200, "ok"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := newAnswerParser()
			for i := 0; i < len(tt.answer); i++ {
				resp, err := p.parse([]byte(tt.answer[:i]), false)
				if resp != nil || err != nil {
					t.Fatalf("prefix of %d/%d bytes: answer %v, error %v; want more needed", i, len(tt.answer), resp != nil, err)
				}
			}
			resp, err := p.parse([]byte(tt.answer), false)
			if tt.toClose {
				if resp != nil || err != nil {
					t.Fatalf("whole before the close: answer %v error %v; want more needed", resp != nil, err)
				}
				resp, err = p.parse([]byte(tt.answer), true)
			}
			if err != nil || resp == nil {
				t.Fatalf("whole answer: %v, %v", resp, err)
			}
			if resp.StatusCode() != tt.status || string(resp.Body()) != tt.body || p.extra() != 0 {
				t.Fatalf("status %d body %q extra %d; want %d %q 0", resp.StatusCode(), resp.Body(), p.extra(), tt.status, tt.body)
			}
			if tt.toClose || resp.Header.ContentLength() < 0 {
				return // bytes past the answer: only a length can tell them
			}
			if more, err := p.parse([]byte(tt.answer+"HTTP/1.1"), false); err != nil || more == nil || p.extra() != len("HTTP/1.1") {
				t.Fatalf("answer with bytes after it: %v, %v, extra %d", more, err, p.extra())
			}
		})
	}
	for _, bad := range []string{"garbage\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n"} {
		if _, err := newAnswerParser().parse([]byte(bad), false); err != errMalformed {
			t.Errorf("%q: error %v, want errMalformed", bad, err)
		}
	}
	if _, err := newAnswerParser().parse(bytes.Repeat([]byte("x"), maxHeaderBytes+1), false); err != errMalformed {
		t.Errorf("a header past %d bytes: error %v, want errMalformed", maxHeaderBytes, err)
	}
}

// TestWireRequest reads the reference steps' serialised requests back with
// net/http.
func TestWireRequest(t *testing.T) {
	cfg := Config{Targets: map[string]string{"us": "http://127.0.0.1:8080"}, Rate: 1, Duration: time.Second}
	r, err := newRunner(cfg.withDefaults(), discardSink{})
	if err != nil {
		t.Fatal(err)
	}
	rg := r.regions[0]
	get, post := rg.wire[stepProduct][6], rg.wire[stepCheckout][0]
	for _, tt := range []struct {
		wire               []byte
		method, path, body string
	}{
		{get, "GET", "/products/p-007", ""},
		{post, "POST", "/checkout", string(DefaultCheckoutBody)},
	} {
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(tt.wire)))
		if err != nil {
			t.Fatalf("%q: %v", tt.wire, err)
		}
		body, _ := io.ReadAll(req.Body)
		if req.Method != tt.method || req.URL.Path != tt.path || req.Host != "127.0.0.1:8080" ||
			req.UserAgent() != "slocheck" || string(body) != tt.body || req.Close {
			t.Fatalf("%q read back as %s %s host %s agent %q body %q close %v", tt.wire, req.Method, req.URL.Path,
				req.Host, req.UserAgent(), body, req.Close)
		}
		if tt.method == "POST" && req.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("POST content type %q", req.Header.Get("Content-Type"))
		}
	}
}
