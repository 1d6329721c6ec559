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
