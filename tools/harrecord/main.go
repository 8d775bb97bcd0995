// Command harrecord records the loopback shop page of shop.go in headless
// Chromium through the DevTools protocol and writes its traffic as a HAR 1.2
// file, the test data of slocheck's `import har`:
//
//	cd tools/harrecord && go run . -out ../../internal/har/testdata/chromium.har
//
// It needs Debian's chromium (apt-get install -y chromium).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

func main() {
	out := flag.String("out", "chromium.har", "the HAR file to write")
	chromium := flag.String("chromium", "/usr/bin/chromium", "the browser")
	flag.Parse()
	if err := record(*chromium, *out); err != nil {
		fmt.Fprintln(os.Stderr, "harrecord:", err)
		os.Exit(1)
	}
}

func record(chromium, out string) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: shop(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	page := "http://" + ln.Addr().String() + "/"

	profile, err := os.MkdirTemp("", "harrecord-profile-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(profile)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium), chromedp.UserDataDir(profile),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true),
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	ctx, cancelTab := chromedp.NewContext(ctx)
	defer cancelTab()

	// Open the tab first, so that the listener misses none of the page's events.
	if err := chromedp.Do(ctx); err != nil {
		return fmt.Errorf("start %s: %w", chromium, err)
	}
	rec := newRecorder()
	if err := chromedp.Listen(ctx, rec.event); err != nil {
		return err
	}
	version, err := chromedp.CallBrowser(ctx, browser.GetVersion, cdp.Empty{})
	if err != nil {
		return err
	}
	err = chromedp.Do(ctx,
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, network.Enable, network.EnableParams{})
			return err
		}),
		chromedp.Navigate(page),
		chromedp.Poll[chromedp.Void](`document.title === "done"`, chromedp.WithPollingTimeout(30*time.Second)),
		chromedp.Sleep(300*time.Millisecond), // the last loadingFinished events
	)
	if err != nil {
		return fmt.Errorf("record %s: %w", page, err)
	}
	h := rec.har(page, version.Product)
	b, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(out, append(b, '\n'), 0o644)
}
