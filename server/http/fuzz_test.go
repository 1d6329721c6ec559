package http_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sendguard/sendguard/server/engines"
	sghttp "github.com/sendguard/sendguard/server/http"
	"github.com/sendguard/sendguard/server/store"
	"github.com/sendguard/sendguard/server/store/storetest"
)

// FuzzJSONEndpoints sends arbitrary bodies to every JSON endpoint of the
// real handler (dev mode, SQLite): no input may produce a 5xx or a panic.
// Run longer with: go test -run=NONE -fuzz=FuzzJSONEndpoints -fuzztime=60s ./server/http/
func FuzzJSONEndpoints(f *testing.F) {
	seeds := []string{
		`{"message":{"subject":"x","toRecipients":[{"emailAddress":{"address":"a@gmail.com"}}],"body":{"contentType":"html","content":"<p>NHS 943 476 5919</p>"}},"context":{"knownRecipients":[]}}`,
		`{"action":"sent-anyway","rules":["insecure-recipient"],"verdictAction":"block","classification":"red","evidence":[{"kind":"nhs-number","field":"body","masked":"*** *** 5919"}]}`,
		`{"id":"trust","rules":{"new-recipient":{"enabled":true,"severity":"warn"}},"thresholds":{"multiplePatients":2}}`,
		`{"message":{"attachments":[{"name":"a.pdf","size":1e400,"contentBytes":"AAAA"}]}}`,
		`[[[[[[[[[[[[[[[[[[[[`, `{"a":"\ud800"}`, "\xff\xfe", `null`, `{"message":null,"context":null}`,
		`{"occurredAt":"9999-99-99T00:00:00Z","action":"fixed"}`,
	}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
	}
	db := storetest.Open(f, store.SQLite)
	st := store.New(db)
	h := sghttp.New(sghttp.Config{
		Dev: true, Policies: st, Events: st, Engines: engines.New(st, 0),
		Ready: db.Ping, RateLimit: 0,
	})
	routes := []struct{ method, path string }{
		{"POST", "/api/v1/check"}, {"POST", "/api/v1/events"}, {"PUT", "/api/v1/policy"},
		{"GET", "/api/v1/events?from=x&limit=abc"}, {"GET", "/api/v1/policy?version=1"},
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		rt := routes[int(which)%len(routes)]
		req := httptest.NewRequest(rt.method, rt.path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if which%7 == 0 {
			req.Header.Set("If-Match", string(body[:min(len(body), 8)]))
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s: status %d: %s", rt.method, rt.path, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && !strings.HasPrefix(rec.Body.String(), `{"error":{"code":`) {
			t.Fatalf("%s %s: status %d without the error envelope: %s", rt.method, rt.path, rec.Code, rec.Body)
		}
		if rec.Code == http.StatusOK && rt.method == "PUT" {
			t.Logf("accepted policy %q", body)
		}
	})
}
