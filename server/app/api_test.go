package app_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/engine"
	"github.com/sendguard/sendguard/engine/apierr"
	"github.com/sendguard/sendguard/server/auth/authtest"
	"github.com/sendguard/sendguard/server/store"
	"github.com/sendguard/sendguard/server/store/storetest"
)

const userA = "aaaaaaaa-0000-4000-8000-00000000000a"

func policyJSON(t *testing.T, id, tag string) []byte {
	p := engine.DefaultPolicy()
	p.ID, p.Version, p.SubjectTag = id, "", tag
	b, err := json.Marshal(p)
	require.NoError(t, err)
	return b
}

// TestAuthentication drives each failing token through the real server:
// every one is refused with the JSON envelope, and the valid ones pass.
func TestAuthentication(t *testing.T) {
	s := start(t, store.SQLite, nil)
	iss := s.Issuer
	valid := func() authtest.Claims { return iss.Claims(authtest.TenantA, userA, false) }
	with := func(k string, v any) authtest.Claims { c := valid(); c[k] = v; return c }
	forged := authtest.NewKey(t, "key-1")
	unknown := authtest.NewKey(t, "key-unknown")

	tests := map[string]struct {
		token      func(t *testing.T) string
		method     string
		path       string
		body       any
		wantStatus int
		wantCode   string
	}{
		"no token":         {token: func(*testing.T) string { return "" }, wantStatus: 401, wantCode: apierr.Unauthorized},
		"valid user check": {token: func(t *testing.T) string { return iss.Token(t, valid()) }, wantStatus: 200},
		"wrong signature":  {token: func(t *testing.T) string { return authtest.Sign(t, forged, valid()) }, wantStatus: 401, wantCode: apierr.Unauthorized},
		"alg none":         {token: func(t *testing.T) string { return authtest.Unsigned(t, "key-1", valid()) }, wantStatus: 401, wantCode: apierr.Unauthorized},
		"alg HS256 pubkey": {token: func(t *testing.T) string { return authtest.HMACWithPublicKey(t, iss.Current(), valid()) }, wantStatus: 401, wantCode: apierr.Unauthorized},
		"expired":          {token: func(t *testing.T) string { return iss.Token(t, with("exp", time.Now().Add(-time.Hour).Unix())) }, wantStatus: 401, wantCode: apierr.Unauthorized},
		"not yet valid":    {token: func(t *testing.T) string { return iss.Token(t, with("nbf", time.Now().Add(time.Hour).Unix())) }, wantStatus: 401, wantCode: apierr.Unauthorized},
		"wrong audience":   {token: func(t *testing.T) string { return iss.Token(t, with("aud", "api://someone-else")) }, wantStatus: 401, wantCode: apierr.Unauthorized},
		"wrong issuer": {token: func(t *testing.T) string {
			return iss.Token(t, with("iss", "https://evil.example/"+authtest.TenantA+"/v2.0"))
		}, wantStatus: 401, wantCode: apierr.Unauthorized},
		"unlisted tenant":   {token: func(t *testing.T) string { return iss.User(t, "33333333-3333-4333-8333-333333333333", userA, true) }, wantStatus: 401, wantCode: apierr.Unauthorized},
		"missing scope":     {token: func(t *testing.T) string { return iss.Token(t, with("scp", "User.Read")) }, wantStatus: 403, wantCode: apierr.Forbidden},
		"unknown kid":       {token: func(t *testing.T) string { return authtest.Sign(t, unknown, valid()) }, wantStatus: 401, wantCode: apierr.Unauthorized},
		"basic auth scheme": {token: func(*testing.T) string { return "" }, wantStatus: 401, wantCode: apierr.Unauthorized},
		"non-admin PUT policy": {token: func(t *testing.T) string { return iss.Token(t, valid()) }, method: "PUT", path: "/api/v1/policy",
			body: policyJSON(t, "x", "[secure]"), wantStatus: 403, wantCode: apierr.Forbidden},
		"non-admin GET events": {token: func(t *testing.T) string { return iss.Token(t, valid()) }, method: "GET", path: "/api/v1/events",
			wantStatus: 403, wantCode: apierr.Forbidden},
		"admin PUT policy": {token: func(t *testing.T) string { return iss.User(t, authtest.TenantA, userA, true) }, method: "PUT", path: "/api/v1/policy",
			body: policyJSON(t, "trust-a", "[secure]"), wantStatus: 200},
		"user reads policy": {token: func(t *testing.T) string { return iss.Token(t, valid()) }, method: "GET", path: "/api/v1/policy", wantStatus: 200},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			method, path, body := tc.method, tc.path, tc.body
			if method == "" {
				method, path, body = "POST", "/api/v1/check", checkBody("Appointment", "<p>See you Tuesday</p>")
			}
			var headers []string
			if name == "basic auth scheme" {
				headers = append(headers, "Authorization: Basic dXNlcjpwYXNz")
			}
			r := do(t, method, s.URL+path, tc.token(t), body, headers...)
			require.Equal(t, tc.wantStatus, r.Status, "body: %s", r.Body)
			if tc.wantCode != "" {
				assert.Equal(t, tc.wantCode, r.ErrorCode(t))
			}
			if tc.wantStatus == 401 {
				assert.Contains(t, r.Header.Get("WWW-Authenticate"), "Bearer")
			}
		})
	}
	assert.LessOrEqual(t, iss.Fetches.Load(), int64(3), "keys are cached, not fetched per request")
}

