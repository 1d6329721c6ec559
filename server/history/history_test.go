package history_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/engine"
	"github.com/sendguard/sendguard/engine/apierr"
	"github.com/sendguard/sendguard/server/domain"
	"github.com/sendguard/sendguard/server/history"
	sghttp "github.com/sendguard/sendguard/server/http"
	"github.com/sendguard/sendguard/server/store"
	"github.com/sendguard/sendguard/server/store/storetest"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

func TestKeys(t *testing.T) {
	k, err := history.NewKeys(secret)
	require.NoError(t, err)
	k2, err := history.NewKeys([]byte("another secret, also 32 bytes long"))
	require.NoError(t, err)
	assert.Equal(t, k.Hash("a@b.nhs.net"), k.Hash("a@b.nhs.net"))
	assert.NotEqual(t, k.Hash("a@b.nhs.net"), k2.Hash("a@b.nhs.net"), "hashes depend on the deployment key")
	assert.Len(t, k.Hash("x"), 64)
	_, err = history.NewKeys([]byte("short"))
	assert.Error(t, err)

	tests := map[string]struct {
		in string
		ok bool
	}{
		"hex":    {strings.Repeat("ab", 32), true},
		"base64": {"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", true},
		"short":  {"abcd", false},
		"junk":   {"not a key at all!", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := history.ParseSecret(tc.in)
			assert.Equal(t, tc.ok, err == nil, "%v", err)
		})
	}
}

func TestBook(t *testing.T) {
	b := history.NewBook("t", "dr@trust.nhs.net")
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	added := b.Record([]string{"A.Person@Example.com", "a.person@example.com", "Other <other@example.com>", "not an address"}, t0)
	assert.Equal(t, []string{"a.person@example.com", "other@example.com"}, added)
	assert.Empty(t, b.Record([]string{"a.person@example.com"}, t0.Add(time.Hour)), "nothing new")
	assert.Equal(t, []string{"a.person@example.com", "other@example.com"}, b.Known())
	e, ok := b.Get("a.person@example.com")
	require.True(t, ok)
	assert.EqualValues(t, 2, e.Count, "duplicates within one message count once")
	assert.Equal(t, t0.Add(time.Hour), e.Last)
	assert.NotNil(t, history.NewBook("t", "s").Context().KnownRecipients, "an empty history is a history, not absent")
}

func TestStoreRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		st, err := history.Open(ctx, db, secret)
		require.NoError(t, err)
		b := history.NewBook("tenant", "Dr.A@Trust.nhs.net")
		t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		b.Record([]string{"patient@gmail.com", "colleague@trust.nhs.net"}, t0)
		require.NoError(t, db.Tx(ctx, func(tx *store.Tx) error { return st.Save(ctx, tx, b) }))
		b.Saved()
		b.Record([]string{"patient@gmail.com"}, t0.Add(24*time.Hour))
		require.NoError(t, db.Tx(ctx, func(tx *store.Tx) error { return st.Save(ctx, tx, b) }))

		got, err := st.Load(ctx, "tenant", "dr.a@trust.nhs.net")
		require.NoError(t, err)
		assert.Equal(t, []string{"colleague@trust.nhs.net", "patient@gmail.com"}, got.Known())
		e, _ := got.Get("patient@gmail.com")
		assert.EqualValues(t, 2, e.Count)
		assert.Equal(t, t0.Add(24*time.Hour), e.Last)

		other, err := st.Load(ctx, "other-tenant", "dr.a@trust.nhs.net")
		require.NoError(t, err)
		assert.Zero(t, other.Len(), "keyed by tenant")

		// No address is stored in the clear.
		rows, err := db.Query(ctx, "SELECT sender, recipient, sealed FROM recipient_history")
		require.NoError(t, err)
		defer rows.Close()
		for rows.Next() {
			var s, r string
			var sealed []byte
			require.NoError(t, rows.Scan(&s, &r, &sealed))
			assert.NotContains(t, s, "@")
			assert.NotContains(t, r, "@")
			assert.NotContains(t, string(sealed), "gmail.com")
			assert.NotContains(t, string(sealed), "trust.nhs.net")
		}

		// Without SENDGUARD_HISTORY_KEY a key is generated once and reused.
		a1, err := history.Open(ctx, db, nil)
		require.NoError(t, err)
		a2, err := history.Open(ctx, db, nil)
		require.NoError(t, err)
		assert.Equal(t, a1.Keys().Hash("x@y.z"), a2.Keys().Hash("x@y.z"))
		// Another key can neither find nor open the rows.
		lost, err := a1.Load(ctx, "tenant", "dr.a@trust.nhs.net")
		require.NoError(t, err)
		assert.Zero(t, lost.Len())
	})
}

type tokens map[string]domain.Principal

func (v tokens) Verify(_ context.Context, tok string) (domain.Principal, error) {
	if p, ok := v[tok]; ok {
		return p, nil
	}
	return domain.Principal{}, apierr.New(apierr.Unauthorized, "unknown token")
}

