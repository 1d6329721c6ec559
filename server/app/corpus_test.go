package app_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/server/app"
	"github.com/sendguard/sendguard/server/store"
)

// TestCorpusOverHTTP runs every golden case of engine/testdata/cases
// through the real service (POST /api/v1/check) and compares the answer
// byte for byte with the case's golden verdict. Cases with their own
// policy store it first with PUT /api/v1/policy, as a tenant admin would,
// after every default-policy case has run (versions only grow, so there is
// no going back to the default); the verdict then names the stored
// version ("N") where the golden file has the content hash, so only that
// field is normalised.
func TestCorpusOverHTTP(t *testing.T) {
	paths, err := filepath.Glob("../../engine/testdata/cases/*.json")
	require.NoError(t, err)
	s := start(t, store.SQLite, func(m *app.Main) { m.Config.Dev = true })
	type loaded struct {
		Policy  json.RawMessage `json:"policy"`
		Request json.RawMessage `json:"request"`
	}
	var defaults, custom []string
	for _, p := range paths {
		if strings.HasSuffix(p, ".verdict.json") {
			continue
		}
		raw, err := os.ReadFile(p)
		require.NoError(t, err)
		var c loaded
		require.NoError(t, json.Unmarshal(raw, &c), p)
		if len(c.Policy) > 0 {
			custom = append(custom, p)
		} else {
			defaults = append(defaults, p)
		}
	}
	n := 0
	for _, p := range append(defaults, custom...) {
		name := strings.TrimSuffix(filepath.Base(p), ".json")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(p)
			require.NoError(t, err)
			var c loaded
			require.NoError(t, json.Unmarshal(raw, &c))
			golden, err := os.ReadFile(strings.TrimSuffix(p, ".json") + ".verdict.json")
			require.NoError(t, err)
			policy := c.Policy
			if len(policy) > 0 {
				r := do(t, "PUT", s.URL+"/api/v1/policy", "", []byte(policy))
				require.Equal(t, 200, r.Status, "%s", r.Body)
			}
			r := do(t, "POST", s.URL+"/api/v1/check", "", []byte(c.Request))
			require.Equal(t, 200, r.Status, "%s", r.Body)
			got, want := r.Body, bytes.TrimSpace(golden)
			if len(policy) > 0 {
				got, want = withoutPolicyVersion(t, got), withoutPolicyVersion(t, want)
			}
			assert.Equal(t, string(want), string(got))
		})
		n++
	}
	require.GreaterOrEqual(t, n, 60, "the corpus is shared by every runner")
}

func withoutPolicyVersion(t *testing.T, b []byte) []byte {
	var v map[string]any
	require.NoError(t, json.Unmarshal(b, &v))
	if p, ok := v["policy"].(map[string]any); ok {
		p["version"] = "normalised"
	}
	out, err := json.Marshal(v) // both sides re-encoded the same way
	require.NoError(t, err)
	return out
}
