package audit_test

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/engine"
	"github.com/sendguard/sendguard/server/audit"
	"github.com/sendguard/sendguard/server/engines"
	"github.com/sendguard/sendguard/server/graph"
	"github.com/sendguard/sendguard/server/graphtest"
	"github.com/sendguard/sendguard/server/history"
	"github.com/sendguard/sendguard/server/store"
	"github.com/sendguard/sendguard/server/store/storetest"
)

const tenant = "tenant-1"

var testKey = []byte("0123456789abcdef0123456789abcdef")

type rig struct {
	db      *store.DB
	store   *audit.Store
	history *history.Store
	graph   *graphtest.Server
}

func newRig(t *testing.T, db *store.DB, opts ...graphtest.Option) *rig {
	t.Helper()
	ctx := context.Background()
	st, hist, err := audit.Open(ctx, db, testKey)
	require.NoError(t, err)
	g := graphtest.New(opts...)
	require.NoError(t, g.Start("127.0.0.1:0"))
	t.Cleanup(func() { g.Close() })
	return &rig{db: db, store: st, history: hist, graph: g}
}

func (r *rig) auditor(t *testing.T, token, holder string, mut func(*graph.Config)) *audit.Auditor {
	t.Helper()
	cfg := graph.Config{BaseURL: r.graph.URL(), Token: token, PageSize: 7}
	if mut != nil {
		mut(&cfg)
	}
	gc, err := graph.New(cfg)
	require.NoError(t, err)
	return &audit.Auditor{Graph: gc, Store: r.store, History: r.history, Engines: engines.New(store.New(r.db), 0),
		Tenant: tenant, Holder: holder, LeaseTTL: time.Minute, Workers: 3}
}

func ledgerIDs(t *testing.T, st *audit.Store) []string {
	t.Helper()
	l, err := st.Ledger(context.Background(), tenant)
	require.NoError(t, err)
	var ids []string
	for _, e := range l {
		ids = append(ids, e.GraphID)
	}
	sort.Strings(ids)
	return ids
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func TestAuditEndToEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := newRig(t, db)
		now := time.Now()
		msgs := graphtest.Clinical("trust.nhs.net", 3, 20, now)
		ids := r.graph.LoadClinical(msgs)
		a := r.auditor(t, "tok", "replica-a", nil)

		rep, err := a.RunOnce(ctx)
		require.NoError(t, err)
		assert.Equal(t, len(msgs), rep.Messages)
		assert.Zero(t, rep.Failed)
		for _, m := range rep.Mailboxes {
			assert.Equal(t, audit.MailboxOK, m.Status, m.Mailbox)
		}
		assert.Equal(t, sorted(ids), ledgerIDs(t, r.store), "every message audited exactly once")

		// The outcome each synthetic kind was built for.
		byGraphID := map[string]graphtest.ScenarioKind{}
		for i, m := range msgs {
			byGraphID[ids[i]] = m.Kind
		}
		found, _, err := r.store.Findings(ctx, tenant, audit.FindingFilter{Limit: -1})
		require.NoError(t, err)
		rulesByKind := map[graphtest.ScenarioKind]map[string]bool{}
		for _, f := range found {
			k := byGraphID[f.GraphID]
			if rulesByKind[k] == nil {
				rulesByKind[k] = map[string]bool{}
			}
			rulesByKind[k][f.Rule] = true
		}
		assert.True(t, rulesByKind[graphtest.KindRedToWebmail][engine.RuleInsecureRecipient], "red to webmail is insecure")
		assert.True(t, rulesByKind[graphtest.KindBulkVisible][engine.RuleBulkVisibleRecipients], "patients visible to each other")
		assert.True(t, rulesByKind[graphtest.KindLookalike][engine.RuleLookalikeRecipient], "slip to a lookalike of a known colleague")
		assert.False(t, rulesByKind[graphtest.KindSecureTagged][engine.RuleInsecureRecipient], "[secure] encrypts")
		assert.Empty(t, rulesByKind[graphtest.KindRoutine], "routine mail has no findings")
		assert.Empty(t, rulesByKind[graphtest.KindCorrespondent])

		// Breaches: one per red-to-webmail and bulk-visible message.
		breaches, _, err := r.store.Breaches(ctx, tenant, audit.BreachFilter{Limit: -1})
		require.NoError(t, err)
		want := 0
		for _, m := range msgs {
			if m.Kind == graphtest.KindRedToWebmail || m.Kind == graphtest.KindBulkVisible {
				want++
			}
		}
		assert.Len(t, breaches, want)
		for _, b := range breaches {
			assert.Equal(t, audit.StatusOpen, b.Status)
			assert.Equal(t, 72*time.Hour, b.Deadline.Sub(b.DetectedAt))
			switch byGraphID[b.GraphID] {
			case graphtest.KindBulkVisible:
				assert.Equal(t, engine.RuleBulkVisibleRecipients, b.Rule)
				assert.Equal(t, 5, b.Affected)
			case graphtest.KindRedToWebmail:
				assert.Equal(t, engine.Red, b.Classification)
				assert.Equal(t, 1, b.Affected)
			default:
				t.Errorf("unexpected breach for a %s message", byGraphID[b.GraphID])
			}
		}

		// Nothing radioactive is stored: no subject, body or whole NHS number.
		assertNoContent(t, db, msgs)

		// A second pass finds nothing new; then one added, one deleted.
		rep, err = a.RunOnce(ctx)
		require.NoError(t, err)
		assert.Zero(t, rep.Messages)
		added := r.graph.AddMessage(msgs[0].Mailbox, graphtest.Message{Message: msgs[6].Message.Message, SentDateTime: now})
		require.True(t, r.graph.DeleteMessage(msgs[0].Mailbox, ids[1]))
		rep, err = a.RunOnce(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, rep.Messages)
		assert.Equal(t, 1, rep.Removed)
		ledger, err := r.store.Ledger(ctx, tenant)
		require.NoError(t, err)
		removed := 0
		for _, e := range ledger {
			if e.Removed {
				removed++
				assert.Equal(t, ids[1], e.GraphID)
			}
		}
		assert.Equal(t, 1, removed)
		assert.Contains(t, ledgerIDs(t, r.store), added)
	})
}

