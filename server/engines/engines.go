// Package engines keeps one compiled engine per tenant: the tenant's
// newest stored policy, or the built-in default when it has none.
// Compiling a policy is far dearer than a check, so a tenant's engine is
// compiled once per policy version and shared by every request; the
// version is re-read from the store at most once per TTL, so replicas on
// one PostgreSQL database pick up each other's policy changes within it.
// It relies on a tenant's version numbers only ever growing (the store
// keeps every version and never reuses a number). It depends on the engine
// and the domain's PolicyStore only, never on a store or HTTP adapter.
package engines

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sendguard/sendguard/engine"
	"github.com/sendguard/sendguard/server/domain"
)

// DefaultTTL is how long a tenant's engine is used before its policy
// version is checked again.
const DefaultTTL = 2 * time.Second

// Cache maps tenants to compiled engines. It is safe for concurrent use.
type Cache struct {
	store domain.PolicyStore
	ttl   time.Duration

	defOnce sync.Once
	def     *engine.Engine
	defErr  error

	tenants sync.Map // tenant -> *entry
}

type entry struct {
	mu      sync.Mutex // held while refreshing
	eng     atomic.Pointer[engine.Engine]
	version atomic.Int64
	checked atomic.Int64 // UnixNano of the last version check
}

// New returns a cache over store. ttl <= 0 means DefaultTTL.
func New(store domain.PolicyStore, ttl time.Duration) *Cache {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	return &Cache{store: store, ttl: ttl}
}

// Default is the engine compiled from engine.DefaultPolicy.
func (c *Cache) Default() (*engine.Engine, error) {
	c.defOnce.Do(func() { c.def, c.defErr = engine.New(engine.DefaultPolicy()) })
	return c.def, c.defErr
}

// For returns the tenant's engine.
func (c *Cache) For(ctx context.Context, tenant string) (*engine.Engine, error) {
	v, ok := c.tenants.Load(tenant)
	if !ok {
		v, _ = c.tenants.LoadOrStore(tenant, &entry{})
	}
	e := v.(*entry)
	now := time.Now().UnixNano()
	if eng := e.eng.Load(); eng != nil && now-e.checked.Load() < int64(c.ttl) {
		return eng, nil
	}
	return c.refresh(ctx, tenant, e)
}

// Invalidate makes the next For re-read the tenant's policy (after a PUT
// on this replica).
func (c *Cache) Invalidate(tenant string) {
	if v, ok := c.tenants.Load(tenant); ok {
		v.(*entry).checked.Store(0)
	}
}

func (c *Cache) refresh(ctx context.Context, tenant string, e *entry) (*engine.Engine, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if eng := e.eng.Load(); eng != nil && time.Now().UnixNano()-e.checked.Load() < int64(c.ttl) {
		return eng, nil // another request refreshed it while we waited
	}
	ver, err := c.store.CurrentPolicyVersion(ctx, tenant)
	if err != nil {
		// A store outage should not stop checks: keep the engine we have.
		if eng := e.eng.Load(); eng != nil {
			return eng, nil
		}
		return nil, err
	}
	if eng := e.eng.Load(); eng != nil && ver == e.version.Load() {
		e.checked.Store(time.Now().UnixNano())
		return eng, nil
	}
	var eng *engine.Engine
	if ver == 0 {
		eng, err = c.Default()
	} else {
		var sp domain.StoredPolicy
		sp, err = c.store.PolicyVersion(ctx, tenant, ver)
		if err == nil {
			eng, err = engine.New(sp.Policy)
		}
	}
	if err != nil {
		return nil, err
	}
	e.eng.Store(eng)
	e.version.Store(ver)
	e.checked.Store(time.Now().UnixNano())
	return eng, nil
}
