package cli

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/slocheck/slocheck/internal/exitcode"
	"github.com/slocheck/slocheck/internal/platform"
)

func TestShop(t *testing.T) {
	out, errOut, stop := platformRunBackground(t, []string{"shop", "--region", "westeurope", "--listen", "127.0.0.1:0", "--no-service-time"}, nil)
	urlRE := regexp.MustCompile(`listening on (http://\S+)`)
	platformEventually(t, 5*time.Second, "shop prints its URL", func() bool { return urlRE.MatchString(out.String()) })
	url := urlRE.FindStringSubmatch(out.String())[1]

	resp, body := platformTestGet(t, "POST", url+"/checkout", `{"items":[{"product_id":"p-002","quantity":1}]}`)
	if resp.StatusCode != 201 || resp.Header.Get(platform.ServedByHeader) != "westeurope" || !strings.Contains(string(body), `"region":"westeurope"`) {
		t.Fatalf("checkout: %d %q %s", resp.StatusCode, resp.Header.Get(platform.ServedByHeader), body)
	}
	if resp, _ := platformTestGet(t, "GET", url+"/health", ""); resp.StatusCode != 200 {
		t.Errorf("health: %d", resp.StatusCode)
	}
	if code := stop(); code != exitcode.OK {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	if !strings.Contains(out.String(), "shop westeurope stopped") {
		t.Errorf("output does not say it stopped:\n%s", out)
	}
}

func TestShopRejects(t *testing.T) {
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"shop"}, `"region" not set`},
		{[]string{"shop", "--region", "East US", "--listen", "127.0.0.1:0"}, `region "East US"`},
	} {
		var out, errOut bytes.Buffer
		if code := Run(context.Background(), tc.args, IO{Out: &out, Err: &errOut}); code != exitcode.Usage || !strings.Contains(errOut.String(), tc.says) {
			t.Errorf("%v: exit %d, stderr %q; want %d saying %q", tc.args, code, errOut.String(), exitcode.Usage, tc.says)
		}
	}
}
