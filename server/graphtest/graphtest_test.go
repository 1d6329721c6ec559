package graphtest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/server/graphtest"
)

func get(t testing.TB, s *graphtest.Server, rawURL string, hdr map[string]string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest("GET", rawURL, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer t")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var body map[string]any
	require.NoError(t, json.Unmarshal(b, &body), string(b))
	return resp.StatusCode, resp.Header, body
}

func newServer(t testing.TB) *graphtest.Server {
	s := graphtest.New()
	require.NoError(t, s.Start("127.0.0.1:0"))
	t.Cleanup(func() { s.Close() })
	return s
}

// The wire format follows Graph's CSDL for message (corpora/graph).
func TestWireFormat(t *testing.T) {
	s := newServer(t)
	msgs := graphtest.Clinical("trust.nhs.net", 1, 3, time.Now())
	s.LoadClinical(msgs)
	box := msgs[0].Mailbox
	for _, path := range []string{"delta", "delta()"} {
		code, hdr, body := get(t, s, s.URL()+"/users/"+box+"/mailFolders/sentitems/messages/"+path, map[string]string{"Prefer": "odata.maxpagesize=2"})
		require.Equal(t, 200, code)
		assert.Equal(t, "odata.maxpagesize=2", hdr.Get("Preference-Applied"))
		vals := body["value"].([]any)
		require.Len(t, vals, 2)
		m := vals[0].(map[string]any)
		for _, f := range []string{"id", "sentDateTime", "subject", "body", "from", "toRecipients", "ccRecipients", "bccRecipients",
			"internetMessageId", "hasAttachments", "isDraft", "conversationId", "parentFolderId", "bodyPreview"} {
			assert.Contains(t, m, f)
		}
		assert.NotContains(t, m, "internetMessageHeaders", "not in the default set")
		_, err := time.Parse(time.RFC3339, m["sentDateTime"].(string))
		assert.NoError(t, err)
		to := m["toRecipients"].([]any)[0].(map[string]any)["emailAddress"].(map[string]any)
		assert.Contains(t, to, "address")
		assert.Contains(t, to, "name")
		next := body["@odata.nextLink"].(string)
		u, err := url.Parse(next)
		require.NoError(t, err)
		assert.True(t, u.IsAbs(), "nextLink is absolute")
	}
	code, _, body := get(t, s, s.URL()+"/users/"+box+"/mailFolders/sentitems/messages?$select=subject,sentDateTime&$top=5", nil)
	require.Equal(t, 200, code)
	m := body["value"].([]any)[0].(map[string]any)
	keys := []string{}
	for k := range m {
		keys = append(keys, k)
	}
	assert.ElementsMatch(t, []string{"@odata.etag", "id", "subject", "sentDateTime"}, keys)
}

func TestErrors(t *testing.T) {
	s := newServer(t)
	s.AddMailbox("a@trust.nhs.net", "A")
	s.Forbid("a@trust.nhs.net")
	tests := map[string]struct {
		path   string
		status int
		code   string
	}{
		"forbidden mailbox": {"/users/a@trust.nhs.net/mailFolders/sentitems/messages/delta", 403, "ErrorAccessDenied"},
		"unknown mailbox":   {"/users/nobody@trust.nhs.net/mailFolders/sentitems/messages", 404, "ErrorInvalidUser"},
		"bad skiptoken":     {"/users/" + "x" + "/mailFolders/sentitems/messages/delta?$skiptoken=%%%", 400, ""},
		"unknown segment":   {"/drives", 400, "BadRequest"},
		"unknown group":     {"/groups/nope/members", 404, "Request_ResourceNotFound"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", s.URL()+tc.path, nil)
			req.Header.Set("Authorization", "Bearer t")
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			if tc.code == "" {
				assert.GreaterOrEqual(t, resp.StatusCode, 400)
				return
			}
			var env struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&env))
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.Equal(t, tc.code, env.Error.Code)
			assert.NotEmpty(t, env.Error.Message)
		})
	}
	req, _ := http.NewRequest("GET", s.URL()+"/users", nil)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 401, resp.StatusCode, "a bearer token is required")
}

func TestReadDirCorpus(t *testing.T) {
	msgs, skipped, err := graphtest.ReadDir("../../../shared/corpora/mail")
	require.NoError(t, err)
	assert.Greater(t, len(msgs), 800)
	t.Logf("%d messages, %d skipped", len(msgs), skipped)
	dated := 0
	for i, m := range msgs {
		if !m.SentDateTime.IsZero() {
			dated++
			if i > 0 && !msgs[i-1].SentDateTime.IsZero() {
				assert.False(t, m.SentDateTime.Before(msgs[i-1].SentDateTime), "sorted by Date")
			}
		}
	}
	assert.Greater(t, dated, 700)
	s := newServer(t)
	n := s.LoadByFrom(msgs, "unknown@trust.nhs.net")
	assert.Equal(t, len(msgs), n)
	assert.Greater(t, len(s.Mailboxes()), 10)
	_, _, err = graphtest.ReadDir("/nonexistent")
	assert.Error(t, err)
}

func TestNHSNumbersAreValid(t *testing.T) {
	for i := 0; i < 50; i++ {
		n := strings.ReplaceAll(graphtest.NHSNumber(i), " ", "")
		require.Len(t, n, 10)
		sum := 0
		for k := 0; k < 9; k++ {
			sum += int(n[k]-'0') * (10 - k)
		}
		check := (11 - sum%11) % 11
		assert.Equal(t, fmt.Sprint(check), string(n[9]), n)
	}
}

// Hostile query strings and tokens never crash the server and always get
// Graph's error envelope or a page.
func FuzzDeltaRequest(f *testing.F) {
	f.Add("$skiptoken=eyJmIjowLCJ0IjoxLCJhIjowfQ", "odata.maxpagesize=2")
	f.Add("$deltatoken=eyJmIjotMSwidCI6MSwiYSI6MH0", "")
	f.Add("$top=-5&$select=,,,", "odata.maxpagesize=99999999999999999999")
	f.Add("$expand=attachments&$skiptoken=%ff", "x")
	s := graphtest.New()
	if err := s.Start("127.0.0.1:0"); err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	s.LoadClinical(graphtest.Clinical("trust.nhs.net", 1, 5, time.Now()))
	client := &http.Client{Timeout: 10 * time.Second}
	f.Fuzz(func(t *testing.T, query, prefer string) {
		// Bytes that break the request line are refused by net/http itself,
		// before the handler runs.
		if strings.ContainsAny(query, " \t\r\n#\x00") || strings.ContainsFunc(query, func(r rune) bool { return r < 0x20 || r >= 0x7f }) {
			return
		}
		req, err := http.NewRequest("GET", s.URL()+"/users/user01@trust.nhs.net/mailFolders/sentitems/messages/delta?"+query, nil)
		if err != nil {
			return
		}
		req.Header.Set("Authorization", "Bearer t")
		if strings.ContainsAny(prefer, "\r\n\x00") {
			prefer = ""
		}
		req.Header.Set("Prefer", prefer)
		resp, err := client.Do(req)
		if err != nil {
			return
		}
		defer resp.Body.Close()
		var body map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatalf("status %d: not JSON: %v", resp.StatusCode, err)
		}
		if resp.StatusCode == 200 {
			if _, ok := body["value"]; !ok {
				t.Fatalf("a 200 without value: %v", body)
			}
		} else if _, ok := body["error"]; !ok {
			t.Fatalf("status %d without the error envelope", resp.StatusCode)
		}
	})
}
