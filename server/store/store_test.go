package store_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/engine"
	"github.com/sendguard/sendguard/engine/apierr"
	"github.com/sendguard/sendguard/server/domain"
	"github.com/sendguard/sendguard/server/store"
	"github.com/sendguard/sendguard/server/store/storetest"
)

func code(err error) string {
	var ae *apierr.Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}

var admin = domain.Principal{TenantID: "t-a", ObjectID: "oid-admin", UPN: "admin@a.example", Admin: true}

// TestPolicies runs the same policy tests against SQLite and PostgreSQL.
func TestPolicies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.New(db)

		t.Run("no policy is not found and version 0", func(t *testing.T) {
			_, err := s.CurrentPolicy(ctx, "t-a")
			assert.Equal(t, apierr.NotFound, code(err))
			v, err := s.CurrentPolicyVersion(ctx, "t-a")
			require.NoError(t, err)
			assert.Zero(t, v)
		})
		t.Run("each put bumps the version and keeps history", func(t *testing.T) {
			for i := 1; i <= 3; i++ {
				p := engine.Policy{ID: "trust", SubjectTag: "[secure-" + strconv.Itoa(i) + "]"}
				sp, err := s.PutPolicy(ctx, "t-a", p, admin, -1)
				require.NoError(t, err)
				assert.Equal(t, int64(i), sp.Version)
				assert.Equal(t, strconv.Itoa(i), sp.Policy.Version)
			}
			cur, err := s.CurrentPolicy(ctx, "t-a")
			require.NoError(t, err)
			assert.Equal(t, int64(3), cur.Version)
			assert.Equal(t, "[secure-3]", cur.Policy.SubjectTag)
			assert.Equal(t, "oid-admin", cur.CreatedBy.ObjectID)
			assert.Equal(t, "admin@a.example", cur.CreatedBy.UPN)
			assert.WithinDuration(t, time.Now(), cur.CreatedAt, time.Minute)

			old, err := s.PolicyVersion(ctx, "t-a", 1)
			require.NoError(t, err)
			assert.Equal(t, "[secure-1]", old.Policy.SubjectTag)
			_, err = s.PolicyVersion(ctx, "t-a", 9)
			assert.Equal(t, apierr.NotFound, code(err))

			hist, err := s.PolicyHistory(ctx, "t-a", 0)
			require.NoError(t, err)
			require.Len(t, hist, 3)
			assert.Equal(t, []int64{3, 2, 1}, []int64{hist[0].Version, hist[1].Version, hist[2].Version})
		})
		t.Run("if-match conflict", func(t *testing.T) {
			_, err := s.PutPolicy(ctx, "t-a", engine.Policy{ID: "trust"}, admin, 2)
			assert.Equal(t, apierr.Conflict, code(err))
			sp, err := s.PutPolicy(ctx, "t-a", engine.Policy{ID: "trust"}, admin, 3)
			require.NoError(t, err)
			assert.Equal(t, int64(4), sp.Version)
		})
		t.Run("tenants are isolated", func(t *testing.T) {
			_, err := s.CurrentPolicy(ctx, "t-b")
			assert.Equal(t, apierr.NotFound, code(err))
			_, err = s.PolicyVersion(ctx, "t-b", 1)
			assert.Equal(t, apierr.NotFound, code(err))
			sp, err := s.PutPolicy(ctx, "t-b", engine.Policy{ID: "b"}, domain.Principal{TenantID: "t-b", ObjectID: "x"}, 0)
			require.NoError(t, err)
			assert.Equal(t, int64(1), sp.Version)
			cur, err := s.CurrentPolicy(ctx, "t-a")
			require.NoError(t, err)
			assert.Equal(t, "trust", cur.Policy.ID)
		})
		t.Run("concurrent puts never lose or duplicate a version", func(t *testing.T) {
			const n = 8
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := s.PutPolicy(ctx, "t-c", engine.Policy{ID: "c"}, admin, -1)
					errs <- err
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}
			hist, err := s.PolicyHistory(ctx, "t-c", 0)
			require.NoError(t, err)
			require.Len(t, hist, n)
			assert.Equal(t, int64(n), hist[0].Version)
		})
	})
}

