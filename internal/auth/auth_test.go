package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeSecret is in every token and variable value the tests hand out.
const fakeSecret = "FAKE-s3cr3t"

// fakeCred is a Credential that issues tokens living life,
// or the error fail returns for a call number (1-based; nil: no error).
type fakeCred struct {
	life   time.Duration
	fail   func(n int) error
	onCall func(n int) // runs at the start of each call

	mu    sync.Mutex
	calls []fakeCall
}

type fakeCall struct {
	at      time.Time
	scopes  []string
	token   string
	expires time.Time
}

var _ Credential = (*fakeCred)(nil)

func (f *fakeCred) GetToken(_ context.Context, scope string) (AccessToken, error) {
	f.mu.Lock()
	n := len(f.calls) + 1
	f.mu.Unlock()
	if f.onCall != nil {
		f.onCall(n)
	}
	now := time.Now()
	c := fakeCall{at: now, scopes: []string{scope}, token: fmt.Sprintf("%s-%d", fakeSecret, n), expires: now.Add(f.life)}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c)
	if f.fail == nil {
		return AccessToken{Token: c.token, ExpiresOn: c.expires}, nil
	}
	if err := f.fail(n); err != nil {
		return AccessToken{}, err
	}
	return AccessToken{Token: c.token, ExpiresOn: c.expires}, nil
}

// only fails call n with err.
func only(n int, err error) func(int) error {
	return func(k int) error {
		if k == n {
			return err
		}
		return nil
	}
}

func (f *fakeCred) call(n int) (fakeCall, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n > len(f.calls) {
		return fakeCall{}, false
	}
	return f.calls[n-1], true
}

