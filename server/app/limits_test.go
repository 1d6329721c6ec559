package app_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/engine/apierr"
	"github.com/sendguard/sendguard/server/app"
	"github.com/sendguard/sendguard/server/auth/authtest"
	"github.com/sendguard/sendguard/server/store"
)

// hostileJSON are bodies that must get 400, never 500, on every JSON
// endpoint.
var hostileJSON = map[string]string{
	"empty":            ``,
	"whitespace":       "  \n\t ",
	"null":             `null x`,
	"truncated":        `{"message":{"subject":"x"`,
	"trailing garbage": `{"action":"fixed"} {"again":1}`,
	"trailing text":    `{"message":{}} xyz`,
	"deep nesting":     strings.Repeat(`{"a":`, 100000) + `1` + strings.Repeat(`}`, 100000),
	"deep arrays":      `{"message":{"toRecipients":` + strings.Repeat(`[`, 50000) + strings.Repeat(`]`, 50000) + `}}`,
	"huge number":      `{"message":{"attachments":[{"size":1` + strings.Repeat("0", 400) + `}]}}`,
	"wrong types":      `{"message":{"toRecipients":"everyone","subject":42}}`,
	"array at top":     `[1,2,3]`,
	"string at top":    `"hello"`,
	"invalid UTF-8":    "{\"message\":{\"subject\":\"\xff\xfe\xfd\"}, \"action\": \"\xc3\x28\"}",
	"bad escape":       `{"message":{"subject":"\uZZZZ"}}`,
	"NUL bytes":        "{\"message\":\x00}",
	"bad base64":       `{"message":{"attachments":[{"name":"a.pdf","contentBytes":"!!!not base64!!!"}]}}`,
}

func TestHostileJSON(t *testing.T) {
	s := start(t, store.SQLite, nil)
	admin := s.Issuer.User(t, authtest.TenantA, userA, true)
	endpoints := []struct{ method, path string }{
		{"POST", "/api/v1/check"}, {"POST", "/api/v1/events"}, {"PUT", "/api/v1/policy"},
	}
	for _, ep := range endpoints {
		for name, body := range hostileJSON {
			t.Run(ep.path+"/"+name, func(t *testing.T) {
				r := do(t, ep.method, s.URL+ep.path, admin, body)
				if ep.path == "/api/v1/check" && (name == "invalid UTF-8") {
					// encoding/json replaces invalid UTF-8 with U+FFFD: the
					// check runs on what remains.
					assert.Contains(t, []int{200, 400}, r.Status)
					return
				}
				if ep.path == "/api/v1/events" && len(body) > 64<<10 {
					require.Equal(t, 413, r.Status, "events are small; %s", r.Body)
					return
				}
				require.Equal(t, 400, r.Status, "%s", r.Body)
				assert.Equal(t, apierr.Invalid, r.ErrorCode(t))
			})
		}
	}
}

func TestBodyLimits(t *testing.T) {
	s := start(t, store.SQLite, func(m *app.Main) { m.Config.MaxCheckBody = 64 << 10 })
	user := s.Issuer.User(t, authtest.TenantA, userA, true)
	big := func(n int) string { return strings.Repeat("a", n) }

	r := do(t, "POST", s.URL+"/api/v1/check", user, checkBody("x", big(40<<10)))
	assert.Equal(t, 200, r.Status, "under the limit")
	r = do(t, "POST", s.URL+"/api/v1/check", user, checkBody("x", big(80<<10)))
	require.Equal(t, 413, r.Status)
	assert.Equal(t, apierr.TooLarge, r.ErrorCode(t))

	e := validEvent()
	e["justification"] = big(70 << 10)
	r = do(t, "POST", s.URL+"/api/v1/events", user, e)
	require.Equal(t, 413, r.Status)
	assert.Equal(t, apierr.TooLarge, r.ErrorCode(t))

	r = do(t, "PUT", s.URL+"/api/v1/policy", user, `{"id":"`+big(2<<20)+`"}`)
	require.Equal(t, 413, r.Status)
	assert.Equal(t, apierr.TooLarge, r.ErrorCode(t))
}

func TestRateLimit(t *testing.T) {
	s := start(t, store.SQLite, func(m *app.Main) { m.Config.RateLimit, m.Config.RateBurst = 0.01, 3 })
	a := s.Issuer.User(t, authtest.TenantA, userA, false)
	b := s.Issuer.User(t, authtest.TenantB, userA, false)
	body := checkBody("x", "<p>hi</p>")
	for i := range 3 {
		r := do(t, "POST", s.URL+"/api/v1/check", a, body)
		require.Equal(t, 200, r.Status, "request %d is within the burst", i)
	}
	r := do(t, "POST", s.URL+"/api/v1/check", a, body)
	require.Equal(t, 429, r.Status)
	assert.Equal(t, apierr.RateLimited, r.ErrorCode(t))
	retry, err := strconv.Atoi(r.Header.Get("Retry-After"))
	require.NoError(t, err)
	assert.InDelta(t, 100, retry, 5, "one token per 100 s")

	r = do(t, "POST", s.URL+"/api/v1/check", b, body)
	assert.Equal(t, 200, r.Status, "tenant B has its own bucket")

	r = do(t, "GET", s.URL+"/metrics", "", nil)
	assert.Contains(t, string(r.Body), `sendguard_rate_limited_total{route="/api/v1/check"} 1`)
	r = do(t, "GET", s.URL+"/healthz", "", nil)
	assert.Equal(t, 200, r.Status, "health is not rate limited")
}