// assertNoContent scans every text column of the auditor's and history's
// tables for subjects, bodies and whole identifiers.
func assertNoContent(t *testing.T, db *store.DB, msgs []graphtest.ClinicalMessage) {
	t.Helper()
	var needles []string
	for _, m := range msgs {
		needles = append(needles, m.Message.Message.Subject, m.Message.Message.Body.Content)
	}
	for i := 0; i < 200; i++ {
		n := graphtest.NHSNumber(i)
		needles = append(needles, n, strings.ReplaceAll(n, " ", ""))
	}
	for _, table := range []string{"audit_mailboxes", "audit_messages", "audit_findings", "audit_breaches", "audit_breach_events", "recipient_history"} {
		rows, err := db.Query(context.Background(), "SELECT * FROM "+table)
		require.NoError(t, err)
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			require.NoError(t, rows.Scan(ptrs...))
			for i, v := range vals {
				var s string
				switch x := v.(type) {
				case string:
					s = x
				case []byte:
					s = string(x)
				default:
					continue
				}
				for _, n := range needles {
					if len(n) > 3 && strings.Contains(s, n) {
						t.Errorf("%s.%s holds message content %q", table, cols[i], n)
					}
				}
			}
		}
		require.NoError(t, rows.Err())
		rows.Close()
	}
}

func TestHistoryAsItWasBeforeEachMessage(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	r := newRig(t, db)
	box := "dr.b@trust.nhs.net"
	patient := "jane.doe@example.org"
	base := time.Now().Add(-48 * time.Hour).UTC().Truncate(time.Second)
	mk := func(at time.Time, imid string) graphtest.Message {
		return graphtest.Message{InternetMessageID: imid, SentDateTime: at, Message: engine.Message{
			From:         &engine.Recipient{EmailAddress: engine.EmailAddress{Address: box}},
			ToRecipients: []engine.Recipient{{EmailAddress: engine.EmailAddress{Address: patient}}},
			Subject:      "[secure] Letter",
			Body:         engine.ItemBody{ContentType: "text", Content: "Patient NHS number " + graphtest.NHSNumber(1) + " clinic letter."},
		}}
	}
	// Served out of order: the later message comes first in the page.
	later := r.graph.AddMessage(box, mk(base.Add(time.Hour), "<later@x>"))
	earlier := r.graph.AddMessage(box, mk(base, "<earlier@x>"))
	rep, err := r.auditor(t, "tok", "h", nil).RunOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, rep.Messages)
	found, _, err := r.store.Findings(ctx, tenant, audit.FindingFilter{Rule: engine.RuleNewRecipient})
	require.NoError(t, err)
	require.Len(t, found, 1, "only the first message to the patient is to a new recipient")
	assert.Equal(t, earlier, found[0].GraphID)
	assert.NotEqual(t, later, found[0].GraphID)

	book, err := r.history.Load(ctx, tenant, box)
	require.NoError(t, err)
	e, ok := book.Get(patient)
	require.True(t, ok)
	assert.EqualValues(t, 2, e.Count)
	assert.Equal(t, base.Add(time.Hour), e.Last)
}

