package graph_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/engine"
	"github.com/sendguard/sendguard/server/graph"
	"github.com/sendguard/sendguard/server/graphtest"
)

func msg(from, to, subject string) graphtest.Message {
	return graphtest.Message{Message: engine.Message{
		From:         &engine.Recipient{EmailAddress: engine.EmailAddress{Address: from}},
		ToRecipients: []engine.Recipient{{EmailAddress: engine.EmailAddress{Name: "To", Address: to}}},
		Subject:      subject,
		Body:         engine.ItemBody{ContentType: "text", Content: "hello " + subject},
	}}
}

func start(t *testing.T, opts ...graphtest.Option) *graphtest.Server {
	t.Helper()
	s := graphtest.New(opts...)
	require.NoError(t, s.Start("127.0.0.1:0"))
	t.Cleanup(func() { s.Close() })
	return s
}

func client(t *testing.T, s *graphtest.Server, mut func(*graph.Config)) *graph.Client {
	t.Helper()
	cfg := graph.Config{BaseURL: s.URL(), Token: "test-token", PageSize: 3}
	if mut != nil {
		mut(&cfg)
	}
	c, err := graph.New(cfg)
	require.NoError(t, err)
	return c
}

// sync runs delta rounds to the end and returns ids seen, ids removed and
// the delta link.
func syncAll(t *testing.T, c *graph.Client, mailbox, link string) (ids, removed []string, delta string, pages int) {
	t.Helper()
	ctx := context.Background()
	for {
		p, err := c.DeltaPage(ctx, mailbox, link)
		require.NoError(t, err)
		pages++
		for _, m := range p.Messages {
			if m.Removed {
				removed = append(removed, m.ID)
			} else {
				ids = append(ids, m.ID)
			}
		}
		if p.DeltaLink != "" {
			return ids, removed, p.DeltaLink, pages
		}
		require.Contains(t, p.NextLink, "http://", "nextLink must be absolute")
		link = p.NextLink
	}
}

