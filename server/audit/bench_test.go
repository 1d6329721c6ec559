package audit_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sendguard/sendguard/server/audit"
	"github.com/sendguard/sendguard/server/engines"
	"github.com/sendguard/sendguard/server/graph"
	"github.com/sendguard/sendguard/server/graphtest"
	"github.com/sendguard/sendguard/server/store"

	"github.com/sendguard/sendguard/internal/cputime"
)

// corpusDir is the shared Enron mail, relative to this package.
var corpusDir = filepath.Join("..", "..", "..", "shared", "corpora", "mail", "enron")

// BenchmarkAudit measures the auditor end to end on loopback: Graph delta
// paging through the real SDK, the engine with recipient history, and
// SQLite commits. Each iteration audits every mailbox into a fresh
// database. It reports messages per second and the auditor's peak heap
// above the test server's own, which should stay flat as mailboxes grow
// because mailboxes are audited a few at a time.
func BenchmarkAudit(b *testing.B) {
	corpus, _, err := graphtest.ReadDir(corpusDir)
	if err != nil || len(corpus) == 0 {
		b.Fatalf("the benchmark reads the shared corpus at %s: %v", corpusDir, err)
	}
	for _, size := range []struct{ mailboxes, perMailbox int }{{10, 2000}, {100, 200}, {100, 400}} {
		b.Run(fmt.Sprintf("mailboxes=%d/messages=%d", size.mailboxes, size.mailboxes*size.perMailbox), func(b *testing.B) {
			g := graphtest.New()
			if err := g.Start("127.0.0.1:0"); err != nil {
				b.Fatal(err)
			}
			defer g.Close()
			boxes := make([]string, size.mailboxes)
			for i := range boxes {
				boxes[i] = fmt.Sprintf("clinician%03d@trust.nhs.net", i)
			}
			base := time.Now().Add(-time.Duration(size.perMailbox) * time.Minute)
			total := size.mailboxes * size.perMailbox
			for i := 0; i < total; i++ {
				m := graphtest.Copy(corpus[i%len(corpus)], base.Add(time.Duration(i/size.mailboxes)*time.Minute))
				g.AddMessage(boxes[i%len(boxes)], m)
			}
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			baseline := ms.HeapAlloc
			var peak atomic.Uint64
			stop := make(chan struct{})
			done := make(chan struct{})
			go func() {
				defer close(done)
				t := time.NewTicker(20 * time.Millisecond)
				defer t.Stop()
				for {
					select {
					case <-stop:
						return
					case <-t.C:
						var m runtime.MemStats
						runtime.ReadMemStats(&m)
						if m.HeapAlloc > peak.Load() {
							peak.Store(m.HeapAlloc)
						}
					}
				}
			}()
			var audited int
			var elapsed, cpu time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				ctx := context.Background()
				db, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
				if err != nil {
					b.Fatal(err)
				}
				if err := store.MigrateCore(ctx, db); err != nil {
					b.Fatal(err)
				}
				st, hist, err := audit.Open(ctx, db, testKey)
				if err != nil {
					b.Fatal(err)
				}
				gc, err := graph.New(graph.Config{BaseURL: g.URL(), Token: "bench", PageSize: 500})
				if err != nil {
					b.Fatal(err)
				}
				a := &audit.Auditor{Graph: gc, Store: st, History: hist, Engines: engines.New(store.New(db), 0), Tenant: tenant, Workers: 4}
				b.StartTimer()
				start, cpu0 := time.Now(), cputime.Process()
				rep, err := a.RunOnce(ctx)
				elapsed += time.Since(start)
				cpu += cputime.Process() - cpu0
				b.StopTimer()
				if err != nil || rep.Failed > 0 || rep.Messages != total {
					b.Fatalf("audit: %v, %d failed, %d of %d messages", err, rep.Failed, rep.Messages, total)
				}
				audited += rep.Messages
				db.Close()
				b.StartTimer()
			}
			b.StopTimer()
			close(stop)
			<-done
			b.ReportMetric(float64(audited)/elapsed.Seconds(), "msgs/s")
			// The machine is shared: msgs per CPU-second (the whole process:
			// auditor, SDK, engine, SQLite and the test server) shows the
			// cost independent of other load.
			b.ReportMetric(float64(audited)/cpu.Seconds(), "msgs/cpu-s")
			if p := peak.Load(); p > baseline {
				b.ReportMetric(float64(p-baseline)/(1<<20), "peak-heap-MB")
			}
		})
	}
}

// BenchmarkEmptyRound measures what a frequent audit mostly does: a delta
// round per mailbox that brings nothing new (lease, one Graph request,
// commit, release). It reports mailbox rounds per second and per
// CPU-second, the figures docs/capacity.md scales up.
func BenchmarkEmptyRound(b *testing.B) {
	const mailboxes = 500
	g := graphtest.New()
	if err := g.Start("127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	msgs := graphtest.Clinical("trust.nhs.net", mailboxes, 1, time.Now())
	g.LoadClinical(msgs)
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := store.MigrateCore(ctx, db); err != nil {
		b.Fatal(err)
	}
	st, hist, err := audit.Open(ctx, db, testKey)
	if err != nil {
		b.Fatal(err)
	}
	gc, err := graph.New(graph.Config{BaseURL: g.URL(), Token: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	a := &audit.Auditor{Graph: gc, Store: st, History: hist, Engines: engines.New(store.New(db), 0), Tenant: tenant, Workers: 8}
	if rep, err := a.RunOnce(ctx); err != nil || rep.Messages != mailboxes {
		b.Fatalf("first pass: %v %+v", err, rep)
	}
	var elapsed, cpu time.Duration
	rounds := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start, cpu0 := time.Now(), cputime.Process()
		rep, err := a.RunOnce(ctx)
		elapsed += time.Since(start)
		cpu += cputime.Process() - cpu0
		if err != nil || rep.Messages != 0 || rep.Failed != 0 {
			b.Fatalf("empty pass: %v %+v", err, rep)
		}
		rounds += len(rep.Mailboxes)
	}
	b.ReportMetric(float64(rounds)/elapsed.Seconds(), "rounds/s")
	b.ReportMetric(float64(rounds)/cpu.Seconds(), "rounds/cpu-s")
}
