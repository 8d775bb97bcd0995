package main

import (
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
)

// The page's script: a shopper's journey with pauses, through the shop's
// own API (a login that sets a session cookie and returns a token, a cart
// call with the token, a checkout). It sets the title to "done" at the end.
const appJS = `const sleep = ms => new Promise(r => setTimeout(r, ms));
(async () => {
  await sleep(300);
  await fetch('/api/products?category=shoes&page=1', {headers: {'Accept': 'application/json', 'X-Client-Version': '1.4.2'}});
  await sleep(700);
  const login = await fetch('/api/login', {method: 'POST', headers: {'Content-Type': 'application/json', 'Accept': 'application/json'}, body: JSON.stringify({user: 'ada'})});
  const {token} = await login.json();
  await sleep(600);
  await fetch('/api/cart/items', {method: 'POST', headers: {'Content-Type': 'application/json', 'Authorization': 'Bearer ' + token, 'X-Client-Version': '1.4.2'}, body: JSON.stringify({sku: 'sku-42', qty: 1})});
  await sleep(500);
  await fetch('/api/cart', {headers: {'Accept': 'application/json'}});
  await sleep(800);
  await fetch('/api/checkout', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{"pay":"card"}'});
  document.title = 'done';
})();
`

const indexHTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>Shop</title>
<link rel="icon" href="/favicon.ico">
<link rel="stylesheet" href="/static/app.css">
<script src="/static/app.js" defer></script>
</head><body><h1>Shop</h1>
<img src="/static/logo.png" alt="logo">
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="">
<p class="f">Shoes</p></body></html>
`

const appCSS = `@font-face { font-family: Shop; src: url(/fonts/shop.woff2) format("woff2"); }
.f { font-family: Shop, sans-serif; }
`

// onePixelPNG is a valid 1x1 PNG.
var onePixelPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")

// shop is the loopback page the browser records. Its session cookie and
// token are fakes; the recording holds them, the imported scenario must not.
func shop() http.Handler {
	var sessions atomic.Int64
	mux := http.NewServeMux()
	serve := func(pattern, contentType, body string) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", contentType)
			_, _ = io.WriteString(w, body)
		})
	}
	serve("GET /{$}", "text/html; charset=utf-8", indexHTML)
	serve("GET /static/app.js", "text/javascript", appJS)
	serve("GET /static/app.css", "text/css", appCSS)
	serve("GET /static/logo.png", "image/png", string(onePixelPNG))
	serve("GET /fonts/shop.woff2", "font/woff2", "wOF2")
	serve("GET /favicon.ico", "image/x-icon", "")
	serve("GET /api/products", "application/json", `{"products":[{"id":"sku-42"}]}`)
	serve("GET /api/cart", "application/json", `{"items":1}`)
	mux.HandleFunc("POST /api/login", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		n := sessions.Add(1)
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: fmt.Sprintf("FAKE-session-%d", n), Path: "/", HttpOnly: true})
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"token":"FAKE-jwt-%d"}`, n)
	})
	mux.HandleFunc("POST /api/cart/items", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Cart-Id", "cart-9")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"cart":"cart-9"}`)
	})
	mux.HandleFunc("POST /api/checkout", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"order":{"id":"o-123"}}`)
	})
	return mux
}