func TestForbiddenMailboxIsReportedAndOthersGoOn(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	r := newRig(t, db)
	msgs := graphtest.Clinical("trust.nhs.net", 3, 5, time.Now())
	r.graph.LoadClinical(msgs)
	r.graph.Forbid("user02@trust.nhs.net")
	rep, err := r.auditor(t, "tok", "h", nil).RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Failed)
	assert.Equal(t, 10, rep.Messages)
	status := map[string]string{}
	for _, m := range rep.Mailboxes {
		status[m.Mailbox] = m.Status
	}
	assert.Equal(t, map[string]string{"user01@trust.nhs.net": audit.MailboxOK, "user02@trust.nhs.net": audit.MailboxForbidden,
		"user03@trust.nhs.net": audit.MailboxOK}, status)
	boxes, err := r.store.Mailboxes(context.Background(), tenant)
	require.NoError(t, err)
	for _, b := range boxes {
		if b.Mailbox == "user02@trust.nhs.net" {
			assert.Equal(t, audit.MailboxForbidden, b.Status)
			assert.Contains(t, b.LastError, "ErrorAccessDenied")
		}
	}
}

func TestThrottlingStormsSlowTheSyncWhichCompletes(t *testing.T) {
	tests := map[string]graphtest.Faults{
		"429 storm":            {StormUntil: time.Now().Add(1200 * time.Millisecond), Status: 429, RetryAfter: 1},
		"503 storm":            {StormUntil: time.Now().Add(1200 * time.Millisecond), Status: 503, RetryAfter: 1},
		"429 every 4 requests": {Every: 4, Status: 429, RetryAfter: 1},
	}
	for name, f := range tests {
		t.Run(name, func(t *testing.T) {
			db := storetest.Open(t, store.SQLite)
			r := newRig(t, db)
			msgs := graphtest.Clinical("trust.nhs.net", 2, 15, time.Now())
			ids := r.graph.LoadClinical(msgs)
			if !f.StormUntil.IsZero() {
				f.StormUntil = time.Now().Add(1200 * time.Millisecond)
			}
			r.graph.SetFaults(f)
			started := time.Now()
			rep, err := r.auditor(t, "tok", "h", nil).RunOnce(context.Background())
			require.NoError(t, err)
			assert.Zero(t, rep.Failed)
			assert.Equal(t, sorted(ids), ledgerIDs(t, r.store))
			assert.Positive(t, r.graph.Stats().Throttled)
			assert.GreaterOrEqual(t, time.Since(started), time.Second, "the sync waited out Retry-After")
			assert.Zero(t, r.graph.Stats().ConcurrencyViolations)
		})
	}
}

func TestExpiredDeltaTokenRestartsWithoutDuplicates(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	r := newRig(t, db)
	msgs := graphtest.Clinical("trust.nhs.net", 1, 12, time.Now())
	ids := r.graph.LoadClinical(msgs)
	a := r.auditor(t, "tok", "h", nil)
	_, err := a.RunOnce(ctx)
	require.NoError(t, err)
	// Corrupt the stored token: Graph answers 410 SyncStateNotFound.
	_, err = db.Exec(ctx, "UPDATE audit_mailboxes SET delta_link = delta_link || 'garbage'")
	require.NoError(t, err)
	rep, err := a.RunOnce(ctx)
	require.NoError(t, err)
	assert.Zero(t, rep.Failed)
	assert.Zero(t, rep.Messages)
	assert.Equal(t, sorted(ids), ledgerIDs(t, r.store))
}

