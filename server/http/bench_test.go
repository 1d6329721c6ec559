package http_test

import (
	"bytes"
	"io"
	"net/http"
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

// BenchmarkCheckLoopback is the same check over a real loopback
// connection (keep-alive), so the profile shows what net/http costs too.
func BenchmarkCheckLoopback(b *testing.B) {
	body, err := os.ReadFile("../../scripts/bench/server-check.json")
	if err != nil {
		b.Fatal(err)
	}
	db := storetest.Open(b, store.SQLite)
	st := store.New(db)
	h := sghttp.New(sghttp.Config{Dev: true, Policies: st, Events: st, Engines: engines.New(st, 0), RateLimit: 1e9})
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := srv.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Post(srv.URL+"/api/v1/check", "application/json", bytes.NewReader(body))
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
}
