package audit_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/engine/apierr"
	"github.com/sendguard/sendguard/server/audit"
	"github.com/sendguard/sendguard/server/domain"
	"github.com/sendguard/sendguard/server/graphtest"
	sghttp "github.com/sendguard/sendguard/server/http"
	"github.com/sendguard/sendguard/server/store"
	"github.com/sendguard/sendguard/server/store/storetest"
)

// tokens is a table of test callers; the service's real verifier checks
// Entra ID tokens, which tests cannot mint.
type tokens map[string]domain.Principal

func (v tokens) Verify(_ context.Context, tok string) (domain.Principal, error) {
	if p, ok := v[tok]; ok {
		return p, nil
	}
	return domain.Principal{}, apierr.New(apierr.Unauthorized, "unknown token")
}

func do(t *testing.T, srv *httptest.Server, method, path, token, body string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, b
}

func errCode(t *testing.T, b []byte) string {
	t.Helper()
	var env struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	require.NoError(t, json.Unmarshal(b, &env), string(b))
	require.NotEmpty(t, env.Error.Message)
	return env.Error.Code
}

func TestFindingsAndBreachesAPI(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	r := newRig(t, db)
	r.graph.LoadClinical(graphtest.Clinical("trust.nhs.net", 2, 20, time.Now()))
	a := r.auditor(t, "tok", "h", nil)
	a.Tenant = "tid-1"
	_, err := a.RunOnce(ctx)
	require.NoError(t, err)

	h := sghttp.New(sghttp.Config{
		Verifier: tokens{
			"admin": {TenantID: "tid-1", ObjectID: "o1", UPN: "dpo@trust.nhs.net", Admin: true},
			"user":  {TenantID: "tid-1", ObjectID: "o2", UPN: "user01@trust.nhs.net"},
			"other": {TenantID: "tid-2", ObjectID: "o3", UPN: "dpo@elsewhere.nhs.net", Admin: true},
		},
		Modules: []sghttp.Module{&audit.Module{Store: r.store}},
	})
	srv := httptest.NewServer(h)
	defer srv.Close()

	t.Run("findings", func(t *testing.T) {
		code, _, b := do(t, srv, "GET", "/api/v1/findings", "admin", "")
		require.Equal(t, 200, code, string(b))
		var body struct {
			Findings []audit.Finding `json:"findings"`
		}
		require.NoError(t, json.Unmarshal(b, &body))
		require.NotEmpty(t, body.Findings)
		for _, f := range body.Findings {
			for _, e := range f.Evidence {
				if e.Kind == "nhs-number" {
					assert.Regexp(t, `^\*\*\* \*\*\* \d{4}$`, e.Masked)
				}
			}
		}
		code, _, b = do(t, srv, "GET", "/api/v1/findings?rule=bulk-visible-recipients", "admin", "")
		require.Equal(t, 200, code)
		require.NoError(t, json.Unmarshal(b, &body))
		require.NotEmpty(t, body.Findings)
		for _, f := range body.Findings {
			assert.Equal(t, "bulk-visible-recipients", f.Rule)
			assert.Equal(t, 5, f.RecipientCount)
			assert.Len(t, f.RecipientHashes, 5)
		}
	})
	t.Run("paging", func(t *testing.T) {
		seen := map[int64]bool{}
		path := "/api/v1/findings?limit=2"
		for pages := 0; path != ""; pages++ {
			require.Less(t, pages, 100)
			code, hdr, b := do(t, srv, "GET", path, "admin", "")
			require.Equal(t, 200, code)
			var body struct {
				Findings []audit.Finding `json:"findings"`
				Next     string          `json:"next"`
			}
			require.NoError(t, json.Unmarshal(b, &body))
			for _, f := range body.Findings {
				assert.False(t, seen[f.ID], "finding %d on two pages", f.ID)
				seen[f.ID] = true
			}
			path = ""
			if body.Next != "" {
				assert.Contains(t, hdr.Get("Link"), `rel="next"`)
				path = "/api/v1/findings?limit=2&before=" + body.Next
			}
		}
		all, _, err := r.store.Findings(ctx, "tid-1", audit.FindingFilter{Limit: -1})
		require.NoError(t, err)
		assert.Len(t, seen, len(all))
	})
	t.Run("csv", func(t *testing.T) {
		code, hdr, b := do(t, srv, "GET", "/api/v1/findings?format=csv", "admin", "")
		require.Equal(t, 200, code)
		assert.Contains(t, hdr.Get("Content-Type"), "text/csv")
		recs, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
		require.NoError(t, err)
		assert.Equal(t, audit.FindingsCSVHeader, recs[0])
		assert.Greater(t, len(recs), 1)
	})
	t.Run("bad input", func(t *testing.T) {
		for _, q := range []string{"since=yesterday", "action=explode", "limit=0", "limit=5000", "format=xml", "before=-1"} {
			code, _, b := do(t, srv, "GET", "/api/v1/findings?"+q, "admin", "")
			assert.Equal(t, 400, code, q)
			assert.Equal(t, "invalid", errCode(t, b), q)
		}
	})
	t.Run("admins only", func(t *testing.T) {
		for _, p := range []string{"/api/v1/findings", "/api/v1/breaches", "/api/v1/audit/mailboxes"} {
			code, _, b := do(t, srv, "GET", p, "user", "")
			assert.Equal(t, 403, code, p)
			assert.Equal(t, "forbidden", errCode(t, b))
		}
		code, _, _ := do(t, srv, "GET", "/api/v1/findings", "nobody", "")
		assert.Equal(t, 401, code)
	})
	t.Run("tenants are separate", func(t *testing.T) {
		code, _, b := do(t, srv, "GET", "/api/v1/findings", "other", "")
		require.Equal(t, 200, code)
		assert.JSONEq(t, `{"findings":[]}`, string(b))
	})
	t.Run("breach workflow", func(t *testing.T) {
		code, _, b := do(t, srv, "GET", "/api/v1/breaches?status=open", "admin", "")
		require.Equal(t, 200, code)
		var list struct {
			Breaches []audit.Breach `json:"breaches"`
		}
		require.NoError(t, json.Unmarshal(b, &list))
		require.NotEmpty(t, list.Breaches)
		id := list.Breaches[0].ID
		path := fmt.Sprintf("/api/v1/breaches/%d", id)
		tests := []struct {
			name, body string
			status     int
			code       string
		}{
			{"invalid transition", `{"status":"closed"}`, 409, "conflict"},
			{"missing reason", `{"status":"assessed"}`, 400, "invalid"},
			{"unknown field", `{"status":"assessed","why":"x"}`, 400, "invalid"},
			{"not json", `status=assessed`, 400, "invalid"},
			{"assess", `{"status":"assessed","reason":"sent to the patient's own verified address"}`, 200, ""},
			{"assess again", `{"status":"assessed","reason":"x"}`, 409, "conflict"},
			{"close", `{"status":"closed","note":"DPO agreed"}`, 200, ""},
		}
		for _, tc := range tests {
			code, _, b := do(t, srv, "PATCH", path, "admin", tc.body)
			assert.Equal(t, tc.status, code, tc.name+": "+string(b))
			if tc.code != "" {
				assert.Equal(t, tc.code, errCode(t, b), tc.name)
			}
		}
		code, _, b = do(t, srv, "GET", path, "admin", "")
		require.Equal(t, 200, code)
		var br audit.Breach
		require.NoError(t, json.Unmarshal(b, &br))
		assert.Equal(t, audit.StatusClosed, br.Status)
		require.Len(t, br.Events, 3)
		assert.Equal(t, "dpo@trust.nhs.net", br.Events[1].Actor)
		assert.Equal(t, audit.StatusAssessed, br.Events[1].To)

		code, _, _ = do(t, srv, "PATCH", path, "user", `{"note":"x"}`)
		assert.Equal(t, 403, code)
		code, _, b = do(t, srv, "PATCH", path, "other", `{"note":"x"}`)
		assert.Equal(t, 404, code, "another tenant's breach does not exist for them")
		assert.Equal(t, "not_found", errCode(t, b))
		code, _, _ = do(t, srv, "PATCH", "/api/v1/breaches/abc", "admin", `{"note":"x"}`)
		assert.Equal(t, 404, code)
		code, hdr, b := do(t, srv, "GET", "/api/v1/breaches?format=csv", "admin", "")
		require.Equal(t, 200, code)
		assert.Contains(t, hdr.Get("Content-Type"), "text/csv")
		assert.True(t, strings.HasPrefix(string(b), strings.Join(audit.BreachesCSVHeader, ",")))
	})
	t.Run("mailboxes", func(t *testing.T) {
		code, _, b := do(t, srv, "GET", "/api/v1/audit/mailboxes", "admin", "")
		require.Equal(t, 200, code)
		assert.Contains(t, string(b), `"status":"ok"`)
	})
}
