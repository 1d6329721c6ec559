package history

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"time"

	"github.com/sendguard/sendguard/server/store"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Component is this package's name in schema_migrations.
const Component = "history"

// Migrations are the package's tables, for store.Migrate.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err)
	}
	return sub
}

// Store keeps recipient histories in the service's database.
type Store struct {
	db   *store.DB
	keys *Keys
}

// Open migrates the history tables and loads the keys: from secret when
// given (SENDGUARD_HISTORY_KEY), otherwise from the key row, created on
// first use. A stored key protects copies of the data that leave the
// database (exports, logs), not the database itself; production sets
// SENDGUARD_HISTORY_KEY from a secret store.
func Open(ctx context.Context, db *store.DB, secret []byte) (*Store, error) {
	if err := store.Migrate(ctx, db, Component, Migrations()); err != nil {
		return nil, err
	}
	if secret == nil {
		var err error
		if secret, err = storedKey(ctx, db); err != nil {
			return nil, err
		}
	}
	keys, err := NewKeys(secret)
	if err != nil {
		return nil, err
	}
	return &Store{db: db, keys: keys}, nil
}

func storedKey(ctx context.Context, db *store.DB) ([]byte, error) {
	fresh := make([]byte, KeySize)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	if _, err := db.Exec(ctx, "INSERT INTO recipient_history_key (id, key) VALUES (1, ?) ON CONFLICT DO NOTHING", fresh); err != nil {
		return nil, fmt.Errorf("history key: %w", err)
	}
	var key []byte
	if err := db.QueryRow(ctx, "SELECT key FROM recipient_history_key WHERE id = 1").Scan(&key); err != nil {
		return nil, fmt.Errorf("history key: %w", err)
	}
	return key, nil
}

// Keys are the store's hashing keys (the auditor hashes finding
// recipients with them).
func (s *Store) Keys() *Keys { return s.keys }

func (s *Store) aad(tenant, senderHash string) string { return tenant + "\x00" + senderHash }

// Load reads a sender's whole history.
func (s *Store) Load(ctx context.Context, tenant, sender string) (*Book, error) {
	sa, ok := Normalize(sender)
	if !ok {
		return nil, fmt.Errorf("history: sender is not an email address")
	}
	sh := s.keys.Hash(sa)
	rows, err := s.db.Query(ctx, "SELECT recipient, sealed, sent_count, last_sent FROM recipient_history WHERE tenant_id = ? AND sender = ?", tenant, sh)
	if err != nil {
		return nil, fmt.Errorf("history: load: %w", err)
	}
	defer rows.Close()
	b := NewBook(tenant, sa)
	aad := s.aad(tenant, sh)
	for rows.Next() {
		var hash string
		var sealed []byte
		var n, last int64
		if err := rows.Scan(&hash, &sealed, &n, &last); err != nil {
			return nil, fmt.Errorf("history: load: %w", err)
		}
		a, err := s.keys.open(sealed, aad)
		if err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		b.entries[a] = &Entry{Address: a, Count: n, Last: time.UnixMilli(last).UTC(), hash: hash, stored: true}
	}
	return b, rows.Err()
}

// Save writes the book's changed entries inside tx, so they commit with
// the findings of the messages that changed them.
func (s *Store) Save(ctx context.Context, tx *store.Tx, b *Book) error {
	if len(b.dirty) == 0 {
		return nil
	}
	sh := s.keys.Hash(b.Sender)
	aad := s.aad(b.Tenant, sh)
	addrs := make([]string, 0, len(b.dirty))
	for a := range b.dirty {
		addrs = append(addrs, a)
	}
	// A stable order keeps PostgreSQL's row locks in one order across
	// replicas.
	sort.Strings(addrs)
	rebind := (&store.DB{Dialect: tx.Dialect()}).Rebind
	var insert, update *sql.Stmt
	defer func() {
		for _, st := range []*sql.Stmt{insert, update} {
			if st != nil {
				st.Close()
			}
		}
	}()
	for _, a := range addrs {
		e := b.entries[a]
		if e.hash == "" {
			e.hash = s.keys.Hash(a)
		}
		var err error
		if e.stored {
			if update == nil {
				if update, err = tx.Tx.PrepareContext(ctx, rebind(`UPDATE recipient_history SET sent_count = ?, last_sent = ?
					WHERE tenant_id = ? AND sender = ? AND recipient = ?`)); err != nil {
					return fmt.Errorf("history: save: %w", err)
				}
			}
			_, err = update.ExecContext(ctx, e.Count, e.Last.UnixMilli(), b.Tenant, sh, e.hash)
		} else {
			// Only a new row needs the sealed address. The upsert still
			// covers a row another writer added since this book was loaded.
			if insert == nil {
				if insert, err = tx.Tx.PrepareContext(ctx, rebind(`INSERT INTO recipient_history (tenant_id, sender, recipient, sealed, sent_count, last_sent)
					VALUES (?, ?, ?, ?, ?, ?)
					ON CONFLICT (tenant_id, sender, recipient) DO UPDATE SET sent_count = excluded.sent_count, last_sent = excluded.last_sent`)); err != nil {
					return fmt.Errorf("history: save: %w", err)
				}
			}
			_, err = insert.ExecContext(ctx, b.Tenant, sh, e.hash, s.keys.seal(a, aad), e.Count, e.Last.UnixMilli())
		}
		if err != nil {
			return fmt.Errorf("history: save: %w", err)
		}
	}
	return nil
}

// Saved clears the book's changes once the transaction committed.
func (b *Book) Saved() {
	for a := range b.dirty {
		b.entries[a].stored = true
	}
	clear(b.dirty)
}
