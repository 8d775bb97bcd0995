package har

import (
	"net/http"
	"net/url"
	"path"
	"strings"
)

// Why an entry is dropped; the empty reason keeps it.
const (
	keep       = ""
	dropStatic = "static" // an image, stylesheet, font, script, media file or favicon
	dropScheme = "scheme" // not an http(s) request: data:, ws:, blob:, an extension's own
	dropCORS   = "cors"   // a CORS preflight the browser sent on its own
)

// staticMIME are the response types of static assets, by prefix.
var staticMIME = []string{
	"image/", "font/", "audio/", "video/", "text/css",
	"text/javascript", "application/javascript", "application/x-javascript", "application/ecmascript",
	"application/font-", "application/x-font-", "application/vnd.ms-fontobject",
}

// staticExt are the URL path extensions of static assets.
var staticExt = map[string]bool{
	".png": true, ".jpg": true, ".jpeg": true, ".gif": true, ".webp": true, ".avif": true,
	".svg": true, ".ico": true, ".bmp": true, ".css": true, ".js": true, ".mjs": true, ".map": true,
	".woff": true, ".woff2": true, ".ttf": true, ".otf": true, ".eot": true,
	".mp4": true, ".webm": true, ".mp3": true, ".ogg": true, ".wav": true, ".m4a": true, ".m3u8": true,
}

// staticType are Chrome's resource types of static assets.
var staticType = map[string]bool{"image": true, "stylesheet": true, "script": true, "font": true, "media": true}

// classify says why e is dropped, or keep. u is its parsed URL.
func classify(e *Entry, u *url.URL) string {
	if u == nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return dropScheme
	}
	if e.ResourceType == "preflight" ||
		(strings.EqualFold(e.Request.Method, http.MethodOptions) && header(e.Request.Headers, "Access-Control-Request-Method") != "") {
		return dropCORS
	}
	mime := strings.ToLower(strings.TrimSpace(e.Response.Content.MimeType))
	for _, p := range staticMIME {
		if strings.HasPrefix(mime, p) {
			return dropStatic
		}
	}
	base := strings.ToLower(path.Base(u.Path))
	if staticExt[path.Ext(base)] || strings.HasPrefix(base, "favicon") || staticType[e.ResourceType] {
		return dropStatic
	}
	return keep
}

// header is the value of the first header named name (any case), or "".
func header(hs []Pair, name string) string {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}