// TestTenantIsolation shows that tenant A's token can neither read nor
// write tenant B's policy or events, on both stores.
func TestTenantIsolation(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			s := start(t, d, nil)
			adminA := s.Issuer.User(t, authtest.TenantA, userA, true)
			adminB := s.Issuer.User(t, authtest.TenantB, "bbbbbbbb-0000-4000-8000-00000000000b", true)
			api := s.URL + "/api/v1"

			r := do(t, "PUT", api+"/policy", adminA, policyJSON(t, "trust-a", "[secure-a]"))
			require.Equal(t, 200, r.Status, "%s", r.Body)
			assert.Equal(t, `"1"`, r.Header.Get("ETag"))
			r = do(t, "POST", api+"/events", adminA, validEvent())
			require.Equal(t, 201, r.Status, "%s", r.Body)

			// B sees only the default policy and no events.
			r = do(t, "GET", api+"/policy", adminB, nil)
			require.Equal(t, 200, r.Status)
			assert.Equal(t, "default", r.JSON(t)["id"])
			assert.Equal(t, `"0"`, r.Header.Get("ETag"))
			r = do(t, "GET", api+"/policy?version=1", adminB, nil)
			assert.Equal(t, 404, r.Status)
			assert.Equal(t, apierr.NotFound, r.ErrorCode(t))
			r = do(t, "GET", api+"/policy/history", adminB, nil)
			require.Equal(t, 200, r.Status)
			assert.Empty(t, r.JSON(t)["versions"])
			r = do(t, "GET", api+"/events", adminB, nil)
			require.Equal(t, 200, r.Status)
			assert.Empty(t, r.JSON(t)["events"])
			r = do(t, "POST", api+"/check", adminB, checkBody("Hello", "<p>hi</p>"))
			require.Equal(t, 200, r.Status)
			assert.Equal(t, "default", r.JSON(t)["policy"].(map[string]any)["id"], "B's checks use B's policy")

			// B writes its own; A's is untouched, and If-Match is per tenant.
			r = do(t, "PUT", api+"/policy", adminB, policyJSON(t, "trust-b", "[secure-b]"), `If-Match: "0"`)
			require.Equal(t, 200, r.Status, "%s", r.Body)
			assert.Equal(t, `"1"`, r.Header.Get("ETag"))
			r = do(t, "POST", api+"/events", adminB, validEvent())
			require.Equal(t, 201, r.Status)

			r = do(t, "GET", api+"/policy", adminA, nil)
			require.Equal(t, 200, r.Status)
			assert.Equal(t, "trust-a", r.JSON(t)["id"])
			assert.Equal(t, "[secure-a]", r.JSON(t)["subjectTag"])
			r = do(t, "POST", api+"/check", adminA, checkBody("Hello", "<p>hi</p>"))
			require.Equal(t, 200, r.Status)
			assert.Equal(t, map[string]any{"id": "trust-a", "version": "1"}, r.JSON(t)["policy"])
			r = do(t, "GET", api+"/events", adminA, nil)
			require.Equal(t, 200, r.Status)
			events := r.JSON(t)["events"].([]any)
			require.Len(t, events, 1)
			assert.Equal(t, authtest.TenantA, events[0].(map[string]any)["tenantId"])
			assert.Equal(t, userA, events[0].(map[string]any)["userId"])
		})
	}
}

