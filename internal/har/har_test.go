package har

import (
	"bytes"
	"errors"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/slocheck/slocheck/internal/driver"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// entry is a HAR entry with what a table row cares about.
func entry(method, url, mime string, at time.Duration, headers ...string) Entry {
	e := Entry{
		StartedDateTime: time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC).Add(at).Format(time.RFC3339Nano),
		Request:         Request{Method: method, URL: url},
		Response:        Response{Status: 200, Content: Content{MimeType: mime}},
	}
	for i := 0; i+1 < len(headers); i += 2 {
		e.Request.Headers = append(e.Request.Headers, Pair{headers[i], headers[i+1]})
	}
	return e
}

func convert(t *testing.T, es ...Entry) *Scenario {
	t.Helper()
	s, err := Convert(&Log{Version: "1.2", Entries: es}, "t")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func stepURLs(s *Scenario) []string {
	var us []string
	for _, st := range s.Steps {
		us = append(us, st.Method+" "+st.URL)
	}
	return us
}

func TestConvertDropsStaticAndNonHTTP(t *testing.T) {
	const o = "https://shop.example"
	for _, tc := range []struct {
		name string
		e    Entry
		why  string // "" kept
	}{
		{"html page", entry("GET", o+"/", "text/html", 0), keep},
		{"json api", entry("GET", o+"/api/items", "application/json", 0), keep},
		{"no mime", entry("POST", o+"/api/ping", "", 0), keep},
		{"png by mime", entry("GET", o+"/img/a", "image/png", 0), dropStatic},
		{"css by mime", entry("GET", o+"/s", "text/css; charset=utf-8", 0), dropStatic},
		{"js by mime", entry("GET", o+"/s", "application/javascript", 0), dropStatic},
		{"font by mime", entry("GET", o+"/f", "font/woff2", 0), dropStatic},
		{"video by mime", entry("GET", o+"/v", "video/mp4", 0), dropStatic},
		{"js by extension", entry("GET", o+"/app.js?v=2", "text/plain", 0), dropStatic},
		{"svg by extension", entry("GET", o+"/LOGO.SVG", "", 0), dropStatic},
		{"woff2 by extension", entry("GET", o+"/f/inter.woff2", "application/octet-stream", 0), dropStatic},
		{"favicon 404", entry("GET", o+"/favicon.ico", "text/html", 0), dropStatic},
		{"favicon png", entry("GET", o+"/favicon-32x32.png", "", 0), dropStatic},
		{"data url", entry("GET", "data:text/plain,hi", "text/plain", 0), dropScheme},
		{"websocket", entry("GET", "wss://shop.example/live", "", 0), dropScheme},
		{"extension", entry("GET", "chrome-extension://abc/x.html", "text/html", 0), dropScheme},
		{"blob", entry("GET", "blob:https://shop.example/1234", "", 0), dropScheme},
		{"unparsable", entry("GET", "http://[::1", "", 0), dropScheme},
		{"preflight", entry("OPTIONS", o+"/api/cart", "", 0, "Access-Control-Request-Method", "POST"), dropCORS},
		{"plain options", entry("OPTIONS", o+"/api/cart", "", 0), keep},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Convert(&Log{Entries: []Entry{entry("GET", o+"/api/first", "application/json", 0), tc.e}}, "t")
			if err != nil {
				t.Fatal(err)
			}
			kept := len(s.Steps) == 2
			if kept != (tc.why == keep) || (tc.why != keep && s.Dropped[tc.why] != 1) {
				t.Errorf("steps %v, dropped %v; want reason %q", stepURLs(s), s.Dropped, tc.why)
			}
		})
	}
}

func TestConvertURLsAndTarget(t *testing.T) {
	s := convert(t,
		entry("GET", "https://Shop.Example:8443/", "text/html", 0),
		entry("GET", "https://shop.example:8443/api/search?q=red+shoes&page=2#top", "application/json", time.Second),
		entry("POST", "https://api.other.example/v1/cart", "application/json", 2*time.Second),
		entry("get", "http://shop.example:8443/api/x", "application/json", 3*time.Second), // another scheme: another origin
	)
	if s.Target != "https://shop.example:8443" {
		t.Errorf("target %q", s.Target)
	}
	want := []string{"GET /", "GET /api/search?q=red+shoes&page=2", "POST https://api.other.example/v1/cart", "GET http://shop.example:8443/api/x"}
	if got := stepURLs(s); !slices.Equal(got, want) {
		t.Errorf("steps %q, want %q", got, want)
	}
}

