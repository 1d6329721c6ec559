package audit_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"syscall"
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

// The crash test runs the auditor in a child process (this test binary,
// re-executed) so it can be killed with SIGKILL mid-sync.
const childEnv = "SENDGUARD_AUDIT_CRASH_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(runChild())
	}
	os.Exit(m.Run())
}

func runChild() int {
	ctx := context.Background()
	db, err := store.Open(ctx, os.Getenv("CHILD_DB"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer db.Close()
	if err := store.MigrateCore(ctx, db); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	st, hist, err := audit.Open(ctx, db, testKey)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	gc, err := graph.New(graph.Config{BaseURL: os.Getenv("CHILD_GRAPH"), Token: "child", PageSize: 5})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	a := &audit.Auditor{Graph: gc, Store: st, History: hist, Engines: engines.New(store.New(db), 0), Tenant: tenant,
		LeaseTTL: time.Second, Workers: 2}
	rep, err := a.RunOnce(ctx)
	if err != nil || rep.Failed > 0 {
		fmt.Fprintln(os.Stderr, "child:", err, rep)
		return 1
	}
	return 0
}

type outcome struct {
	ledger   []string
	findings []string
	breaches []string
	history  map[string]int64
}

func collect(t *testing.T, db *store.DB, mailboxes []string) outcome {
	t.Helper()
	ctx := context.Background()
	st, hist, err := audit.Open(ctx, db, testKey)
	require.NoError(t, err)
	var o outcome
	o.ledger = ledgerIDs(t, st)
	fs, _, err := st.Findings(ctx, tenant, audit.FindingFilter{Limit: -1})
	require.NoError(t, err)
	for _, f := range fs {
		o.findings = append(o.findings, f.GraphID+" "+f.Rule+" "+f.Severity)
	}
	sort.Strings(o.findings)
	bs, _, err := st.Breaches(ctx, tenant, audit.BreachFilter{Limit: -1})
	require.NoError(t, err)
	for _, b := range bs {
		o.breaches = append(o.breaches, fmt.Sprintf("%s %s %d", b.GraphID, b.Rule, b.Affected))
	}
	sort.Strings(o.breaches)
	o.history = map[string]int64{}
	for _, m := range mailboxes {
		book, err := hist.Load(ctx, tenant, m)
		require.NoError(t, err)
		for _, a := range book.Known() {
			e, _ := book.Get(a)
			o.history[m+" "+a] = e.Count
		}
	}
	return o
}

func TestKill9MidSyncLosesAndDuplicatesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test runs child processes; make test runs it")
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			g := graphtest.New(graphtest.WithLatency(15 * time.Millisecond))
			require.NoError(t, g.Start("127.0.0.1:0"))
			defer g.Close()
			msgs := graphtest.Clinical("trust.nhs.net", 4, 50, time.Now())
			ids := g.LoadClinical(msgs)
			mailboxes := g.Mailboxes()

			// The expected outcome: one uninterrupted run on a fresh database.
			clean := storetest.Open(t, d)
			r := &rig{db: clean, graph: g}
			r.store, r.history, err = audit.Open(context.Background(), clean, testKey)
			require.NoError(t, err)
			_, err = r.auditor(t, "clean", "clean", func(c *graph.Config) { c.PageSize = 5 }).RunOnce(context.Background())
			require.NoError(t, err)
			want := collect(t, clean, mailboxes)
			require.Equal(t, sorted(ids), want.ledger)
			require.NotEmpty(t, want.findings)
			require.NotEmpty(t, want.breaches)

			dbURL := storetest.URL(t, d)
			db, err := store.Open(context.Background(), dbURL)
			require.NoError(t, err)
			defer db.Close()
			count := func() int {
				var n int
				if err := db.QueryRow(context.Background(), "SELECT COUNT(*) FROM audit_messages").Scan(&n); err != nil {
					return 0 // not migrated yet
				}
				return n
			}
			child := func() *exec.Cmd {
				cmd := exec.Command(exe, "-test.run=^$")
				cmd.Env = append(os.Environ(), childEnv+"=1", "CHILD_DB="+dbURL, "CHILD_GRAPH="+g.URL())
				cmd.Stderr = os.Stderr
				require.NoError(t, cmd.Start())
				return cmd
			}
			kills := 0
			for cycle := 0; cycle < 3; cycle++ {
				before := count()
				cmd := child()
				// Let it commit some pages, then kill it without warning.
				deadline := time.Now().Add(20 * time.Second)
				for count() < before+10+cycle*7 && time.Now().Before(deadline) {
					time.Sleep(5 * time.Millisecond)
				}
				time.Sleep(time.Duration(cycle*13) * time.Millisecond)
				require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
				err := cmd.Wait()
				if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
					kills++
				} else {
					t.Logf("child finished before the kill: %v", err)
				}
				after := count()
				t.Logf("cycle %d: ledger %d -> %d of %d", cycle, before, after, len(ids))
				// The dead child's leases expire after a second.
				time.Sleep(1100 * time.Millisecond)
			}
			require.Positive(t, kills, "at least one child was killed mid-sync")
			require.Less(t, count(), len(ids), "the kills interrupted the sync")

			cmd := child()
			require.NoError(t, cmd.Wait(), "the restarted auditor completes")
			got := collect(t, db, mailboxes)
			assert.Equal(t, want.ledger, got.ledger, "no message lost or duplicated")
			assert.Equal(t, want.findings, got.findings)
			assert.Equal(t, want.breaches, got.breaches)
			assert.Equal(t, want.history, got.history, "history counted each message once")
			assert.Zero(t, g.Stats().ConcurrencyViolations)
		})
	}
}
