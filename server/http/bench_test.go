package http_test

import (
	"bytes"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/sendguard/sendguard/server/engines"
	sghttp "github.com/sendguard/sendguard/server/http"
	"github.com/sendguard/sendguard/server/store"
	"github.com/sendguard/sendguard/server/store/storetest"
)

// BenchmarkCheck is one typical check (scripts/bench/server-check.json)
// through the whole gin stack in dev mode, without the network: what the
// service adds around the engine.
func BenchmarkCheck(b *testing.B) {
	body, err := os.ReadFile("../../scripts/bench/server-check.json")
	if err != nil {
		b.Fatal(err)
	}
	db := storetest.Open(b, store.SQLite)
	st := store.New(db)
	h := sghttp.New(sghttp.Config{Dev: true, Policies: st, Events: st, Engines: engines.New(st, 0), RateLimit: 1e9})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("POST", "/api/v1/check", bytes.NewReader(body))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		}
	})
}
