package engines_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/engine"
	"github.com/sendguard/sendguard/server/domain"
	"github.com/sendguard/sendguard/server/engines"
	"github.com/sendguard/sendguard/server/store"
	"github.com/sendguard/sendguard/server/store/storetest"
)

func TestCache(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		st := store.New(db)
		c := engines.New(st, 50*time.Millisecond)
		other := engines.New(st, time.Hour) // another replica, long TTL
		by := domain.Principal{ObjectID: "admin"}

		def, err := c.For(ctx, "t1")
		require.NoError(t, err)
		assert.Equal(t, "default", def.Policy().ID)
		again, err := c.For(ctx, "t1")
		require.NoError(t, err)
		assert.Same(t, def, again, "compiled once, then shared")
		d2, err := c.For(ctx, "t2")
		require.NoError(t, err)
		assert.Same(t, def, d2, "tenants without a policy share the default engine")
		_, err = other.For(ctx, "t1")
		require.NoError(t, err)

		p := engine.DefaultPolicy()
		p.ID = "trust-1"
		_, err = st.PutPolicy(ctx, "t1", p, by, -1)
		require.NoError(t, err)
		c.Invalidate("t1")
		e, err := c.For(ctx, "t1")
		require.NoError(t, err)
		assert.Equal(t, "trust-1", e.Policy().ID, "invalidated at once on this replica")
		assert.Equal(t, "1", e.Policy().Version)

		stale, err := other.For(ctx, "t1")
		require.NoError(t, err)
		assert.Equal(t, "default", stale.Policy().ID, "another replica keeps its engine until its TTL")
		other.Invalidate("t1")
		fresh, err := other.For(ctx, "t1")
		require.NoError(t, err)
		assert.Equal(t, "trust-1", fresh.Policy().ID)

		p.ID = "trust-2"
		_, err = st.PutPolicy(ctx, "t1", p, by, -1)
		require.NoError(t, err)
		require.Eventually(t, func() bool {
			e, err := c.For(ctx, "t1")
			return err == nil && e.Policy().ID == "trust-2"
		}, 5*time.Second, 20*time.Millisecond, "the TTL picks up another replica's write")

		d3, err := c.For(ctx, "t2")
		require.NoError(t, err)
		assert.Same(t, def, d3, "other tenants are unaffected")
	})
}

func TestStoreOutageKeepsTheEngine(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	st := store.New(db)
	c := engines.New(st, time.Millisecond)
	ctx := context.Background()
	e, err := c.For(ctx, "t1")
	require.NoError(t, err)
	require.NoError(t, db.Close())
	time.Sleep(5 * time.Millisecond)
	got, err := c.For(ctx, "t1")
	require.NoError(t, err, "checks go on with the last good engine")
	assert.Same(t, e, got)
	_, err = c.For(ctx, "t-new")
	assert.Error(t, err, "a tenant never loaded cannot be served from a dead store")
}
