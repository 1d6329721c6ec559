package audit_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/server/audit"
	"github.com/sendguard/sendguard/server/engines"
	"github.com/sendguard/sendguard/server/graph"
	"github.com/sendguard/sendguard/server/graphtest"
	"github.com/sendguard/sendguard/server/store"
	"github.com/sendguard/sendguard/server/store/storetest"
)

// Two auditors, each with its own connection pool and Graph token as two
// serve replicas would have, share one PostgreSQL database. Leases must
// split the mailboxes so that no mailbox is ever synced by both at once.
func TestTwoAuditorsShareMailboxesThroughLeases(t *testing.T) {
	dbURL := storetest.URL(t, store.Postgres)
	ctx := context.Background()
	g := graphtest.New(graphtest.WithLatency(5*time.Millisecond), graphtest.WithAccessLog())
	require.NoError(t, g.Start("127.0.0.1:0"))
	defer g.Close()
	msgs := graphtest.Clinical("trust.nhs.net", 12, 20, time.Now())
	ids := g.LoadClinical(msgs)

	var auditors []*audit.Auditor
	var dbs []*store.DB
	for _, name := range []string{"replica-a", "replica-b"} {
		db, err := store.Open(ctx, dbURL)
		require.NoError(t, err)
		defer db.Close()
		require.NoError(t, store.MigrateCore(ctx, db))
		st, hist, err := audit.Open(ctx, db, testKey)
		require.NoError(t, err)
		gc, err := graph.New(graph.Config{BaseURL: g.URL(), Token: name, PageSize: 4})
		require.NoError(t, err)
		auditors = append(auditors, &audit.Auditor{Graph: gc, Store: st, History: hist, Engines: engines.New(store.New(db), 0),
			Tenant: tenant, Holder: name, LeaseTTL: time.Minute, Workers: 3})
		dbs = append(dbs, db)
	}
	// Two passes each, started together, so passes overlap in every order.
	reports := make([][]audit.Report, 2)
	var wg sync.WaitGroup
	for i, a := range auditors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for pass := 0; pass < 2; pass++ {
				rep, err := a.RunOnce(ctx)
				assert.NoError(t, err)
				reports[i] = append(reports[i], rep)
			}
		}()
	}
	wg.Wait()

	synced := map[string]int{}
	for i := range auditors {
		for _, rep := range reports[i] {
			for _, m := range rep.Mailboxes {
				assert.Contains(t, []string{audit.MailboxOK, audit.MailboxLeased}, m.Status, m.Mailbox)
				if m.Status == audit.MailboxOK && m.Messages > 0 {
					synced[auditors[i].Holder] += m.Messages
				}
			}
		}
	}
	assert.Len(t, synced, 2, "both replicas did work: %v", synced)
	assert.Equal(t, len(ids), synced["replica-a"]+synced["replica-b"], "every message audited by exactly one replica")

	st, _, err := audit.Open(ctx, dbs[0], testKey)
	require.NoError(t, err)
	assert.Equal(t, sorted(ids), ledgerIDs(t, st))

	// No mailbox was ever being read by both replicas at the same moment.
	type span struct{ start, end time.Time }
	by := map[string]map[string][]span{}
	for _, a := range g.Accesses() {
		if by[a.Mailbox] == nil {
			by[a.Mailbox] = map[string][]span{}
		}
		by[a.Mailbox][a.Token] = append(by[a.Mailbox][a.Token], span{a.Start, a.End})
	}
	for mb, tokens := range by {
		for _, x := range tokens["replica-a"] {
			for _, y := range tokens["replica-b"] {
				overlap := x.start.Before(y.end) && y.start.Before(x.end)
				assert.False(t, overlap, "%s was read by both replicas at once", mb)
			}
		}
	}
	assert.Zero(t, g.Stats().ConcurrencyViolations)
}