// waitCall waits for the fake's n-th call, at most within.
func waitCall(t *testing.T, f *fakeCred, n int, within time.Duration) fakeCall {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if c, ok := f.call(n); ok {
			return c
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no call %d to the credential within %s", n, within)
	return fakeCall{}
}

func TestEnvHeaders(t *testing.T) {
	env := map[string]string{"SHOP_API_KEY": fakeSecret + "-key", "GATEWAY": fakeSecret + "-gw"}
	getenv := func(k string) string { return env[k] }
	hs, err := EnvHeaders(getenv, map[string]string{"X-Api-Key": "SHOP_API_KEY", "X-Gateway": " GATEWAY "})
	if err != nil || len(hs) != 2 || hs[0].Name != "X-Api-Key" || hs[0].Value() != fakeSecret+"-key" || hs[1].Value() != fakeSecret+"-gw" ||
		!hs[0].Fixed() || !hs[1].Fixed() {
		t.Fatalf("headers %v, err %v", hs, err)
	}
	_, err = EnvHeaders(getenv, map[string]string{"X-B": "NO_B", "X-A": "NO_A", "X-Api-Key": "SHOP_API_KEY"})
	if !errors.Is(err, ErrMissingEnv) {
		t.Fatalf("err %v, want ErrMissingEnv", err)
	}
	if want := "header X-A: environment variable not set: NO_A\nheader X-B: environment variable not set: NO_B"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

func TestTokenRefreshesBeforeExpiry(t *testing.T) {
	// A 4 s life is refreshed at 2 s: the refresher may be 2 s late on a
	// busy machine before a request would carry an expired token.
	const life = 4 * time.Second
	f := &fakeCred{life: life}
	tok, err := NewToken(context.Background(), f, "api://shop/.default")
	if err != nil {
		t.Fatal(err)
	}
	defer tok.Close()
	first, _ := f.call(1)
	if tok.Value() != "Bearer "+first.token || !tok.Expires().Equal(first.expires) || len(first.scopes) != 1 || first.scopes[0] != "api://shop/.default" {
		t.Fatalf("value %q expires %s scopes %v; the credential issued %q expiring %s", tok.Value(), tok.Expires(), first.scopes, first.token, first.expires)
	}
	second := waitCall(t, f, 2, 3*life)
	// Timers never fire early: the refresh came at half-life or later, and
	// before the first token expired.
	if due := first.at.Add(life / 2); second.at.Before(due) || !second.at.Before(first.expires) {
		t.Errorf("refreshed at +%s, want in [+%s, +%s)", second.at.Sub(first.at), life/2, life)
	}
	deadline := time.Now().Add(life)
	for tok.Value() != "Bearer "+second.token && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if tok.Value() != "Bearer "+second.token || !tok.Expires().Equal(second.expires) || tok.Err() != nil {
		t.Errorf("after the refresh: value %q err %v, want the second token", tok.Value(), tok.Err())
	}
}

func TestTokenRetriesAFailedRefresh(t *testing.T) {
	const life = 2 * time.Second
	var during struct {
		value string
		err   error
	}
	f := &fakeCred{life: life, fail: only(2, errors.New("login.example: service unavailable"))}
	var current atomic.Pointer[Token]
	f.onCall = func(n int) {
		if n == 3 { // the retry: what was sent between the failure and it
			during.value, during.err = current.Load().Value(), current.Load().Err()
		}
	}
	tok, err := NewToken(context.Background(), f, "api://shop/.default")
	current.Store(tok)
	if err != nil {
		t.Fatal(err)
	}
	defer tok.Close()
	first, _ := f.call(1)
	failed := waitCall(t, f, 2, 3*life)
	retry := waitCall(t, f, 3, 3*life)
	if during.value != "Bearer "+first.token || during.err == nil || !strings.Contains(during.err.Error(), "service unavailable") {
		t.Errorf("between failure and retry: value %q err %v, want the first token and the failure", during.value, during.err)
	}
	// The retry waits half the first token's remaining life (>= MinRetry).
	if wait := retry.at.Sub(failed.at); wait < max(first.expires.Sub(failed.at)/2, MinRetry) {
		t.Errorf("retried after %s", wait)
	}
	deadline := time.Now().Add(life)
	for tok.Value() != "Bearer "+retry.token && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if tok.Value() != "Bearer "+retry.token || tok.Err() != nil {
		t.Errorf("after the retry: value %q err %v", tok.Value(), tok.Err())
	}
}

func TestNewTokenErrors(t *testing.T) {
	if _, err := NewToken(context.Background(), &fakeCred{life: time.Hour}, ""); !errors.Is(err, ErrNoScope) {
		t.Errorf("no scope: %v", err)
	}
	boom := errors.New("no credential in the chain")
	_, err := NewToken(context.Background(), &fakeCred{life: time.Hour, fail: only(1, boom)}, "api://x/.default")
	if !errors.Is(err, boom) || err.Error() != "bearer token for api://x/.default: no credential in the chain" {
		t.Errorf("failing credential: %v", err)
	}
}

func TestTokenValueDoesNotAllocate(t *testing.T) {
	tok, err := NewToken(context.Background(), &fakeCred{life: time.Hour}, "api://x/.default")
	if err != nil {
		t.Fatal(err)
	}
	defer tok.Close()
	if tok.Header().Fixed() {
		t.Error("a token's header says it is fixed: it would be serialised once and never refreshed")
	}
	value := tok.Header().Value
	if n := testing.AllocsPerRun(1000, func() { _ = value() }); n != 0 {
		t.Errorf("%v allocations per Value", n)
	}
}

// TestSecretsNeverPrinted greps the fake secret out of every string form
// and every error the package makes.
func TestSecretsNeverPrinted(t *testing.T) {
	f := &fakeCred{life: 3 * MinRetry, fail: func(n int) error {
		if n > 1 {
			return errors.New("refresh refused")
		}
		return nil
	}}
	tok, err := NewToken(context.Background(), f, "api://x/.default")
	if err != nil {
		t.Fatal(err)
	}
	defer tok.Close()
	waitCall(t, f, 2, 10*time.Second)
	for deadline := time.Now().Add(10 * time.Second); tok.Err() == nil; { // stored just after the call returns
		if time.Now().After(deadline) {
			t.Fatal("the failed refresh left no error")
		}
		time.Sleep(time.Millisecond)
	}
	if !strings.Contains(tok.Value(), fakeSecret) {
		t.Fatalf("the test's secret is not in the value %q", tok.Value())
	}
	env := func(string) string { return fakeSecret }
	key, _ := EnvHeader(env, "X-Api-Key", "SHOP_API_KEY")
	_, missing := EnvHeader(func(string) string { return "" }, "X-Api-Key", "SHOP_API_KEY")
	js, _ := json.Marshal(map[string]any{"auth": tok.Header(), "key": key, "token": tok})
	outputs := []string{
		tok.String(), tok.GoString(), tok.Err().Error(), missing.Error(), string(js),
		fmt.Sprintf("%v %+v %#v %s", tok, tok, tok, tok),
		fmt.Sprintf("%v %+v %#v %s", tok.Header(), tok.Header(), tok.Header(), tok.Header()),
		fmt.Sprintf("%v %+v %#v %s", key, key, key, []Header{key}),
	}
	for _, out := range outputs {
		if strings.Contains(out, fakeSecret) || strings.Contains(out, "Bearer") {
			t.Errorf("a secret is printed: %s", out)
		}
	}
	if !strings.Contains(outputs[0], "bearer token for api://x/.default ("+Redacted) || !strings.Contains(outputs[3], "SHOP_API_KEY") {
		t.Errorf("the descriptions lost their names: %q, %q", outputs[0], outputs[3])
	}
}

func TestRefreshAt(t *testing.T) {
	now := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	tok := func(life, refreshIn time.Duration) AccessToken {
		a := AccessToken{ExpiresOn: now.Add(life)}
		if refreshIn != 0 {
			a.RefreshOn = now.Add(refreshIn)
		}
		return a
	}
	for _, tc := range []struct {
		name string
		tok  AccessToken
		want time.Duration // after now
	}{
		{"an hour: 5 min before", tok(time.Hour, 0), 55 * time.Minute},
		{"short life: halfway", tok(4*time.Second, 0), 2 * time.Second},
		{"the credential's RefreshOn when earlier", tok(time.Hour, 30*time.Minute), 30 * time.Minute},
		{"a later RefreshOn is ignored", tok(time.Hour, 58*time.Minute), 55 * time.Minute},
		{"already due: not sooner than MinRetry", tok(time.Hour, -time.Minute), MinRetry},
		{"already expired", tok(-time.Minute, 0), MinRetry},
	} {
		if got := refreshAt(tc.tok, now).Sub(now); got != tc.want {
			t.Errorf("%s: refresh after %s, want %s", tc.name, got, tc.want)
		}
	}
	for _, tc := range []struct{ left, want time.Duration }{
		{time.Hour, MaxRetry}, {10 * time.Second, 5 * time.Second}, {time.Millisecond, MinRetry}, {-time.Hour, MinRetry},
	} {
		if got := retryAfter(now.Add(tc.left), now); got != tc.want {
			t.Errorf("retry with %s left: after %s, want %s", tc.left, got, tc.want)
		}
	}
}