func event(tenant, user, action string, rules ...string) *domain.Event {
	return &domain.Event{
		TenantID: tenant, UserOID: user, UserUPN: user + "@example.org",
		Workload: "Outlook", Operation: "DlpRuleMatch", Action: action, Rules: rules,
		VerdictAction: engine.ActionWarn, Classification: engine.Amber,
		Policy:   engine.PolicyRef{ID: "default", Version: "1"},
		Evidence: []engine.Evidence{{Kind: "nhs-number", Field: "body", Masked: "*** *** 5919"}},
		Client:   domain.ClientInfo{Host: "Outlook", Platform: "OfficeOnline"},
	}
}

// TestEvents runs the same event tests against SQLite and PostgreSQL.
func TestEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.New(db)
		occurred := time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC)
		first := event("t-a", "u1", domain.EventSentAnyway, engine.RuleInsecureRecipient)
		first.Justification = "Patient asked for email"
		first.ExceptionReason = "Override"
		first.OccurredAt = &occurred
		first.MessageRef = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		require.NoError(t, s.AddEvent(ctx, first))
		require.NotZero(t, first.ID)
		for i := range 9 {
			user := "u" + strconv.Itoa(i%3+1)
			action := []string{domain.EventFixed, domain.EventCancelled, domain.EventFalsePositive}[i%3]
			require.NoError(t, s.AddEvent(ctx, event("t-a", user, action, engine.RuleBulkVisibleRecipients, engine.RuleNewRecipient)))
		}
		require.NoError(t, s.AddEvent(ctx, event("t-b", "u1", domain.EventSentAnyway, engine.RuleInsecureRecipient)))

		t.Run("round trip", func(t *testing.T) {
			got, _, err := s.Events(ctx, "t-a", domain.EventFilter{Action: domain.EventSentAnyway})
			require.NoError(t, err)
			require.Len(t, got, 1)
			g := got[0]
			assert.Equal(t, first.ID, g.ID)
			assert.Equal(t, "Patient asked for email", g.Justification)
			assert.Equal(t, "Override", g.ExceptionReason)
			assert.Equal(t, []string{engine.RuleInsecureRecipient}, g.Rules)
			assert.Equal(t, first.Evidence, g.Evidence)
			assert.Equal(t, first.MessageRef, g.MessageRef)
			assert.Equal(t, first.Client, g.Client)
			assert.Equal(t, first.Policy, g.Policy)
			require.NotNil(t, g.OccurredAt)
			assert.True(t, occurred.Equal(*g.OccurredAt))
			assert.WithinDuration(t, time.Now(), g.CreationTime, time.Minute)
		})
		tests := map[string]struct {
			filter domain.EventFilter
			want   int
		}{
			"all of the tenant":     {domain.EventFilter{}, 10},
			"by user oid":           {domain.EventFilter{User: "u1"}, 4},
			"by upn":                {domain.EventFilter{User: "u2@example.org"}, 3},
			"by rule":               {domain.EventFilter{Rule: engine.RuleNewRecipient}, 9},
			"by other rule":         {domain.EventFilter{Rule: engine.RuleInsecureRecipient}, 1},
			"by action":             {domain.EventFilter{Action: domain.EventFixed}, 3},
			"from the future":       {domain.EventFilter{From: time.Now().Add(time.Hour)}, 0},
			"until the future":      {domain.EventFilter{To: time.Now().Add(time.Hour)}, 10},
			"from the past to now":  {domain.EventFilter{From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour)}, 10},
			"combined":              {domain.EventFilter{User: "u1", Rule: engine.RuleNewRecipient, Action: domain.EventFixed}, 3},
			"rule of another event": {domain.EventFilter{Rule: engine.RuleMarketingOptOut}, 0},
		}
		for name, tc := range tests {
			t.Run(name, func(t *testing.T) {
				got, next, err := s.Events(ctx, "t-a", tc.filter)
				require.NoError(t, err)
				assert.Len(t, got, tc.want)
				assert.Zero(t, next)
				for _, e := range got {
					assert.Equal(t, "t-a", e.TenantID)
				}
			})
		}
		t.Run("paging visits every event once, newest first", func(t *testing.T) {
			var ids []int64
			var cursor int64
			for pages := 0; ; pages++ {
				require.Less(t, pages, 10)
				got, next, err := s.Events(ctx, "t-a", domain.EventFilter{Limit: 3, Before: cursor})
				require.NoError(t, err)
				for _, e := range got {
					ids = append(ids, e.ID)
				}
				if next == 0 {
					break
				}
				cursor = next
			}
			require.Len(t, ids, 10)
			for i := 1; i < len(ids); i++ {
				assert.Greater(t, ids[i-1], ids[i])
			}
		})
		t.Run("tenants are isolated", func(t *testing.T) {
			got, _, err := s.Events(ctx, "t-b", domain.EventFilter{})
			require.NoError(t, err)
			require.Len(t, got, 1)
			assert.Equal(t, "t-b", got[0].TenantID)
			got, _, err = s.Events(ctx, "t-c", domain.EventFilter{})
			require.NoError(t, err)
			assert.Empty(t, got)
		})
	})
}