func TestMailboxes(t *testing.T) {
	s := start(t)
	for i := 0; i < 5; i++ {
		s.AddMailbox(fmt.Sprintf("user%d@trust.nhs.net", i), "")
	}
	s.SetGroup("g1", []string{"user1@trust.nhs.net", "user3@trust.nhs.net"})
	id4 := s.AddMailbox("user4@trust.nhs.net", "")
	tests := map[string]struct {
		cfg  func(*graph.Config)
		want []string
	}{
		"all users, paged": {nil, []string{"user0@trust.nhs.net", "user1@trust.nhs.net", "user2@trust.nhs.net", "user3@trust.nhs.net", "user4@trust.nhs.net"}},
		"group members":    {func(c *graph.Config) { c.Group = "g1" }, []string{"user1@trust.nhs.net", "user3@trust.nhs.net"}},
		"explicit list":    {func(c *graph.Config) { c.Mailboxes = []string{"User2@trust.nhs.net", "user2@trust.nhs.net"} }, []string{"user2@trust.nhs.net"}},
		"object ids":       {func(c *graph.Config) { c.Mailboxes = []string{id4, "user0@trust.nhs.net"} }, []string{"user4@trust.nhs.net", "user0@trust.nhs.net"}},
		"unknown id kept":  {func(c *graph.Config) { c.Mailboxes = []string{"00000000-0000-0000-0000-00000000beef"} }, []string{"00000000-0000-0000-0000-00000000beef"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			boxes, err := client(t, s, tc.cfg).Mailboxes(context.Background())
			require.NoError(t, err)
			var got []string
			for _, b := range boxes {
				got = append(got, b.Address)
				require.NotEmpty(t, b.ID)
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestDeltaRoundsAndRemovals(t *testing.T) {
	s := start(t)
	box := "a.clinician@trust.nhs.net"
	var want []string
	for i := 0; i < 7; i++ {
		want = append(want, s.AddMessage(box, msg(box, fmt.Sprintf("p%d@example.com", i), fmt.Sprint(i))))
	}
	c := client(t, s, nil)
	ids, removed, delta, pages := syncAll(t, c, box, "")
	assert.Equal(t, want, ids)
	assert.Empty(t, removed)
	assert.Equal(t, 3, pages, "7 messages at 3 per page")

	// Nothing new: an empty round.
	ids, removed, delta, _ = syncAll(t, c, box, delta)
	assert.Empty(t, ids)
	assert.Empty(t, removed)

	// One added, one deleted between syncs.
	added := s.AddMessage(box, msg(box, "new@example.com", "new"))
	require.True(t, s.DeleteMessage(box, want[2]))
	ids, removed, _, _ = syncAll(t, c, box, delta)
	assert.Equal(t, []string{added}, ids)
	assert.Equal(t, []string{want[2]}, removed)

	// The message content arrives in the engine's shape.
	p, err := c.DeltaPage(context.Background(), box, "")
	require.NoError(t, err)
	m := p.Messages[0]
	assert.Equal(t, box, m.Message.From.EmailAddress.Address)
	assert.Equal(t, "p0@example.com", m.Message.ToRecipients[0].EmailAddress.Address)
	assert.Equal(t, "0", m.Message.Subject)
	assert.Equal(t, "hello 0", m.Message.Body.Content)
	assert.NotEmpty(t, m.InternetMessageID)
	assert.False(t, m.SentDateTime.IsZero())
}

func TestAttachments(t *testing.T) {
	s := start(t)
	box := "b@trust.nhs.net"
	m := msg(box, "x@example.com", "with file")
	m.Message.Attachments = []engine.Attachment{{Name: "discharge.pdf", ContentType: "application/pdf", ContentBytes: []byte("%PDF-1.4 test")}}
	id := s.AddMessage(box, m)
	c := client(t, s, nil)
	p, err := c.DeltaPage(context.Background(), box, "")
	require.NoError(t, err)
	require.True(t, p.Messages[0].HasAttachments)
	atts, err := c.Attachments(context.Background(), box, id)
	require.NoError(t, err)
	require.Len(t, atts, 1)
	assert.Equal(t, "discharge.pdf", atts[0].Name)
	assert.Equal(t, []byte("%PDF-1.4 test"), atts[0].ContentBytes)
	assert.EqualValues(t, 13, atts[0].Size)
}

func TestForbiddenMailbox(t *testing.T) {
	s := start(t)
	s.AddMessage("private@trust.nhs.net", msg("private@trust.nhs.net", "x@example.com", "s"))
	s.Forbid("private@trust.nhs.net")
	_, err := client(t, s, nil).DeltaPage(context.Background(), "private@trust.nhs.net", "")
	require.Error(t, err)
	assert.True(t, graph.IsForbidden(err), "got %v", err)
}

func TestThrottlingHonoursRetryAfter(t *testing.T) {
	tests := map[string]graphtest.Faults{
		"every third request 429":  {Every: 3, Status: 429, RetryAfter: 1},
		"every second request 503": {Every: 2, Status: 503, RetryAfter: 1},
	}
	for name, f := range tests {
		t.Run(name, func(t *testing.T) {
			s := start(t)
			box := "c@trust.nhs.net"
			for i := 0; i < 6; i++ {
				s.AddMessage(box, msg(box, "p@example.com", fmt.Sprint(i)))
			}
			s.SetFaults(f)
			c := client(t, s, func(c *graph.Config) { c.PageSize = 2 })
			start := time.Now()
			ids, _, _, _ := syncAll(t, c, box, "")
			assert.Len(t, ids, 6)
			st := c.Stats()
			assert.Positive(t, st.Retries)
			assert.Positive(t, s.Stats().Throttled)
			assert.GreaterOrEqual(t, time.Since(start), time.Duration(st.Retries)*time.Second, "each retry waited Retry-After")
		})
	}
}

func TestStormSlowsDownAndCompletes(t *testing.T) {
	s := start(t)
	box := "d@trust.nhs.net"
	for i := 0; i < 4; i++ {
		s.AddMessage(box, msg(box, "p@example.com", fmt.Sprint(i)))
	}
	s.SetFaults(graphtest.Faults{StormUntil: time.Now().Add(1500 * time.Millisecond), Status: 429, RetryAfter: 1})
	c := client(t, s, nil)
	started := time.Now()
	ids, _, _, _ := syncAll(t, c, box, "")
	assert.Len(t, ids, 4)
	assert.GreaterOrEqual(t, time.Since(started), 1500*time.Millisecond)
	assert.Positive(t, c.Stats().Retries)
}

func TestNeverExceedsMailboxConcurrency(t *testing.T) {
	s := start(t, graphtest.WithLatency(20*time.Millisecond))
	box := "e@trust.nhs.net"
	s.AddMessage(box, msg(box, "p@example.com", "x"))
	c := client(t, s, nil)
	var wg sync.WaitGroup
	for i := 0; i < 24; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.DeltaPage(context.Background(), box, "")
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	assert.Zero(t, s.Stats().ConcurrencyViolations)
	assert.EqualValues(t, 24, s.Stats().Requests)
}

func TestServerEnforcesMailboxConcurrency(t *testing.T) {
	// The limit the client respects is real: a client that ignores it
	// (eight at once, no throttle) trips it.
	s := start(t, graphtest.WithLatency(50*time.Millisecond))
	box := "f@trust.nhs.net"
	s.AddMessage(box, msg(box, "p@example.com", "x"))
	c := client(t, s, func(c *graph.Config) { c.MaxPerMailbox = 8; c.MaxRetries = 1 })
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); _, _ = c.DeltaPage(context.Background(), box, "") }()
	}
	wg.Wait()
	assert.Positive(t, s.Stats().ConcurrencyViolations)
}

func TestConfigValidation(t *testing.T) {
	tests := map[string]struct {
		cfg  graph.Config
		want string
	}{
		"no credentials": {graph.Config{BaseURL: "https://graph.microsoft.com/v1.0"}, "SENDGUARD_GRAPH_TENANT_ID"},
		"bad base url":   {graph.Config{BaseURL: "ftp://x", Token: "t"}, "SENDGUARD_GRAPH_BASE_URL"},
		"secret ok":      {graph.Config{BaseURL: "https://graph.microsoft.com/v1.0", TenantID: "t", ClientID: "c", ClientSecret: "s"}, ""},
		"cert missing":   {graph.Config{BaseURL: "https://graph.microsoft.com/v1.0", TenantID: "t", ClientID: "c", CertPath: "/nonexistent.pem"}, "SENDGUARD_GRAPH_CERT"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := graph.New(tc.cfg)
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestFromEnv(t *testing.T) {
	env := map[string]string{"SENDGUARD_MAILBOXES": " a@x.nhs.net, ,b@x.nhs.net", "SENDGUARD_GRAPH_TOKEN": "tok"}
	c := graph.FromEnv(func(k string) string { return env[k] })
	assert.Equal(t, []string{"a@x.nhs.net", "b@x.nhs.net"}, c.Mailboxes)
	assert.Equal(t, graph.DefaultBaseURL, c.BaseURL)
	assert.Equal(t, 4, c.MaxPerMailbox)
	assert.Equal(t, 10000, c.MailboxBudget)
}

func TestMailboxRequestBudget(t *testing.T) {
	s := start(t)
	box := "g@trust.nhs.net"
	s.AddMessage(box, msg(box, "p@example.com", "x"))
	// 5 requests per second with a burst of one: the sixth request waits
	// about a second for its token.
	c := client(t, s, func(c *graph.Config) { c.MailboxBudget = 5; c.MailboxWindow = time.Second })
	started := time.Now()
	for i := 0; i < 6; i++ {
		_, err := c.DeltaPage(context.Background(), box, "")
		require.NoError(t, err)
	}
	assert.GreaterOrEqual(t, time.Since(started), 900*time.Millisecond)
	// Another mailbox has its own budget.
	other := "h@trust.nhs.net"
	s.AddMessage(other, msg(other, "p@example.com", "x"))
	started = time.Now()
	_, err := c.DeltaPage(context.Background(), other, "")
	require.NoError(t, err)
	assert.Less(t, time.Since(started), 500*time.Millisecond)
}

func TestDeltaLinkFromAnotherEndpointRestarts(t *testing.T) {
	s := start(t)
	box := "i@trust.nhs.net"
	s.AddMessage(box, msg(box, "p@example.com", "x"))
	_, err := client(t, s, nil).DeltaPage(context.Background(), box, "https://graph.example.invalid/v1.0/users/x/mailFolders/sentitems/messages/delta?$deltatoken=abc")
	require.Error(t, err)
	assert.True(t, graph.IsSyncReset(err), "%v", err)
}

func TestGlobalRate(t *testing.T) {
	s := start(t)
	var boxes []string
	for i := 0; i < 6; i++ {
		b := fmt.Sprintf("j%d@trust.nhs.net", i)
		s.AddMessage(b, msg(b, "p@example.com", "x"))
		boxes = append(boxes, b)
	}
	// 5 requests per second across all mailboxes: six mailboxes, one
	// request each, take over 200 ms after the burst of five.
	c := client(t, s, func(c *graph.Config) { c.GlobalRate = 5 })
	started := time.Now()
	for _, b := range boxes {
		_, err := c.DeltaPage(context.Background(), b, "")
		require.NoError(t, err)
	}
	assert.GreaterOrEqual(t, time.Since(started), 150*time.Millisecond)
}
