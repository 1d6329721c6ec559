package app_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/server/auth/authtest"
	"github.com/sendguard/sendguard/server/store"
	"github.com/sendguard/sendguard/server/store/storetest"
)

const (
	plantedNHS     = "943 476 5919"
	plantedSubject = "Zebra Quokka lymphoma review for Mrs Marigold Featherstonehaugh"
	// canary is allowed to be stored (an event's justification); finding
	// it proves the search below reaches the stored rows.
	canary = "Canary justification Tangerine Heron"
)

// TestLogHygiene plants an NHS number and a distinctive subject in check
// requests and events, valid and malformed, then searches every log line
// and the whole database (the SQLite files, WAL included; every
// PostgreSQL table of the schema) for them, raw and digits-only.
func TestLogHygiene(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			s := start(t, d, nil) // --log-level debug
			admin := s.Issuer.User(t, authtest.TenantA, userA, true)
			api := s.URL + "/api/v1"
			body := "<p>Patient NHS number " + plantedNHS + ", DOB 01/02/1960, HIV clinic follow-up.</p>"

			// Checks: valid, malformed, and wrong-typed.
			r := do(t, "POST", api+"/check", admin, checkBody(plantedSubject, body))
			require.Equal(t, 200, r.Status)
			do(t, "POST", api+"/check", admin, `{"message":{"subject":"`+plantedSubject+`","body":{"content":"`+plantedNHS+`"`)
			do(t, "POST", api+"/check", admin, `{"message":{"subject":["`+plantedSubject+`"],"body":"`+plantedNHS+`"}}`)
			do(t, "POST", api+"/check", "", checkBody(plantedSubject, body)) // unauthenticated

			// Events carrying content where it does not belong: all refused.
			bad := []map[string]any{}
			for k, v := range map[string]any{
				"justification": "NHS " + plantedNHS,
				"messageRef":    plantedSubject,
				"subject":       plantedSubject,
				"body":          body,
				"client":        map[string]any{"host": plantedSubject},
				"evidence":      []any{map[string]any{"kind": "nhs-number", "field": "body", "masked": plantedNHS}},
				"rules":         []string{plantedSubject},
			} {
				e := validEvent()
				e[k] = v
				bad = append(bad, e)
			}
			e := validEvent()
			e["evidence"] = []any{map[string]any{"kind": "nhs-number", "field": "body", "masked": "*** " + plantedSubject}}
			bad = append(bad, e)
			for _, e := range bad {
				r := do(t, "POST", api+"/events", admin, e)
				require.Equal(t, 400, r.Status, "%s", r.Body)
				assert.NotContains(t, string(r.Body), "5919", "errors never echo input")
				assert.NotContains(t, string(r.Body), "Quokka", "errors never echo input")
			}
			do(t, "POST", api+"/events", admin, `{"justification":"`+plantedNHS+`","messageRef":"`+plantedSubject+`"`)
			do(t, "POST", api+"/events", admin, `{"justification":"`+plantedNHS+`"} {"messageRef":"`+plantedSubject+`"}`)
			// Content in URLs: paths and queries are never logged.
			do(t, "GET", api+"/events?user="+strings.ReplaceAll(plantedNHS, " ", "")+"&rule=x", admin, nil)
			do(t, "GET", s.URL+"/"+strings.ReplaceAll(plantedNHS, " ", "")+"/Zebra-Quokka", admin, nil)

			// The canary event is accepted and stored.
			ok := validEvent()
			ok["justification"] = canary
			require.Equal(t, 201, do(t, "POST", api+"/events", admin, ok).Status)

			require.NoError(t, s.Close())
			logs := s.Logs.String()
			require.Contains(t, logs, `"msg":"request"`, "debug request logs were captured")
			stored := dumpDatabase(t, d, s.DBURL)
			require.Contains(t, stored, canary, "the search reaches stored rows")

			for _, needle := range needles() {
				assert.NotContains(t, logs, needle, "logs contain planted content")
				assert.NotContains(t, stored, needle, "database contains planted content")
			}
			digitsOnly := regexp.MustCompile(`[^0-9]`).ReplaceAllString(logs, "")
			assert.NotContains(t, digitsOnly, "9434765919", "logs contain the NHS number's digits")
		})
	}
}

func needles() []string {
	nhs := plantedNHS
	digits := strings.ReplaceAll(nhs, " ", "")
	return []string{nhs, digits, strings.ReplaceAll(nhs, " ", "-"), plantedSubject, "Zebra Quokka", "Featherstonehaugh", "Marigold"}
}

// dumpDatabase returns everything the database holds as text.
func dumpDatabase(t *testing.T, d store.Dialect, dbURL string) string {
	t.Helper()
	if d == store.SQLite {
		var b strings.Builder
		files, err := filepath.Glob(dbURL + "*") // the file, -wal and -shm
		require.NoError(t, err)
		require.NotEmpty(t, files)
		for _, f := range files {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			b.Write(data)
		}
		return b.String()
	}
	ctx := context.Background()
	db, err := store.Open(ctx, dbURL)
	require.NoError(t, err)
	defer db.Close()
	rows, err := db.Query(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = ?", storetest.Schema(dbURL))
	require.NoError(t, err)
	var tables []string
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		tables = append(tables, name)
	}
	require.NoError(t, rows.Err())
	rows.Close()
	require.Contains(t, tables, "events")
	var b strings.Builder
	for _, table := range tables {
		rows, err := db.Query(ctx, `SELECT t::text FROM "`+table+`" t`)
		require.NoError(t, err)
		for rows.Next() {
			var line string
			require.NoError(t, rows.Scan(&line))
			b.WriteString(line + "\n")
		}
		require.NoError(t, rows.Err())
		rows.Close()
	}
	return b.String()
}