func TestLeaseFencing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		st, _, err := audit.Open(ctx, db, testKey)
		require.NoError(t, err)
		require.NoError(t, st.EnsureMailboxes(ctx, tenant, []audit.MailboxRef{{ID: "m", Address: "m@x.nhs.net"}}))
		now := time.Now()
		ok, err := st.AcquireLease(ctx, tenant, "m@x.nhs.net", "a", now, time.Minute)
		require.NoError(t, err)
		require.True(t, ok)
		ok, err = st.AcquireLease(ctx, tenant, "m@x.nhs.net", "b", now, time.Minute)
		require.NoError(t, err)
		assert.False(t, ok, "held by a")
		// b takes over once a's lease expired; a's next commit is refused.
		ok, err = st.AcquireLease(ctx, tenant, "m@x.nhs.net", "b", now.Add(2*time.Minute), time.Minute)
		require.NoError(t, err)
		require.True(t, ok)
		_, err = st.CommitPage(ctx, audit.Page{Tenant: tenant, Mailbox: "m@x.nhs.net", Holder: "a", Now: now, LeaseUntil: now.Add(time.Minute), Link: "x",
			Messages: []audit.Audited{{GraphID: "g1", SentAt: now, Verdict: engine.Verdict{Action: "allow", Classification: "green"}}}})
		assert.ErrorIs(t, err, audit.ErrLeaseLost)
		assert.Empty(t, ledgerIDs(t, st))
		res, err := st.CommitPage(ctx, audit.Page{Tenant: tenant, Mailbox: "m@x.nhs.net", Holder: "b", Now: now, LeaseUntil: now.Add(time.Minute), Link: "x",
			Messages: []audit.Audited{{GraphID: "g1", InternetMessageID: "<1@x>", SentAt: now, Verdict: engine.Verdict{Action: "allow", Classification: "green"}}}})
		require.NoError(t, err)
		assert.Equal(t, 1, res.Messages)
		// The same message again, by Graph id or by internetMessageId: no-op.
		res, err = st.CommitPage(ctx, audit.Page{Tenant: tenant, Mailbox: "m@x.nhs.net", Holder: "b", Now: now, LeaseUntil: now.Add(time.Minute), Link: "y",
			Messages: []audit.Audited{
				{GraphID: "g1", SentAt: now, Verdict: engine.Verdict{Action: "allow", Classification: "green"}},
				{GraphID: "g1-moved", InternetMessageID: "<1@x>", SentAt: now, Verdict: engine.Verdict{Action: "allow", Classification: "green"}},
			}})
		require.NoError(t, err)
		assert.Zero(t, res.Messages)
		assert.Equal(t, []string{"g1"}, ledgerIDs(t, st))
	})
}

func TestBreachWorkflow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := newRig(t, db)
		r.graph.LoadClinical(graphtest.Clinical("trust.nhs.net", 1, 10, time.Now()))
		_, err := r.auditor(t, "tok", "h", nil).RunOnce(ctx)
		require.NoError(t, err)
		list, _, err := r.store.Breaches(ctx, tenant, audit.BreachFilter{})
		require.NoError(t, err)
		require.Len(t, list, 2)
		id := list[0].ID
		now := time.Now()
		steps := []struct {
			name   string
			change audit.BreachChange
			code   string
			status string
		}{
			{"close straight away", audit.BreachChange{Status: audit.StatusClosed}, "conflict", ""},
			{"assess without reason", audit.BreachChange{Status: audit.StatusAssessed}, "invalid", ""},
			{"unknown status", audit.BreachChange{Status: "forgotten"}, "invalid", ""},
			{"note only", audit.BreachChange{Note: "called the patient"}, "", audit.StatusOpen},
			{"report without reference", audit.BreachChange{Status: audit.StatusReported}, "invalid", ""},
			{"report", audit.BreachChange{Status: audit.StatusReported, ICOReference: "IC-12345-A1B2"}, "", audit.StatusReported},
			{"back to open", audit.BreachChange{Status: audit.StatusOpen}, "conflict", ""},
			{"close", audit.BreachChange{Status: audit.StatusClosed}, "", audit.StatusClosed},
			{"reopen", audit.BreachChange{Status: audit.StatusAssessed, Reason: "x"}, "conflict", ""},
		}
		for _, s := range steps {
			b, err := r.store.UpdateBreach(ctx, tenant, id, s.change, "dpo@trust.nhs.net", now)
			if s.code != "" {
				require.Error(t, err, s.name)
				assert.Contains(t, err.Error(), s.code, s.name)
				continue
			}
			require.NoError(t, err, s.name)
			assert.Equal(t, s.status, b.Status, s.name)
		}
		b, err := r.store.Breach(ctx, tenant, id)
		require.NoError(t, err)
		assert.Equal(t, "IC-12345-A1B2", b.ICOReference)
		assert.Contains(t, b.Notes, "called the patient")
		var trail []string
		for _, e := range b.Events {
			trail = append(trail, fmt.Sprintf("%s:%s>%s", e.Actor, e.From, e.To))
		}
		assert.Equal(t, []string{"sendguard-auditor:>open", "dpo@trust.nhs.net:open>open", "dpo@trust.nhs.net:open>reported", "dpo@trust.nhs.net:reported>closed"}, trail)
		_, err = r.store.UpdateBreach(ctx, "other-tenant", id, audit.BreachChange{Note: "x"}, "a", now)
		assert.ErrorContains(t, err, "not_found", "tenants never see each other's breaches")
	})
}