func TestPolicyAPI(t *testing.T) {
	s := start(t, store.SQLite, nil)
	admin := s.Issuer.User(t, authtest.TenantA, userA, true)
	api := s.URL + "/api/v1/policy"

	t.Run("default first", func(t *testing.T) {
		r := do(t, "GET", api, admin, nil)
		require.Equal(t, 200, r.Status)
		assert.Equal(t, "default", r.JSON(t)["id"])
	})
	t.Run("invalid policies name the field", func(t *testing.T) {
		tests := map[string]struct {
			body      string
			wantField string
		}{
			"empty id":      {body: `{"id":""}`, wantField: "id"},
			"unknown field": {body: `{"id":"x","colour":"red"}`, wantField: "colour"},
			"wrong type":    {body: `{"id":"x","auditOnly":"yes"}`, wantField: "auditOnly"},
			"not JSON":      {body: `{"id":`, wantField: ""},
			"bad rule":      {body: `{"id":"x","rules":{"no-such-rule":{"enabled":true,"severity":"warn"}}}`, wantField: "rules"},
		}
		for name, tc := range tests {
			t.Run(name, func(t *testing.T) {
				r := do(t, "PUT", api, admin, tc.body)
				require.Equal(t, 400, r.Status, "%s", r.Body)
				assert.Equal(t, apierr.Invalid, r.ErrorCode(t))
				var env struct {
					Error struct {
						Message string              `json:"message"`
						Details []engine.FieldError `json:"details"`
					} `json:"error"`
				}
				require.NoError(t, json.Unmarshal(r.Body, &env))
				require.NotEmpty(t, env.Error.Details)
				assert.Contains(t, env.Error.Message, tc.wantField)
			})
		}
	})
	t.Run("versions, If-Match and history", func(t *testing.T) {
		r := do(t, "PUT", api, admin, policyJSON(t, "trust", "[one]"), `If-Match: "0"`)
		require.Equal(t, 200, r.Status, "%s", r.Body)
		assert.Equal(t, "1", r.JSON(t)["version"])
		r = do(t, "PUT", api, admin, policyJSON(t, "trust", "[two]"), `If-Match: "1"`)
		require.Equal(t, 200, r.Status)
		r = do(t, "PUT", api, admin, policyJSON(t, "trust", "[lost update]"), `If-Match: "1"`)
		require.Equal(t, 409, r.Status)
		assert.Equal(t, apierr.Conflict, r.ErrorCode(t))
		r = do(t, "PUT", api, admin, policyJSON(t, "trust", "[x]"), `If-Match: one`)
		require.Equal(t, 400, r.Status)

		r = do(t, "GET", api, admin, nil)
		assert.Equal(t, "[two]", r.JSON(t)["subjectTag"])
		assert.Equal(t, `"2"`, r.Header.Get("ETag"))
		r = do(t, "GET", api, admin, nil, `If-None-Match: "2"`)
		assert.Equal(t, 304, r.Status, "unchanged since the client's copy")
		assert.Empty(t, r.Body)
		r = do(t, "GET", api, admin, nil, `If-None-Match: "1"`)
		assert.Equal(t, 200, r.Status)
		r = do(t, "GET", api+"?version=1", admin, nil)
		assert.Equal(t, "[one]", r.JSON(t)["subjectTag"])
		r = do(t, "GET", api+"?version=x", admin, nil)
		assert.Equal(t, 400, r.Status)
		r = do(t, "GET", api+"/history", admin, nil)
		require.Equal(t, 200, r.Status)
		versions := r.JSON(t)["versions"].([]any)
		require.Len(t, versions, 2)
		assert.EqualValues(t, 2, versions[0].(map[string]any)["version"])
		assert.Equal(t, userA, versions[0].(map[string]any)["createdBy"].(map[string]any)["oid"])
	})
	t.Run("checks use the new policy at once", func(t *testing.T) {
		r := do(t, "POST", s.URL+"/api/v1/check", admin, checkBody("Hi", "<p>hi</p>"))
		require.Equal(t, 200, r.Status)
		assert.Equal(t, map[string]any{"id": "trust", "version": "2"}, r.JSON(t)["policy"])
	})
}

