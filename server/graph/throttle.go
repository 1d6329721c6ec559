package graph

import (
	"context"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	khttp "github.com/microsoft/kiota-http-go"
)

// throttle is the client's one place for Graph's throttling rules. It
// replaces kiota's RetryHandler, which honours Retry-After but retries at
// most three times (ten at most), truncates fractional delays, and lets
// every other request to the same mailbox keep hammering meanwhile. Here a
// 429 or 503 pauses the whole mailbox until Retry-After, the concurrency
// cap is enforced before a request leaves (so Exchange's
// MailboxConcurrency limit is never tripped), and a token bucket keeps
// each mailbox under its request budget.
type throttle struct {
	maxPer     int
	rate       float64 // tokens per second
	burst      float64
	maxRetries int
	maxWait    time.Duration

	mu    sync.Mutex
	boxes map[string]*boxState
	// global is the client-wide bucket (its slots are unused).
	global     boxState
	globalRate float64

	retries atomic.Int64
	waited  atomic.Int64 // nanoseconds spent honouring Retry-After
}

type boxState struct {
	slots chan struct{}
	// guarded by throttle.mu
	tokens      float64
	last        time.Time
	pausedUntil time.Time
}

func newThrottle(c Config) *throttle {
	rate := float64(c.MailboxBudget) / c.MailboxWindow.Seconds()
	return &throttle{
		global:     boxState{tokens: c.GlobalRate, last: time.Now()},
		globalRate: c.GlobalRate,
		maxPer:     c.MaxPerMailbox,
		rate:       rate,
		burst:      math.Max(1, float64(c.MailboxBudget)/10),
		maxRetries: c.MaxRetries,
		maxWait:    c.MaxRetryWait,
		boxes:      map[string]*boxState{},
	}
}

// mailboxKey finds the mailbox a Graph URL is about: the segment after
// /users/. Requests about no mailbox (the users list, group members) share
// the key "".
func mailboxKey(path string) string {
	i := strings.Index(path, "/users/")
	if i < 0 {
		return ""
	}
	rest := path[i+len("/users/"):]
	if j := strings.IndexByte(rest, '/'); j >= 0 {
		rest = rest[:j]
	}
	return strings.ToLower(rest)
}

func (t *throttle) box(key string) *boxState {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.boxes[key]
	if b == nil {
		b = &boxState{slots: make(chan struct{}, t.maxPer), tokens: t.burst, last: time.Now()}
		t.boxes[key] = b
	}
	return b
}

// admit waits for the mailbox's pause to end and for a token from both
// the mailbox's budget and the client-wide one.
func (t *throttle) admit(ctx context.Context, b *boxState) error {
	for {
		t.mu.Lock()
		now := time.Now()
		b.tokens = math.Min(t.burst, b.tokens+now.Sub(b.last).Seconds()*t.rate)
		b.last = now
		var wait time.Duration
		g := &t.global
		g.tokens = math.Min(t.globalRate, g.tokens+now.Sub(g.last).Seconds()*t.globalRate)
		g.last = now
		switch {
		case now.Before(b.pausedUntil):
			wait = b.pausedUntil.Sub(now)
		case b.tokens >= 1 && g.tokens >= 1:
			b.tokens--
			g.tokens--
			t.mu.Unlock()
			return nil
		case b.tokens < 1:
			wait = time.Duration((1 - b.tokens) / t.rate * float64(time.Second))
		default:
			wait = time.Duration((1 - g.tokens) / t.globalRate * float64(time.Second))
		}
		t.mu.Unlock()
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}

// Intercept implements kiota's Middleware.
func (t *throttle) Intercept(p khttp.Pipeline, i int, req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	b := t.box(mailboxKey(req.URL.Path))
	for attempt := 0; ; attempt++ {
		if err := t.admit(ctx, b); err != nil {
			return nil, err
		}
		select {
		case b.slots <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		resp, err := p.Next(req, i)
		<-b.slots
		if err != nil || !retriable(resp.StatusCode) || attempt >= t.maxRetries {
			return resp, err
		}
		wait := retryAfter(resp.Header.Get("Retry-After"), attempt)
		if wait > t.maxWait {
			wait = t.maxWait
		}
		// Drain so the connection is reused.
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
		t.mu.Lock()
		if until := time.Now().Add(wait); until.After(b.pausedUntil) {
			b.pausedUntil = until
		}
		t.mu.Unlock()
		t.retries.Add(1)
		t.waited.Add(int64(wait))
		req.Header.Set("Retry-Attempt", strconv.Itoa(attempt+1))
	}
}

func retriable(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
}

// retryAfter reads Retry-After as seconds (fractions kept) or an HTTP date;
// without one it backs off exponentially from one second.
func retryAfter(h string, attempt int) time.Duration {
	h = strings.TrimSpace(h)
	if h != "" {
		if s, err := strconv.ParseFloat(h, 64); err == nil && s >= 0 && !math.IsInf(s, 0) {
			return time.Duration(math.Min(s, 86400) * float64(time.Second))
		}
		if t, err := http.ParseTime(h); err == nil {
			return max(0, time.Until(t))
		}
	}
	return time.Second << min(attempt, 6)
}
