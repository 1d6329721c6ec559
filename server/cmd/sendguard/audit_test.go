package main

import (
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/server/graphtest"
)

func TestAuditFindingsBreachesVerbs(t *testing.T) {
	g := graphtest.New(graphtest.WithToken("cli-token"))
	require.NoError(t, g.Start("127.0.0.1:0"))
	defer g.Close()
	g.LoadClinical(graphtest.Clinical("trust.nhs.net", 3, 20, time.Now()))
	g.Forbid("user03@trust.nhs.net")
	db := filepath.Join(t.TempDir(), "audit.db")
	t.Setenv("SENDGUARD_GRAPH_BASE_URL", g.URL())
	t.Setenv("SENDGUARD_GRAPH_TOKEN", "cli-token")
	t.Setenv("SENDGUARD_HISTORY_KEY", strings.Repeat("ab", 32))
	t.Setenv("SENDGUARD_DATABASE_URL", db)

	t.Run("audit", func(t *testing.T) {
		t.Setenv("SENDGUARD_MAILBOXES", "user01@trust.nhs.net,user02@trust.nhs.net,user03@trust.nhs.net")
		code, out, errOut := sendguard(t, nil, "audit", "--once")
		assert.Equal(t, 1, code, "a refused mailbox makes the pass fail: %s", errOut)
		assert.Regexp(t, `user03@trust.nhs.net\s+forbidden`, out)
		assert.Regexp(t, `user01@trust.nhs.net\s+ok\s+20 messages`, out)
		assert.Contains(t, out, "audited 3 mailboxes")
		code, out, _ = sendguard(t, nil, "audit", "--once", "--json", "--mailboxes", "user01@trust.nhs.net")
		assert.Equal(t, 0, code)
		var rep struct{ Messages, Failed int }
		require.NoError(t, json.Unmarshal([]byte(out), &rep))
		assert.Zero(t, rep.Messages, "already audited")
	})
	t.Run("audit without credentials", func(t *testing.T) {
		t.Setenv("SENDGUARD_GRAPH_TOKEN", "")
		code, _, errOut := sendguard(t, nil, "audit", "--once")
		assert.Equal(t, exitUsage, code)
		assert.Contains(t, errOut, "SENDGUARD_GRAPH_TOKEN")
	})
	t.Run("findings", func(t *testing.T) {
		code, out, _ := sendguard(t, nil, "findings", "--json")
		require.Equal(t, 0, code)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		require.NotEmpty(t, lines)
		for _, l := range lines {
			var f map[string]any
			require.NoError(t, json.Unmarshal([]byte(l), &f), "JSON Lines")
			assert.NotContains(t, l, "Your results", "no subjects")
		}
		code, out, _ = sendguard(t, nil, "findings", "--csv", "--rule", "bulk-visible-recipients", "--since", "1h")
		require.Equal(t, 0, code)
		recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		require.NoError(t, err)
		require.Greater(t, len(recs), 1)
		for _, r := range recs[1:] {
			assert.Equal(t, "bulk-visible-recipients", r[4])
		}
		code, out, _ = sendguard(t, nil, "findings", "--mailbox", "user02@trust.nhs.net", "--action", "block")
		require.Equal(t, 0, code)
		assert.NotContains(t, out, "user01@")
		assert.Regexp(t, `\d+ findings`, out)
		code, _, errOut := sendguard(t, nil, "findings", "--since", "last tuesday")
		assert.Equal(t, exitUsage, code)
		assert.Contains(t, errOut, "--since")
	})
	t.Run("breaches", func(t *testing.T) {
		code, out, _ := sendguard(t, nil, "breaches")
		require.Equal(t, 0, code)
		assert.Contains(t, out, "72h")
		id := regexp.MustCompile(`#(\d+)`).FindStringSubmatch(out)[1]
		code, _, errOut := sendguard(t, nil, "breaches", "update", id, "--status", "closed", "--actor", "dpo")
		assert.Equal(t, exitUsage, code)
		assert.Contains(t, errOut, "cannot become closed")
		code, out, _ = sendguard(t, nil, "breaches", "update", id, "--status", "assessed", "--reason", "patient consented to email", "--actor", "dpo")
		require.Equal(t, 0, code)
		assert.Contains(t, out, "is now assessed")
		code, out, _ = sendguard(t, nil, "breaches", "show", id)
		require.Equal(t, 0, code)
		assert.Contains(t, out, `"reason": "patient consented to email"`)
		code, out, _ = sendguard(t, nil, "breaches", "--csv", "--status", "assessed")
		require.Equal(t, 0, code)
		assert.Equal(t, 2, strings.Count(out, "\n"), "header and one record")
		code, _, _ = sendguard(t, nil, "breaches", "update", "x")
		assert.Equal(t, exitUsage, code)
	})
}

func TestDemo(t *testing.T) {
	t.Chdir(t.TempDir())
	code, out, errOut := sendguard(t, nil, "demo", "--mailboxes", "3", "--messages", "20")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "3 mailboxes, 60 messages")
	assert.Regexp(t, `insecure-recipient\s+\d+`, out)
	assert.Regexp(t, `bulk-visible-recipients\s+\d+`, out)
	assert.Contains(t, out, "breach register")
	code, out, _ = sendguard(t, nil, "findings", "--database-url", demoDB, "--audit-tenant", "dev")
	require.Equal(t, 0, code)
	assert.Regexp(t, `[1-9]\d* findings`, out)
	code, _, _ = sendguard(t, nil, "demo", "extra")
	assert.Equal(t, exitUsage, code)
}