func TestEventsAPI(t *testing.T) {
	s := start(t, store.SQLite, nil)
	user := s.Issuer.User(t, authtest.TenantA, userA, false)
	admin := s.Issuer.User(t, authtest.TenantA, "aaaaaaaa-0000-4000-8000-0000000000ad", true)
	api := s.URL + "/api/v1/events"

	with := func(k string, v any) map[string]any { e := validEvent(); e[k] = v; return e }
	without := func(k string) map[string]any { e := validEvent(); delete(e, k); return e }
	ev := func(masked string) map[string]any {
		return with("evidence", []any{map[string]any{"kind": "nhs-number", "field": "body", "masked": masked}})
	}
	tests := map[string]struct {
		body      any
		wantField string // "" means accepted
	}{
		"valid":                       {body: validEvent()},
		"fixed without justification": {body: with("action", "fixed")},
		"category evidence":           {body: ev("sexual-health")},
		"masked postcode":             {body: ev("SW1A ***")},
		"masked date":                 {body: ev("**/**/1980")},
		"base64 message ref":          {body: with("messageRef", "n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg")},
		"no message ref":              {body: without("messageRef")},
		"empty message ref":           {body: with("messageRef", "")},
		"empty policy ref":            {body: with("policy", map[string]any{"id": "", "version": ""})},
		"engine policy version":       {body: with("policy", map[string]any{"id": "default", "version": "fnv-0123456789abcdef"})},
		"lexicon evidence":            {body: with("evidence", []any{map[string]any{"kind": "marketing", "field": "subject", "masked": "special offer"}})},
		"bad policy ref":              {body: with("policy", map[string]any{"id": "Re: results for Jane", "version": "1"}), wantField: "policy"},
		"unknown action":              {body: with("action", "deleted"), wantField: "action"},
		"unknown rule":                {body: with("rules", []string{"no-such-rule"}), wantField: "rules[0]"},
		"bad verdict action":          {body: with("verdictAction", "explode"), wantField: "verdictAction"},
		"bad classification":          {body: with("classification", "purple"), wantField: "classification"},
		"NHS number in evidence":      {body: ev("943 476 5919"), wantField: "evidence[0].masked"},
		"digits run in evidence":      {body: ev("*** 4765919"), wantField: "evidence[0].masked"},
		"address in evidence":         {body: ev("jane.doe@gmail.com"), wantField: "evidence[0].masked"},
		"words in evidence":           {body: ev("Mrs Jane Doe ***"), wantField: "evidence[0].masked"},
		"unmasked words":              {body: ev("Jane Doe"), wantField: "evidence[0].masked"},
		"NHS number in justification": {body: with("justification", "patient 943 476 5919 asked"), wantField: "justification"},
		"DOB in justification":        {body: with("justification", "born 01/02/1980"), wantField: "justification"},
		"address in justification":    {body: with("justification", "send to jane@example.com"), wantField: "justification"},
		"long justification":          {body: with("justification", strings.Repeat("a", 501)), wantField: "justification"},
		"control chars":               {body: with("justification", "ok\u202eevil"), wantField: "justification"},
		"subject as message ref":      {body: with("messageRef", "Re: HIV results for Jane"), wantField: "messageRef"},
		"NHS number as message ref":   {body: with("messageRef", "9434765919"), wantField: "messageRef"},
		"subject field":               {body: with("subject", "Re: results"), wantField: "unknown field"},
		"body field":                  {body: with("body", "<p>content</p>"), wantField: "unknown field"},
		"client host sentence":        {body: with("client", map[string]any{"host": "Re: HIV results"}), wantField: "client"},
		"occurred long ago":           {body: with("occurredAt", "2001-01-01T00:00:00Z"), wantField: "occurredAt"},
		"rules wrong type":            {body: with("rules", "insecure-recipient"), wantField: "rules"},
		"too much evidence":           {body: with("evidence", make([]any, 33)), wantField: "evidence"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := do(t, "POST", api, user, tc.body)
			if tc.wantField == "" {
				require.Equal(t, 201, r.Status, "%s", r.Body)
				got := r.JSON(t)
				assert.Equal(t, userA, got["userId"])
				assert.Equal(t, "Outlook", got["workload"])
				assert.Equal(t, "DlpRuleMatch", got["operation"])
				return
			}
			require.Equal(t, 400, r.Status, "%s", r.Body)
			assert.Equal(t, apierr.Invalid, r.ErrorCode(t))
			assert.Contains(t, string(r.Body), tc.wantField)
		})
	}

	t.Run("list with filters and paging", func(t *testing.T) {
		for i := range 5 {
			e := with("action", "fixed")
			e["rules"] = []string{"bulk-visible-recipients"}
			if i%2 == 0 {
				e["action"] = "false-positive"
			}
			require.Equal(t, 201, do(t, "POST", api, user, e).Status)
		}
		list := func(q string) ([]any, string) {
			r := do(t, "GET", api+q, admin, nil)
			require.Equal(t, 200, r.Status, "%s", r.Body)
			j := r.JSON(t)
			next, _ := j["next"].(string)
			return j["events"].([]any), next
		}
		all, _ := list("")
		total := len(all)
		accepted := 0
		for _, tc := range tests {
			if tc.wantField == "" {
				accepted++
			}
		}
		assert.Equal(t, accepted+5, total)
		got, _ := list("?rule=bulk-visible-recipients")
		assert.Len(t, got, 5)
		got, _ = list("?action=false-positive")
		assert.Len(t, got, 3)
		got, _ = list("?user=" + userA + "&action=false-positive&rule=bulk-visible-recipients")
		assert.Len(t, got, 3)
		got, _ = list("?user=nobody")
		assert.Empty(t, got)
		got, _ = list("?from=" + time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
		assert.Empty(t, got)
		got, _ = list("?from=" + time.Now().Add(-time.Hour).UTC().Format(time.RFC3339) + "&to=" + time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
		assert.Len(t, got, total)

		seen := map[float64]bool{}
		cursor := ""
		for page := 0; ; page++ {
			require.Less(t, page, 20)
			q := "?limit=5"
			if cursor != "" {
				q += "&cursor=" + cursor
			}
			got, next := list(q)
			for _, e := range got {
				id := e.(map[string]any)["id"].(float64)
				assert.False(t, seen[id], "event %v twice", id)
				seen[id] = true
			}
			if next == "" {
				break
			}
			cursor = next
		}
		assert.Len(t, seen, total)

		for _, q := range []string{"?from=yesterday", "?rule=nope", "?action=nope", "?limit=0", "?limit=501", "?cursor=abc"} {
			r := do(t, "GET", api+q, admin, nil)
			assert.Equal(t, 400, r.Status, q)
			assert.Equal(t, apierr.Invalid, r.ErrorCode(t), q)
		}
	})
	t.Run("metrics count events", func(t *testing.T) {
		r := do(t, "GET", s.URL+"/metrics", "", nil)
		assert.Contains(t, string(r.Body), `sendguard_events_total{action="sent-anyway"}`)
	})
	_ = strconv.Itoa
	_ = http.StatusOK
}