// TestMigrate checks that migrations apply once, per component, in
// order, with dialect-specific files winning, and that a failing one
// leaves nothing behind.
func TestMigrate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		require.NoError(t, store.MigrateCore(ctx, db), "core migrations are idempotent")
		plugin := fstest.MapFS{
			"001_things.sql":        {Data: []byte("CREATE TABLE things (tenant_id TEXT NOT NULL, name TEXT NOT NULL);")},
			"002_more.sqlite.sql":   {Data: []byte("ALTER TABLE things ADD COLUMN dialect TEXT NOT NULL DEFAULT 'sqlite';")},
			"002_more.postgres.sql": {Data: []byte("ALTER TABLE things ADD COLUMN dialect TEXT NOT NULL DEFAULT 'postgres';")},
			"README.md":             {Data: []byte("not a migration")},
		}
		require.NoError(t, store.Migrate(ctx, db, "plugin", plugin))
		require.NoError(t, store.Migrate(ctx, db, "plugin", plugin), "second run applies nothing")
		_, err := db.Exec(ctx, "INSERT INTO things (tenant_id, name) VALUES (?, ?)", "t", "n")
		require.NoError(t, err)
		var dialect string
		require.NoError(t, db.QueryRow(ctx, "SELECT dialect FROM things").Scan(&dialect))
		assert.Equal(t, string(db.Dialect), dialect)

		broken := fstest.MapFS{
			"001_ok.sql":     {Data: []byte("CREATE TABLE good (tenant_id TEXT NOT NULL);")},
			"002_broken.sql": {Data: []byte("CREATE TABLE half (tenant_id TEXT NOT NULL); THIS IS NOT SQL;")},
		}
		require.Error(t, store.Migrate(ctx, db, "broken", broken))
		var n int
		require.NoError(t, db.QueryRow(ctx, "SELECT COUNT(*) FROM schema_migrations WHERE component = ?", "broken").Scan(&n))
		assert.Equal(t, 1, n, "only the good migration is recorded")
		_, err = db.Exec(ctx, "SELECT * FROM half")
		assert.Error(t, err, "the failed migration's first statement was rolled back")

		bad := fstest.MapFS{"x_nonumber.sql": {Data: []byte("SELECT 1;")}}
		assert.Error(t, store.Migrate(ctx, db, "bad", bad))
	})
}

func TestOpenURLs(t *testing.T) {
	ctx := context.Background()
	tests := map[string]struct {
		url     string
		dialect store.Dialect
		wantErr bool
	}{
		"path":          {url: t.TempDir() + "/a.db", dialect: store.SQLite},
		"sqlite: form":  {url: "sqlite:" + t.TempDir() + "/b.db", dialect: store.SQLite},
		"file: form":    {url: "file:" + t.TempDir() + "/c.db", dialect: store.SQLite},
		"odd path":      {url: t.TempDir() + "/we#ird?na%me.db", dialect: store.SQLite},
		"mysql refused": {url: "mysql://localhost/x", wantErr: true},
		"postgres down": {url: "postgres://nobody:secret@127.0.0.1:1/x?connect_timeout=2", wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			db, err := store.Open(ctx, tc.url)
			if tc.wantErr {
				require.Error(t, err)
				assert.NotContains(t, err.Error(), "secret", "the password is redacted")
				return
			}
			require.NoError(t, err)
			defer db.Close()
			assert.Equal(t, tc.dialect, db.Dialect)
			var mode string
			require.NoError(t, db.QueryRow(ctx, "PRAGMA journal_mode").Scan(&mode))
			assert.Equal(t, "wal", mode)
		})
	}
}
