// Module harrecord records internal/har/testdata/chromium.har: a loopback shop
// page loaded and used in headless Chromium, its traffic written as HAR 1.2
// from the DevTools protocol's network events. It is separate from the main
// module so that slocheck's go.mod never gains chromedp.
module github.com/slocheck/slocheck/tools/harrecord

go 1.26

require (
	github.com/chromedp/cdproto v0.159.0
	github.com/chromedp/chromedp v0.23.0
)

require github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
