package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/engine"
	"github.com/sendguard/sendguard/wasm/worker/api"
)

// The same handler runs under workerd in wasm/worker/worker.test.js; these
// native tests pin its routing and errors without a JavaScript runtime.

type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func do(h http.Handler, method, path, body string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
	return rec
}

func TestRoutes(t *testing.T) {
	h := api.New("")
	tests := map[string]struct {
		method, path, body string
		status             int
		code               string // error code; "" for success
		allow              string
	}{
		"check":                {method: "POST", path: "/api/v1/check", body: `{"message":{}}`, status: 200},
		"check bad JSON":       {method: "POST", path: "/api/v1/check", body: `{"message":`, status: 400, code: "invalid"},
		"check empty":          {method: "POST", path: "/api/v1/check", status: 400, code: "invalid"},
		"check too large":      {method: "POST", path: "/api/v1/check", body: strings.Repeat(" ", api.MaxBody+1), status: 413, code: "too_large"},
		"check with GET":       {method: "GET", path: "/api/v1/check", status: 405, code: "method_not_allowed", allow: "POST"},
		"healthz":              {method: "GET", path: "/healthz", status: 200},
		"healthz HEAD":         {method: "HEAD", path: "/healthz", status: 200},
		"healthz POST":         {method: "POST", path: "/healthz", status: 405, code: "method_not_allowed", allow: "GET, HEAD"},
		"unknown path":         {method: "GET", path: "/api/v1/policy", status: 404, code: "not_found"},
		"root":                 {method: "GET", path: "/", status: 404, code: "not_found"},
		"check with a slash":   {method: "POST", path: "/api/v1/check/", body: `{}`, status: 404, code: "not_found"},
		"check with a query":   {method: "POST", path: "/api/v1/check?x=1", body: `{"message":{}}`, status: 200},
		"check trailing bytes": {method: "POST", path: "/api/v1/check", body: `{"message":{}}x`, status: 400, code: "invalid"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			rec := do(h, tc.method, tc.path, tc.body)
			assert.Equal(t, tc.status, rec.Code, rec.Body.String())
			assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
			assert.Equal(t, tc.allow, rec.Header().Get("Allow"))
			if tc.code != "" {
				var e apiError
				require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e), rec.Body.String())
				assert.Equal(t, tc.code, e.Error.Code)
			}
		})
	}
}

func TestHealthNamesPolicy(t *testing.T) {
	rec := do(api.New(`{"id":"tenant-a"}`), "GET", "/healthz", "")
	require.Equal(t, 200, rec.Code)
	var h struct {
		Status string           `json:"status"`
		Engine string           `json:"engine"`
		Policy engine.PolicyRef `json:"policy"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &h))
	assert.Equal(t, "ok", h.Status)
	assert.Equal(t, engine.Version, h.Engine)
	assert.Equal(t, "tenant-a", h.Policy.ID)
}

func TestInvalidPolicyAnswers503NamingTheField(t *testing.T) {
	tests := map[string]struct {
		policy  string
		mention string
	}{
		"unknown field": {policy: `{"id":"x","colour":"red"}`, mention: "colour"},
		"empty id":      {policy: `{"id":""}`, mention: "id"},
		"not JSON":      {policy: `{`, mention: "SENDGUARD_POLICY"},
		"a number":      {policy: `42`, mention: "SENDGUARD_POLICY"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := api.New(tc.policy)
			for _, path := range []string{"/healthz", "/api/v1/check"} {
				method := "GET"
				if path == "/api/v1/check" {
					method = "POST"
				}
				rec := do(h, method, path, `{"message":{}}`)
				assert.Equal(t, 503, rec.Code, path)
				var e apiError
				require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e))
				assert.Equal(t, "unavailable", e.Error.Code)
				assert.Contains(t, e.Error.Message, "SENDGUARD_POLICY")
				assert.Contains(t, e.Error.Message, tc.mention)
			}
		})
	}
}

// FuzzCheckEndpoint: hostile bodies never panic the handler and always get
// JSON back.
func FuzzCheckEndpoint(f *testing.F) {
	for _, s := range []string{"", "{}", `{"message":{"body":{"content":"\u0000"}}}`, `{"message":{"toRecipients":[{}]}}`} {
		f.Add(s)
	}
	h := api.New("")
	f.Fuzz(func(t *testing.T, body string) {
		rec := do(h, "POST", "/api/v1/check", body)
		require.True(t, json.Valid(rec.Body.Bytes()), rec.Body.String())
		require.Contains(t, []int{200, 400}, rec.Code)
	})
}
