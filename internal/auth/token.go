package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Refresh timing. A token is refreshed RefreshBefore its expiry, or halfway
// through its life when it lives shorter than twice that (or at the
// credential's own RefreshOn, when that is earlier). A failed refresh is
// retried after half the time the current token has left, within
// [MinRetry, MaxRetry], while the current token is still sent.
const (
	RefreshBefore = 5 * time.Minute
	MinRetry      = 100 * time.Millisecond
	MaxRetry      = 30 * time.Second
)

// ErrNoScope says a token was asked for without a scope.
var ErrNoScope = errors.New("bearer token: give a scope (e.g. api://my-shop/.default)")

// AccessToken is a token a Credential issued.
type AccessToken struct {
	Token     string
	ExpiresOn time.Time
	// RefreshOn, when not zero, is when the issuer advises a refresh.
	RefreshOn time.Time
}

// Credential issues tokens for a scope: CompanionCredential (azidentity's
// default chain, run in slocheck-cloud), or a test's.
type Credential interface {
	GetToken(ctx context.Context, scope string) (AccessToken, error)
}

// Token is a bearer token for one scope, kept fresh in the background.
// Header and Value are atomic reads, cheap enough for every request.
type Token struct {
	cred  Credential
	scope string

	header  atomic.Pointer[string] // "Bearer <token>"
	expires atomic.Int64           // the current token's expiry, Unix nanoseconds
	lastErr atomic.Pointer[error]  // the last refresh failure, nil after a success
	stop    context.CancelFunc
	done    sync.WaitGroup
}

// NewToken gets a first token for scope from cred, then refreshes it in the
// background until ctx ends or Close is called.
func NewToken(ctx context.Context, cred Credential, scope string) (*Token, error) {
	if scope == "" {
		return nil, ErrNoScope
	}
	t := &Token{cred: cred, scope: scope}
	tok, err := t.get(ctx)
	if err != nil {
		return nil, err
	}
	t.set(tok)
	ctx, t.stop = context.WithCancel(ctx)
	t.done.Add(1)
	go t.refresh(ctx, refreshAt(tok, time.Now()))
	return t, nil
}

// Value is the Authorization header's value now: "Bearer <token>".
func (t *Token) Value() string { return *t.header.Load() }

// Header is the Authorization header carrying the token.
func (t *Token) Header() Header { return Header{Name: "Authorization", Value: t.Value} }

// Expires is when the token being sent expires.
func (t *Token) Expires() time.Time { return time.Unix(0, t.expires.Load()) }

// Err is the last refresh failure, or nil once a refresh succeeded.
func (t *Token) Err() error {
	if p := t.lastErr.Load(); p != nil {
		return *p
	}
	return nil
}

// String describes the token without it.
func (t *Token) String() string {
	return fmt.Sprintf("bearer token for %s (%s, expires %s)", t.scope, Redacted, t.Expires().UTC().Format(time.RFC3339))
}

// GoString hides the token from %#v too.
func (t *Token) GoString() string { return t.String() }

// Close stops the refreshing and waits for it to end.
func (t *Token) Close() {
	t.stop()
	t.done.Wait()
}

func (t *Token) get(ctx context.Context) (AccessToken, error) {
	tok, err := t.cred.GetToken(ctx, t.scope)
	switch {
	case err != nil:
		return tok, fmt.Errorf("bearer token for %s: %w", t.scope, err)
	case tok.Token == "":
		return tok, fmt.Errorf("bearer token for %s: the credential returned an empty token", t.scope)
	}
	return tok, nil
}

func (t *Token) set(tok AccessToken) {
	h := "Bearer " + tok.Token
	t.header.Store(&h)
	t.expires.Store(tok.ExpiresOn.UnixNano())
	t.lastErr.Store(nil)
}

// refresh replaces the token at each refresh time until ctx ends.
func (t *Token) refresh(ctx context.Context, at time.Time) {
	defer t.done.Done()
	timer := time.NewTimer(time.Until(at))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		tok, err := t.get(ctx)
		now := time.Now()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			t.lastErr.Store(&err)
			timer.Reset(retryAfter(t.Expires(), now))
			continue
		}
		t.set(tok)
		timer.Reset(refreshAt(tok, now).Sub(now))
	}
}

// refreshAt is when to replace tok, got at now: RefreshBefore its expiry,
// or halfway through a shorter life.
func refreshAt(tok AccessToken, now time.Time) time.Time {
	life := tok.ExpiresOn.Sub(now)
	at := tok.ExpiresOn.Add(-min(RefreshBefore, life/2))
	if !tok.RefreshOn.IsZero() && tok.RefreshOn.Before(at) {
		at = tok.RefreshOn
	}
	// Never sooner than MinRetry: a credential that hands out a token
	// already due (or expired) must not make this loop spin.
	return maxTime(at, now.Add(MinRetry))
}

// retryAfter is how long to wait after a failed refresh.
func retryAfter(expires, now time.Time) time.Duration {
	return min(max(expires.Sub(now)/2, MinRetry), MaxRetry)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
