// Package store is the service's SQL adapter: one implementation of the
// domain's stores over database/sql with two dialects, SQLite (the
// embedded default, pure-Go modernc.org/sqlite in WAL mode) and
// PostgreSQL (pgx, for several replicas). It also runs embedded
// migrations per component, so other server packages (the Graph auditor)
// own their tables without editing this one.
//
// It must not import the HTTP layer or gin: it is used by CLI verbs too.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Dialect names a SQL dialect.
type Dialect string

// The dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DefaultSQLiteFile is the database used when no URL is given: a file in
// the working directory, so a new user's first run needs no setup.
const DefaultSQLiteFile = "sendguard.db"

// DB is an open database and its dialect. Use Rebind to write one query
// for both dialects with ? placeholders.
type DB struct {
	// SQL is the connection pool.
	SQL *sql.DB
	// Dialect says which SQL to speak.
	Dialect Dialect
}

// Open opens a database URL: "" (DefaultSQLiteFile), a file path,
// "sqlite:PATH" or "file:PATH" for SQLite, "postgres://" or
// "postgresql://" for PostgreSQL. It pings before returning.
func Open(ctx context.Context, rawURL string) (*DB, error) {
	d, driver, dsn, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	sdb, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", d, err)
	}
	if d == SQLite {
		// One writer at a time is SQLite's model; busy_timeout and
		// immediate transactions make writers queue instead of failing.
		sdb.SetMaxOpenConns(8)
	} else {
		sdb.SetMaxOpenConns(20)
		sdb.SetConnMaxIdleTime(5 * time.Minute)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sdb.PingContext(pctx); err != nil {
		_ = sdb.Close()
		return nil, fmt.Errorf("connect to %s database: %w", d, redact(err, rawURL))
	}
	return &DB{SQL: sdb, Dialect: d}, nil
}

// parseURL picks the dialect and driver DSN.
func parseURL(raw string) (Dialect, string, string, error) {
	switch {
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		if _, err := url.Parse(raw); err != nil {
			return "", "", "", errors.New("database URL is not a valid postgres:// URL")
		}
		return Postgres, "pgx", raw, nil
	case strings.Contains(raw, "://"):
		scheme, _, _ := strings.Cut(raw, "://")
		return "", "", "", fmt.Errorf("database URL scheme %q is not supported (use a SQLite file path or postgres://)", scheme)
	}
	path := raw
	path = strings.TrimPrefix(path, "sqlite:")
	path = strings.TrimPrefix(path, "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if path == "" {
		path = DefaultSQLiteFile
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Set("_txlock", "immediate")
	// SQLite reads "file:" names as URIs: escape what a URI would
	// otherwise treat as a query, a fragment or an escape.
	uriPath := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.ToSlash(path))
	return SQLite, "sqlite", "file:" + uriPath + "?" + q.Encode(), nil
}

// redact keeps a password in the URL out of error messages.
func redact(err error, rawURL string) error {
	u, perr := url.Parse(rawURL)
	if perr != nil || u.User == nil {
		return err
	}
	if p, ok := u.User.Password(); ok && p != "" {
		return errors.New(strings.ReplaceAll(err.Error(), p, "xxxxx"))
	}
	return err
}

// Close closes the pool.
func (db *DB) Close() error { return db.SQL.Close() }

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.SQL.PingContext(ctx) }

// Rebind rewrites ? placeholders to $1, $2... for PostgreSQL. Queries
// must not contain a literal question mark.
func (db *DB) Rebind(q string) string {
	if db.Dialect != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// Exec runs a statement written with ? placeholders.
func (db *DB) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return db.SQL.ExecContext(ctx, db.Rebind(q), args...)
}

// Query runs a query written with ? placeholders.
func (db *DB) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return db.SQL.QueryContext(ctx, db.Rebind(q), args...)
}

// QueryRow runs a one-row query written with ? placeholders.
func (db *DB) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return db.SQL.QueryRowContext(ctx, db.Rebind(q), args...)
}

// Tx runs fn in one transaction: committed when fn returns nil, rolled
// back otherwise, so nothing is ever half-written. On SQLite the
// transaction takes the write lock at BEGIN (immediate), which avoids
// lock-upgrade deadlocks between concurrent writers.
func (db *DB) Tx(ctx context.Context, fn func(tx *Tx) error) error {
	stx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	tx := &Tx{Tx: stx, db: db}
	if err := fn(tx); err != nil {
		_ = stx.Rollback()
		return err
	}
	return stx.Commit()
}

// Tx is a transaction that speaks ? placeholders.
type Tx struct {
	// Tx is the underlying transaction.
	Tx *sql.Tx
	db *DB
}

// Dialect is the transaction's dialect.
func (tx *Tx) Dialect() Dialect { return tx.db.Dialect }

// Exec runs a statement written with ? placeholders.
func (tx *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return tx.Tx.ExecContext(ctx, tx.db.Rebind(q), args...)
}

// Query runs a query written with ? placeholders.
func (tx *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return tx.Tx.QueryContext(ctx, tx.db.Rebind(q), args...)
}

// QueryRow runs a one-row query written with ? placeholders.
func (tx *Tx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return tx.Tx.QueryRowContext(ctx, tx.db.Rebind(q), args...)
}

// LockTenant serialises writers of one tenant's rows for the rest of the
// transaction. SQLite's immediate transactions already hold the database
// write lock; PostgreSQL takes a transaction-scoped advisory lock, so
// replicas sharing the database queue instead of racing.
func (tx *Tx) LockTenant(ctx context.Context, scope, tenant string) error {
	if tx.db.Dialect != Postgres {
		return nil
	}
	_, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext(?))", scope+"/"+tenant)
	return err
}