func TestAssessBreach(t *testing.T) {
	p := engine.Policy{Breach: engine.BreachPolicy{MinExposedPatients: 3, RedInsecure: true}, PersonalDomains: []string{"gmail.com", "hotmail.co.uk"}}
	five := []string{"a@gmail.com", "b@gmail.com", "c@hotmail.co.uk", "d@gmail.com", "e@gmail.com"}
	partners := []string{"a@supplier.com", "b@supplier.com", "c@council.gov.uk", "d@gmail.com"}
	tests := map[string]struct {
		v        engine.Verdict
		rule     string
		affected int
	}{
		"nothing":          {engine.Verdict{Classification: engine.Green}, "", 0},
		"bulk below":       {engine.Verdict{Classification: engine.Green, Findings: []engine.Finding{{Rule: engine.RuleBulkVisibleRecipients, Recipients: five[:2]}}}, "", 0},
		"bulk of partners": {engine.Verdict{Classification: engine.Green, Findings: []engine.Finding{{Rule: engine.RuleBulkVisibleRecipients, Recipients: partners}}}, "", 0},
		"bulk at":          {engine.Verdict{Classification: engine.Green, Findings: []engine.Finding{{Rule: engine.RuleBulkVisibleRecipients, Recipients: five[:3]}}}, engine.RuleBulkVisibleRecipients, 3},
		"red insecure":     {engine.Verdict{Classification: engine.Red, Findings: []engine.Finding{{Rule: engine.RuleInsecureRecipient, Evidence: []engine.Evidence{{Kind: "nhs-number", Masked: "*** *** 5919"}, {Kind: "nhs-number", Masked: "*** *** 1234"}}}}}, engine.RuleInsecureRecipient, 2},
		"amber insecure":   {engine.Verdict{Classification: engine.Amber, Findings: []engine.Finding{{Rule: engine.RuleInsecureRecipient}}}, "", 0},
		"red new only":     {engine.Verdict{Classification: engine.Red, Findings: []engine.Finding{{Rule: engine.RuleNewRecipient}}}, "", 0},
		"bulk beats red 1": {engine.Verdict{Classification: engine.Red, Findings: []engine.Finding{{Rule: engine.RuleInsecureRecipient}, {Rule: engine.RuleBulkVisibleRecipients, Recipients: five}}}, engine.RuleBulkVisibleRecipients, 5},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			b := audit.AssessBreach(p, tc.v)
			if tc.rule == "" {
				assert.Nil(t, b)
				return
			}
			require.NotNil(t, b)
			assert.Equal(t, tc.rule, b.Rule)
			assert.Equal(t, tc.affected, b.Affected)
		})
	}
}

var _ = sql.ErrNoRows

// The incremental history view must give every message exactly the
// verdict a fully re-prepared history gives.
func TestIncrementalHistoryMatchesExact(t *testing.T) {
	corpus, _, err := graphtest.ReadDir(corpusDir)
	require.NoError(t, err)
	results := map[bool][]string{}
	for _, exact := range []bool{true, false} {
		db := storetest.Open(t, store.SQLite)
		r := newRig(t, db)
		now := time.Now()
		r.graph.LoadClinical(graphtest.Clinical("trust.nhs.net", 3, 40, now))
		boxes := []string{"user01@trust.nhs.net", "user02@trust.nhs.net", "heavy.sender@trust.nhs.net"}
		for i, m := range corpus {
			r.graph.AddMessage(boxes[i%3], graphtest.Copy(m, now.Add(time.Duration(i)*time.Second)))
		}
		a := r.auditor(t, "tok", "h", func(c *graph.Config) { c.PageSize = 100 })
		audit.SetExactHistory(a, exact)
		_, err := a.RunOnce(context.Background())
		require.NoError(t, err)
		fs, _, err := r.store.Findings(context.Background(), tenant, audit.FindingFilter{Limit: -1})
		require.NoError(t, err)
		for _, f := range fs {
			results[exact] = append(results[exact], f.InternetMessageID+" "+f.Rule+" "+f.Severity+" "+strings.Join(f.RecipientHashes, ","))
		}
		sort.Strings(results[exact])
	}
	require.NotEmpty(t, results[true])
	assert.Equal(t, results[true], results[false])
}