func TestRecipientsAPI(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	st, err := history.Open(ctx, db, secret)
	require.NoError(t, err)
	sender := "dr.a@trust.nhs.net"
	b := history.NewBook("tid", sender)
	b.Record([]string{"an.other@nhs.net", "jane.doe@gmail.com", "pharmacy@trust.nhs.net"}, time.Now())
	require.NoError(t, db.Tx(ctx, func(tx *store.Tx) error { return st.Save(ctx, tx, b) }))

	svc := history.NewService(st, time.Minute, 10)
	srv := httptest.NewServer(sghttp.New(sghttp.Config{
		Verifier: tokens{
			"sender": {TenantID: "tid", ObjectID: "1", UPN: "Dr.A@trust.nhs.net"},
			"admin":  {TenantID: "tid", ObjectID: "2", UPN: "it@trust.nhs.net", Admin: true},
			"peer":   {TenantID: "tid", ObjectID: "3", UPN: "dr.b@trust.nhs.net"},
		},
		Modules: []sghttp.Module{&history.Module{Service: svc}},
	}))
	defer srv.Close()
	post := func(token, body string) (int, []byte) {
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/recipients", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, out
	}

	code, body := post("sender", `{"sender":"dr.a@trust.nhs.net","recipients":["AN.OTHER@nhs.net","am.other@nhs.net","new.person@example.org"]}`)
	require.Equal(t, 200, code, string(body))
	var ans history.Answer
	require.NoError(t, json.Unmarshal(body, &ans))
	assert.Equal(t, []string{"an.other@nhs.net"}, ans.Known)
	require.Len(t, ans.Lookalikes, 1)
	assert.Equal(t, "am.other@nhs.net", ans.Lookalikes[0].Address)
	assert.Equal(t, "an.other@nhs.net", ans.Lookalikes[0].Candidate)
	assert.NotEmpty(t, ans.Lookalikes[0].Reason)
	assert.Equal(t, []string{"an.other@nhs.net"}, ans.Context.KnownRecipients)
	assert.NotContains(t, ans.Context.KnownRecipients, "jane.doe@gmail.com", "the rest of the history stays on the server")
	assert.Contains(t, ans.Context.KnownDomains, "gmail.com")

	// A sender whose mailbox was never synced has no history: the context
	// leaves knownRecipients out (absent, not empty), so the add-in does not
	// warn "new recipient" on every address of a fresh install.
	code, body = post("admin", `{"sender":"never.synced@trust.nhs.net","recipients":["new.person@example.org"]}`)
	require.Equal(t, 200, code, string(body))
	var raw struct {
		Context map[string]json.RawMessage `json:"context"`
	}
	require.NoError(t, json.Unmarshal(body, &raw))
	if v, ok := raw.Context["knownRecipients"]; ok {
		assert.Equal(t, "null", string(v), "no history must not read as an empty history")
	}

	// The reduced context gives the engine the same verdict as the whole history.
	eng, err := engine.New(engine.DefaultPolicy())
	require.NoError(t, err)
	draft := engine.Message{
		From:         &engine.Recipient{EmailAddress: engine.EmailAddress{Address: sender}},
		ToRecipients: []engine.Recipient{{EmailAddress: engine.EmailAddress{Address: "am.other@nhs.net"}}, {EmailAddress: engine.EmailAddress{Address: "new.person@example.org"}}},
		Subject:      "Referral", Body: engine.ItemBody{ContentType: "text", Content: "Patient NHS number 943 476 5919 referral."},
	}
	full := eng.Check(engine.Request{Message: draft, Context: b.Context()})
	reduced := eng.Check(engine.Request{Message: draft, Context: ans.Context})
	assert.Equal(t, full, reduced)

	tests := map[string]struct {
		token, body string
		status      int
	}{
		"someone else's history":  {"peer", `{"sender":"dr.a@trust.nhs.net","recipients":[]}`, 403},
		"admin may ask":           {"admin", `{"sender":"dr.a@trust.nhs.net","recipients":["x@y.z"]}`, 200},
		"sender not an address":   {"sender", `{"sender":"dr.a","recipients":[]}`, 403},
		"bad json":                {"sender", `{"sender":`, 400},
		"unknown field":           {"sender", `{"sender":"dr.a@trust.nhs.net","to":[]}`, 400},
		"too many recipients":     {"admin", `{"sender":"dr.a@trust.nhs.net","recipients":[` + strings.TrimSuffix(strings.Repeat(`"a@b.c",`, 501), ",") + `]}`, 400},
		"no token":                {"", `{}`, 401},
		"huge body":               {"admin", `{"sender":"` + strings.Repeat("a", 70<<10) + `"}`, 413},
		"invalid utf8 recipients": {"admin", "{\"sender\":\"dr.a@trust.nhs.net\",\"recipients\":[\"\xff\xfe@x.y\"]}", 200},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, body := post(tc.token, tc.body)
			assert.Equal(t, tc.status, code, string(body))
			if code >= 400 {
				assert.Contains(t, string(body), `"error":{"code":`)
			}
		})
	}
}

func FuzzRecipientsAnswer(f *testing.F) {
	f.Add("dr.a@trust.nhs.net", "an.other@nhs.net")
	f.Add("\xff@x", "a@b")
	f.Add("", "")
	db, err := store.Open(context.Background(), f.TempDir()+"/fuzz.db")
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	st, err := history.Open(context.Background(), db, secret)
	if err != nil {
		f.Fatal(err)
	}
	svc := history.NewService(st, time.Minute, 10)
	f.Fuzz(func(t *testing.T, sender, rcpt string) {
		_, _ = svc.Answer(context.Background(), "t", history.Question{Sender: sender, Recipients: []string{rcpt, sender}})
	})
}