func TestConvertHeadersAndBody(t *testing.T) {
	e := entry("POST", "https://shop.example/api/cart", "application/json", 0,
		":authority", "shop.example", ":path", "/api/cart", // HTTP/2 pseudo-headers
		"content-type", "application/json", "Accept", "application/json",
		"X-Client-Version", "1.4", "x-requested-with", "XMLHttpRequest",
		"Cookie", "sid=FAKE-COOKIE", "Authorization", "Bearer FAKE-BEARER",
		"X-Api-Key", "FAKE-KEY", "X-CSRF-Token", "FAKE-CSRF",
		"User-Agent", "HeadlessChrome", "Referer", "https://shop.example/", "Origin", "https://shop.example",
		"Accept-Encoding", "gzip", "Content-Length", "9", "Host", "shop.example")
	e.Request.PostData = &PostData{MimeType: "application/json", Text: `{"sku":1}`}
	st := convert(t, e).Steps[0]
	wantH := map[string]string{"Content-Type": "application/json", "Accept": "application/json", "X-Client-Version": "1.4", "X-Requested-With": "XMLHttpRequest"}
	if len(st.Headers) != len(wantH) {
		t.Errorf("headers %v, want %v", st.Headers, wantH)
	}
	for k, v := range wantH {
		if st.Headers[k] != v {
			t.Errorf("header %s = %q, want %q", k, st.Headers[k], v)
		}
	}
	if want := []string{"Authorization", "X-Api-Key", "X-Csrf-Token"}; !slices.Equal(st.Withheld, want) || !st.Cookie {
		t.Errorf("withheld %v cookie %v, want %v and a cookie", st.Withheld, st.Cookie, want)
	}
	if st.Body != `{"sku":1}` {
		t.Errorf("body %q", st.Body)
	}
	y, err := convert(t, e).YAML("x.har")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(y, []byte("FAKE-")) {
		t.Errorf("a cookie or credential value reached the scenario:\n%s", y)
	}
}

func TestConvertFormBody(t *testing.T) {
	e := entry("POST", "https://shop.example/checkout", "text/html", 0)
	e.Request.PostData = &PostData{MimeType: "application/x-www-form-urlencoded", Params: []Pair{{"cart", "c 9"}, {"pay", "card&co"}}}
	st := convert(t, e).Steps[0]
	if st.Body != "cart=c+9&pay=card%26co" || st.Headers["Content-Type"] != "application/x-www-form-urlencoded" {
		t.Errorf("body %q, content type %q", st.Body, st.Headers["Content-Type"])
	}
}

func TestConvertStepNames(t *testing.T) {
	s := convert(t,
		entry("GET", "https://shop.example/", "text/html", 0),
		entry("GET", "https://shop.example/api/cart", "", 0),
		entry("GET", "https://shop.example/api/cart?again=1", "", 0),
		entry("POST", "https://shop.example/api/cart", "", 0),
		entry("GET", "https://shop.example/%E2%9C%93/Ünïcode__path/"+strings.Repeat("x", 60), "", 0),
	)
	var names []string
	for _, st := range s.Steps {
		names = append(names, st.Name)
	}
	want := []string{"get-root", "get-api-cart", "get-api-cart-2", "post-api-cart", "get-n-code__path-xxxxxxxxxxxxxxxxxxxxxxx"}
	if !slices.Equal(names, want) {
		t.Errorf("names %q, want %q", names, want)
	}
}

func TestConvertThinkTime(t *testing.T) {
	at := func(ds ...time.Duration) []Entry {
		var es []Entry
		for _, d := range ds {
			es = append(es, entry("GET", "https://shop.example/api", "", d))
		}
		return es
	}
	for _, tc := range []struct {
		name string
		es   []Entry
		want time.Duration
	}{
		{"one request", at(0), 0},
		{"odd count: the middle gap", at(0, 1240*time.Millisecond, 4*time.Second, 20*time.Minute), 2800 * time.Millisecond},
		{"even count: the mean of the middle two", at(0, time.Second, 3*time.Second, 6*time.Second, 10*time.Second, 15*time.Second), 3 * time.Second},
		{"capped at the bound", at(0, 30*time.Minute, time.Hour), driver.MaxThinkTime},
		{"page burst rounds to zero", at(0, 20*time.Millisecond, 40*time.Millisecond), 0},
		{"out of order never negative", at(5*time.Second, 0), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := convert(t, tc.es...).ThinkTime; got != tc.want {
				t.Errorf("think time %s, want %s", got, tc.want)
			}
		})
	}
	// An unreadable timestamp loses only its own gaps.
	es := at(0, time.Second, 3*time.Second)
	es[1].StartedDateTime = "yesterday"
	if s := convert(t, es...); len(s.Gaps) != 1 || s.Gaps[0] != 3*time.Second {
		t.Errorf("gaps %v, want [3s]", s.Gaps)
	}
}

