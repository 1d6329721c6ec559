package app_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/server/app"
	"github.com/sendguard/sendguard/server/auth/authtest"
	"github.com/sendguard/sendguard/server/store"
	"github.com/sendguard/sendguard/server/store/storetest"
)

// TestReplicasSharePostgres runs two replicas on one PostgreSQL schema,
// started at the same moment (their migrations take turns): a policy
// written through one is used by the other's checks within --policy-ttl,
// events from both land in one log, and of two edits from the same
// version on different replicas exactly one wins.
func TestReplicasSharePostgres(t *testing.T) {
	dbURL := storetest.URL(t, store.Postgres)
	iss := authtest.NewIssuer(t)
	ttl := func(m *app.Main) { m.Config.PolicyTTL = 100 * time.Millisecond }
	var one, two *service
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); one = startOn(t, dbURL, iss, ttl) }()
	go func() { defer wg.Done(); two = startOn(t, dbURL, iss, ttl) }()
	wg.Wait()
	require.NotNil(t, one)
	require.NotNil(t, two)
	admin := iss.User(t, authtest.TenantA, userA, true)

	r := do(t, "POST", two.URL+"/api/v1/check", admin, checkBody("Hi", "<p>hi</p>"))
	require.Equal(t, 200, r.Status)
	assert.Equal(t, "default", r.JSON(t)["policy"].(map[string]any)["id"])

	r = do(t, "PUT", one.URL+"/api/v1/policy", admin, policyJSON(t, "shared", "[secure]"), `If-Match: "0"`)
	require.Equal(t, 200, r.Status, "%s", r.Body)
	require.Eventually(t, func() bool {
		r := do(t, "POST", two.URL+"/api/v1/check", admin, checkBody("Hi", "<p>hi</p>"))
		return r.Status == 200 && r.JSON(t)["policy"].(map[string]any)["id"] == "shared"
	}, 5*time.Second, 50*time.Millisecond, "replica two picks up replica one's policy")

	statuses := make(chan int, 2)
	for _, s := range []*service{one, two} {
		go func() {
			statuses <- do(t, "PUT", s.URL+"/api/v1/policy", admin, policyJSON(t, "shared", "[edit]"), `If-Match: "1"`).Status
		}()
	}
	got := []int{<-statuses, <-statuses}
	assert.ElementsMatch(t, []int{200, 409}, got, "one edit wins, the other is told to reload")

	require.Equal(t, 201, do(t, "POST", one.URL+"/api/v1/events", admin, validEvent()).Status)
	require.Equal(t, 201, do(t, "POST", two.URL+"/api/v1/events", admin, validEvent()).Status)
	r = do(t, "GET", one.URL+"/api/v1/events", admin, nil)
	require.Equal(t, 200, r.Status)
	assert.Len(t, r.JSON(t)["events"], 2)
}
