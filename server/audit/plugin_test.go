package audit_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/server/app"
	"github.com/sendguard/sendguard/server/audit"
	"github.com/sendguard/sendguard/server/graphtest"
	"github.com/sendguard/sendguard/server/history"
)

// serve runs the scheduler in the background and serves findings,
// breaches and recipient history from what it audited.
func TestServeSchedulerAndRoutes(t *testing.T) {
	g := graphtest.New(graphtest.WithToken("serve-token"))
	require.NoError(t, g.Start("127.0.0.1:0"))
	defer g.Close()
	g.LoadClinical(graphtest.Clinical("trust.nhs.net", 2, 20, time.Now()))
	t.Setenv("SENDGUARD_GRAPH_TOKEN", "serve-token")
	t.Setenv("SENDGUARD_HISTORY_KEY", strings.Repeat("cd", 32))

	m := app.NewMain()
	m.Stderr = io.Discard
	m.Plugins = []app.Plugin{audit.Plugin()}
	require.NoError(t, m.ParseFlags([]string{"--dev", "--addr", "127.0.0.1:0", "--database-url", filepath.Join(t.TempDir(), "serve.db"),
		"--audit-interval", "300ms", "--graph-base-url", g.URL(), "--graph-page-size", "9"}, nil))
	require.NoError(t, m.Run(context.Background()))
	defer m.Close()

	getJSON := func(path string, v any) int {
		resp, err := http.Get(m.URL() + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
		return resp.StatusCode
	}
	var findings struct {
		Findings []audit.Finding `json:"findings"`
	}
	require.Eventually(t, func() bool {
		return getJSON("/api/v1/findings", &findings) == 200 && len(findings.Findings) > 0
	}, 20*time.Second, 100*time.Millisecond, "the scheduler audits within a few intervals")
	var boxes struct {
		Mailboxes []audit.MailboxStatus `json:"mailboxes"`
	}
	require.Eventually(t, func() bool {
		getJSON("/api/v1/audit/mailboxes", &boxes)
		return len(boxes.Mailboxes) == 2 && boxes.Mailboxes[0].Messages == 20 && boxes.Mailboxes[1].Messages == 20
	}, 20*time.Second, 100*time.Millisecond)

	resp, err := http.Post(m.URL()+"/api/v1/recipients", "application/json",
		strings.NewReader(`{"sender":"user01@trust.nhs.net","recipients":["an.other01@trust.nhs.net","am.other01@trust.nhs.net"]}`))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	var ans history.Answer
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&ans))
	assert.Contains(t, ans.Known, "an.other01@trust.nhs.net", "history built from Sent Items")
	assert.Contains(t, ans.Known, "am.other01@trust.nhs.net", "the slip was sent, so it is history too")
}

// serve --dev --demo audits a built-in test server: a new user sees
// findings and breaches with one command, and a restart (new test server
// port, stale delta links) resumes without duplicates.
func TestServeDemo(t *testing.T) {
	t.Setenv("SENDGUARD_GRAPH_TOKEN", "")
	dbPath := filepath.Join(t.TempDir(), "demo.db")
	for run := 0; run < 2; run++ {
		m := app.NewMain()
		m.Stderr = io.Discard
		m.Plugins = []app.Plugin{audit.Plugin()}
		require.NoError(t, m.ParseFlags([]string{"--dev", "--demo", "--addr", "127.0.0.1:0", "--database-url", dbPath, "--audit-interval", "200ms"}, nil))
		started := time.Now()
		require.NoError(t, m.Run(context.Background()))
		var boxes struct {
			Mailboxes []audit.MailboxStatus `json:"mailboxes"`
		}
		require.Eventually(t, func() bool {
			resp, err := http.Get(m.URL() + "/api/v1/audit/mailboxes")
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			if json.NewDecoder(resp.Body).Decode(&boxes) != nil || len(boxes.Mailboxes) != 5 {
				return false
			}
			for _, b := range boxes.Mailboxes {
				if b.Status != audit.MailboxOK || b.Messages != 30 || !b.SyncedAt.After(started) {
					return false
				}
			}
			return true
		}, 20*time.Second, 100*time.Millisecond, "run %d: every demo mailbox audited once", run)
		resp, err := http.Get(m.URL() + "/api/v1/breaches")
		require.NoError(t, err)
		var br struct {
			Breaches []audit.Breach `json:"breaches"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&br))
		resp.Body.Close()
		assert.Len(t, br.Breaches, 30, "5 mailboxes x 3 red and 3 bulk messages, once")
		require.NoError(t, m.Close())
	}

	m := app.NewMain()
	m.Stderr = io.Discard
	m.Plugins = []app.Plugin{audit.Plugin()}
	require.NoError(t, m.ParseFlags([]string{"--demo", "--addr", "127.0.0.1:0", "--client-id", "x", "--tenant", "y", "--database-url", dbPath}, nil))
	assert.ErrorContains(t, m.Run(context.Background()), "--demo needs --dev")
}