func TestConvertBounds(t *testing.T) {
	var es []Entry
	for i := range driver.MaxSteps + 3 {
		es = append(es, entry("GET", "https://shop.example/api/"+strings.Repeat("a", i%5+1), "", time.Duration(i)*time.Second))
	}
	s := convert(t, es...)
	if len(s.Steps) != driver.MaxSteps || s.Truncated != 3 {
		t.Errorf("%d steps, %d truncated; want %d and 3", len(s.Steps), s.Truncated, driver.MaxSteps)
	}
	if _, err := Convert(&Log{Entries: []Entry{entry("GET", "https://shop.example/a.png", "", 0)}}, "t"); !errors.Is(err, ErrNoRequests) {
		t.Errorf("only an image: %v, want ErrNoRequests", err)
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"minimal", `{"log":{"entries":[]}}`, true},
		{"unknown fields", `{"log":{"version":"1.2","_exporter":{"x":1},"entries":[{"_priority":"High","request":{"method":"GET","url":"http://a/","_x":[1]},"response":{"status":200,"content":{"mimeType":"text/html","_y":true}}}]},"_z":null}`, true},
		{"not json", "GET / HTTP/1.1\r\n", false},
		{"json array", `[{"log":{}}]`, false},
		{"no log", `{"entries":[]}`, false},
		{"no entries", `{"log":{"version":"1.2"}}`, false},
		{"entries not a list", `{"log":{"entries":{}}}`, false},
		{"scenario yaml", "name: x\nload: {rate: 1}\n", false},
		{"empty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.in))
			if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrNotHAR)) {
				t.Errorf("Parse: %v, want ok=%v (or ErrNotHAR)", err, tc.ok)
			}
		})
	}
}

