// Package storetest opens real, throwaway databases for tests of any
// server package: a temp SQLite file, and a fresh PostgreSQL schema from
// SENDGUARD_TEST_POSTGRES_URL that is dropped afterwards, so packages
// testing in parallel never see each other's rows.
//
// Without SENDGUARD_TEST_POSTGRES_URL the PostgreSQL half is skipped
// locally, and fails when SENDGUARD_REQUIRE_POSTGRES=1 (CI sets it).
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/server/store"
)

// PostgresURLEnv names the PostgreSQL server tests use.
const PostgresURLEnv = "SENDGUARD_TEST_POSTGRES_URL"

// RequirePostgresEnv, when "1", turns a missing PostgreSQL into a failure.
const RequirePostgresEnv = "SENDGUARD_REQUIRE_POSTGRES"

// Dialects are the dialects every store test runs against.
var Dialects = []store.Dialect{store.SQLite, store.Postgres}

// Each runs fn once per dialect as a subtest, with a fresh, migrated
// (core tables) database.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(string(d), func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// URL returns a database URL for a fresh database of the dialect, dropped
// when the test ends: a SQLite file in t.TempDir(), or a PostgreSQL URL
// whose search_path is a new schema.
func URL(t testing.TB, d store.Dialect) string {
	t.Helper()
	switch d {
	case store.SQLite:
		return filepath.Join(t.TempDir(), "sendguard.db")
	case store.Postgres:
		base := os.Getenv(PostgresURLEnv)
		if base == "" {
			if os.Getenv(RequirePostgresEnv) == "1" {
				t.Fatalf("%s is not set but %s=1: PostgreSQL tests must run (make test starts a server)", PostgresURLEnv, RequirePostgresEnv)
			}
			t.Skipf("%s is not set; run make test to start PostgreSQL", PostgresURLEnv)
		}
		schema := "test_" + randomHex(t, 8)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin, err := store.Open(ctx, base)
		require.NoError(t, err, "connect to %s", PostgresURLEnv)
		_, err = admin.Exec(ctx, "CREATE SCHEMA "+schema)
		require.NoError(t, err)
		require.NoError(t, admin.Close())
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if admin, err := store.Open(ctx, base); err == nil {
				_, _ = admin.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
				_ = admin.Close()
			}
		})
		u, err := url.Parse(base)
		require.NoError(t, err)
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	t.Fatalf("unknown dialect %q", d)
	return ""
}

// Open opens a fresh database of the dialect with the core migrations
// applied, closed when the test ends.
func Open(t testing.TB, d store.Dialect) *store.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := store.Open(ctx, URL(t, d))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, store.MigrateCore(ctx, db))
	return db
}

// Schema returns the PostgreSQL schema of a URL made by URL, "" for SQLite.
func Schema(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		return ""
	}
	return u.Query().Get("search_path")
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}