// TestRecordings converts the committed recordings and compares each
// scenario with its golden file (go test ./internal/har -run TestRecordings
// -update rewrites them): chromium.har, recorded from a loopback shop page in
// headless Chromium through the DevTools protocol (tools/harrecord), and
// shop.har, written as Chrome's network panel exports (HTTP/2 pseudo-headers,
// a third-party origin, a preflight, a websocket, data: and extension URLs).
func TestRecordings(t *testing.T) {
	for _, tc := range []struct {
		file, target string
		steps        []string
		think        time.Duration // the median of the gaps between kept requests
		dropped      map[string]int
		secrets      []string
	}{
		{
			file: "chromium.har", target: "http://127.0.0.1:44295",
			steps: []string{"GET /", "GET /api/products?category=shoes&page=1", "POST /api/login", "POST /api/cart/items", "GET /api/cart", "POST /api/checkout"},
			// gaps 1.055 s, 712 ms, 626 ms, 521 ms, 826 ms
			think: 700 * time.Millisecond, dropped: map[string]int{dropStatic: 5},
			secrets: []string{"FAKE-session", "FAKE-jwt"},
		},
		{
			file: "shop.har", target: "http://127.0.0.1:8080",
			steps: []string{"GET /", "GET /api/products?category=shoes&page=1", "POST /api/login", "POST /api/cart/items",
				"POST https://events.shop-analytics.example/v1/collect", "GET /api/cart", "POST /checkout"},
			think: 2500 * time.Millisecond, dropped: map[string]int{dropStatic: 7, dropScheme: 3, dropCORS: 1},
			secrets: []string{"s3cr3t-session", "eyJhbGciOiJIUzI1NiJ9", "c5rf-70k3n"},
		},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			for _, secret := range tc.secrets { // the test means something only if the recording has them
				if !bytes.Contains(data, []byte(secret)) {
					t.Fatalf("%s does not hold %q", tc.file, secret)
				}
			}
			l, err := Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			s, err := Convert(l, strings.TrimSuffix(tc.file, ".har"))
			if err != nil {
				t.Fatal(err)
			}
			if got := stepURLs(s); !slices.Equal(got, tc.steps) {
				t.Errorf("steps %q\nwant %q", got, tc.steps)
			}
			if s.Target != tc.target || s.ThinkTime != tc.think || !maps.Equal(s.Dropped, tc.dropped) {
				t.Errorf("target %q think time %s dropped %v; want %q %s %v", s.Target, s.ThinkTime, s.Dropped, tc.target, tc.think, tc.dropped)
			}
			y, err := s.YAML(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			for _, secret := range tc.secrets {
				if bytes.Contains(y, []byte(secret)) {
					t.Errorf("the scenario holds the recording's secret %q", secret)
				}
			}
			golden := filepath.Join("testdata", strings.TrimSuffix(tc.file, ".har")+".golden.yaml")
			if *update {
				if err := os.WriteFile(golden, y, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			g, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(y, g) {
				t.Errorf("scenario differs from %s (rerun with -update to accept):\n%s", golden, y)
			}
		})
	}
}

// TestYAMLRoundTrip reads the written scenario back as YAML and checks what
// the steps schema will decode: every step's fields, the journey's order.
func TestYAMLRoundTrip(t *testing.T) {
	e := entry("POST", "https://shop.example/api/a", "application/json", 0, "Content-Type", "application/json", "X-Flag", "true")
	e.Request.PostData = &PostData{Text: "{\"a\": \"it's\"}\nnull"}
	s := convert(t, entry("GET", "https://shop.example/", "text/html", 0), e)
	y, err := s.YAML("x.har")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Name   string
		Target struct{ URL string }
		Load   struct {
			Rate     int
			Duration string
			Steps    []struct {
				Name, Method, URL, Body string
				Headers                 map[string]string
			}
			Journeys []struct {
				Name      string
				Weight    float64
				ThinkTime string `yaml:"think_time"`
				Steps     []string
			}
		}
	}
	if err := yaml.Unmarshal(y, &doc); err != nil {
		t.Fatalf("%v\n%s", err, y)
	}
	st := doc.Load.Steps[1]
	if st.Body != "{\"a\": \"it's\"}\nnull" || st.Headers["X-Flag"] != "true" || st.URL != "/api/a" || st.Method != "POST" {
		t.Errorf("step read back as %+v", st)
	}
	j := doc.Load.Journeys[0]
	if doc.Target.URL != "https://shop.example" || doc.Load.Rate != StartRate || j.Weight != 1 || !slices.Equal(j.Steps, []string{"get-root", "post-api-a"}) {
		t.Errorf("read back as %+v", doc)
	}
}

// FuzzParseConvert: no input makes Parse or Convert panic, and a converted
// scenario always writes as YAML.
func FuzzParseConvert(f *testing.F) {
	if data, err := os.ReadFile("testdata/shop.har"); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"log":{"entries":[{"request":{"method":"GET","url":"http://a/b?c#d"}}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Parse(data)
		if err != nil {
			return
		}
		s, err := Convert(l, "fuzz")
		if err != nil {
			return
		}
		y, err := s.YAML("fuzz.har")
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := yaml.Unmarshal(y, &v); err != nil {
			t.Fatalf("written scenario is not YAML: %v", err)
		}
	})
}

// The pre-run check of an imported scenario is the first GET on the
// recording's origin that answered 2xx: a team's shop need not serve the
// default /health, and the check wants a 2xx.
func TestConvertCheckURL(t *testing.T) {
	for _, tc := range []struct {
		steps []Step
		want  string
	}{
		{[]Step{{Method: "POST", URL: "/login", Status: 200}, {Method: "GET", URL: "/cart", Status: 302}, {Method: "GET", URL: "/items?page=1", Status: 200}}, "/items?page=1"},
		{[]Step{{Method: "GET", URL: "https://cdn.example/x", Status: 200}, {Method: "GET", URL: "/", Status: 200}}, "/"},
		{[]Step{{Method: "GET", URL: "/missing", Status: 404}, {Method: "POST", URL: "/checkout", Status: 201}}, ""},
	} {
		if got := checkURL(tc.steps); got != tc.want {
			t.Errorf("checkURL(%+v) = %q, want %q", tc.steps, got, tc.want)
		}
	}
}
