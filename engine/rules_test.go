package engine_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/engine"
	"github.com/sendguard/sendguard/engine/checkjson"
)

func newEngine(t testing.TB, change func(*engine.Policy)) *engine.Engine {
	t.Helper()
	p := engine.DefaultPolicy()
	if change != nil {
		change(&p)
	}
	e, err := engine.New(p)
	require.NoError(t, err)
	return e
}

func findingFor(v engine.Verdict, rule string) *engine.Finding {
	for i := range v.Findings {
		if v.Findings[i].Rule == rule {
			return &v.Findings[i]
		}
	}
	return nil
}

// TestRuleFixes pins down what each rule hands the add-in: the recipients
// and fixes it acts on. The corpus pins whole verdicts; this says why.
func TestRuleFixes(t *testing.T) {
	tests := map[string]struct {
		msg        engine.Message
		ctx        engine.Context
		rule       string
		severity   string
		recipients []string
		fixes      []engine.Fix
	}{
		"bulk: only outsiders in To and Cc move to Bcc": {
			msg: func() engine.Message {
				m := mail("Clinic", "See you Saturday.", "am.other@nhs.net", "p1@gmail.com", "p2@hotmail.com")
				m.CcRecipients = rcpts("p3@yahoo.co.uk", "colleague@nhs.net")
				m.BccRecipients = rcpts("p4@gmail.com")
				return m
			}(),
			rule: engine.RuleBulkVisibleRecipients, severity: "block",
			recipients: []string{"p1@gmail.com", "p2@hotmail.com", "p3@yahoo.co.uk"},
			fixes:      []engine.Fix{{Kind: "move-to-bcc", Recipients: []string{"p1@gmail.com", "p2@hotmail.com", "p3@yahoo.co.uk"}, Label: "Move 3 recipients to Bcc"}},
		},
		"insecure from a practice: no tag fix, only remove": {
			msg:  withFrom(mail("Referral", "NHS number 943 476 5919", "x@example.com"), practice, ""),
			rule: engine.RuleInsecureRecipient, severity: "block", recipients: []string{"x@example.com"},
			fixes: []engine.Fix{{Kind: "remove-recipient", Recipients: []string{"x@example.com"}, Label: "Remove 1 recipient"}},
		},
		"insecure from NHSmail: the tag first": {
			msg:  mail("Referral", "NHS number 943 476 5919", "x@example.com"),
			rule: engine.RuleInsecureRecipient, severity: "block", recipients: []string{"x@example.com"},
			fixes: []engine.Fix{
				{Kind: "add-subject-tag", Value: "[secure]", Label: "Add [secure] to the subject"},
				{Kind: "remove-recipient", Recipients: []string{"x@example.com"}, Label: "Remove 1 recipient"},
			},
		},
		"lookalike: one replace fix per recipient": {
			msg:  mail("Rota", "Rota attached.", "an.other@nhs.net", "k.smith@nhs.met"),
			ctx:  engine.Context{KnownRecipients: []string{"am.other@nhs.net"}, Directory: []string{"k.smith@nhs.net"}},
			rule: engine.RuleLookalikeRecipient, severity: "warn", recipients: []string{"an.other@nhs.net", "k.smith@nhs.met"},
			fixes: []engine.Fix{
				{Kind: "replace-recipient", Recipients: []string{"an.other@nhs.net"}, Value: "am.other@nhs.net", Label: "Did you mean am.other@nhs.net?"},
				{Kind: "replace-recipient", Recipients: []string{"k.smith@nhs.met"}, Value: "k.smith@nhs.net", Label: "Did you mean k.smith@nhs.net?"},
			},
		},
		"personal account: a Gmail sender has nothing to remove": {
			msg:  withFrom(mail("Referral", "NHS number 943 476 5919", "referrals@nhs.net"), "someone@gmail.com", ""),
			rule: engine.RulePersonalAccount, severity: "block",
		},
		"lookalike of a distribution list's address": {
			msg:  mail("Rota", "Rota attached.", "ward7-tean@nhs.net"),
			ctx:  engine.Context{DistributionLists: map[string][]string{"ward7-team@nhs.net": {"a@nhs.net", "b@nhs.net"}}},
			rule: engine.RuleLookalikeRecipient, severity: "warn", recipients: []string{"ward7-tean@nhs.net"},
			fixes: []engine.Fix{{Kind: "replace-recipient", Recipients: []string{"ward7-tean@nhs.net"}, Value: "ward7-team@nhs.net", Label: "Did you mean ward7-team@nhs.net?"}},
		},
		"distribution list: the fix names the list on the message": {
			msg: mail("Handover", "NHS number 943 476 5919", "team@nhs.net"),
			ctx: engine.Context{DistributionLists: map[string][]string{
				"team@nhs.net":  {"inner@nhs.net", "outside@example.com"},
				"inner@nhs.net": {"team@nhs.net", "locum@example.org"},
			}},
			rule: engine.RuleInsecureRecipient, severity: "block", recipients: []string{"team@nhs.net"},
			fixes: []engine.Fix{
				{Kind: "add-subject-tag", Value: "[secure]", Label: "Add [secure] to the subject"},
				{Kind: "remove-recipient", Recipients: []string{"team@nhs.net"}, Label: "Remove 1 recipient"},
			},
		},
	}
	e := newEngine(t, nil)
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			v := e.Check(engine.Request{Message: tc.msg, Context: tc.ctx})
			f := findingFor(v, tc.rule)
			require.NotNil(t, f, "rule %s did not fire: %+v", tc.rule, v.Findings)
			assert.Equal(t, tc.severity, f.Severity, "(-want +got)")
			assert.Equal(t, tc.recipients, f.Recipients, "(-want +got)")
			assert.Equal(t, tc.fixes, f.Fixes, "(-want +got)")
		})
	}
}

// TestHistoryRulesAndLists: a list from the context is the organisation's
// own, so it is neither new nor a lookalike, even with an empty history.
func TestHistoryRulesAndLists(t *testing.T) {
	e := newEngine(t, nil)
	m := withFrom(mail("[secure] Handover", "NHS number 943 476 5919", "ward7@trust.example.org"), "a.clinician@nhs.net", "")
	v := e.Check(engine.Request{Message: m, Context: engine.Context{
		KnownRecipients:   []string{},
		DistributionLists: map[string][]string{"ward7@trust.example.org": {"nurse@nhs.net"}},
	}})
	assert.Empty(t, v.Findings)
	v = e.Check(engine.Request{Message: m, Context: engine.Context{KnownRecipients: []string{}}})
	require.Len(t, v.Findings, 1)
	assert.Equal(t, engine.RuleNewRecipient, v.Findings[0].Rule)
}

func TestAuditOnlyKeepsFindings(t *testing.T) {
	e := newEngine(t, func(p *engine.Policy) { p.AuditOnly = true })
	v := e.Check(engine.Request{Message: mail("x", "NHS number 943 476 5919", "p@gmail.com")})
	assert.Equal(t, "allow", v.Action)
	require.NotEmpty(t, v.Findings)
	assert.Equal(t, "block", v.Findings[0].Severity)
}

func TestFindingsNeverNull(t *testing.T) {
	e := newEngine(t, nil)
	out, aerr := checkjson.Check(e, []byte(`{"message":{}}`))
	require.Nil(t, aerr)
	assert.Contains(t, string(out), `"findings":[]`)
}

func TestPreparedMatchesCheck(t *testing.T) {
	e := newEngine(t, nil)
	for name, c := range loadCorpus(t) {
		if len(c.Policy) > 0 {
			continue
		}
		req, aerr := checkjson.Decode(c.Request)
		require.Nil(t, aerr)
		p := e.Prepare(req.Context)
		assert.Equal(t, e.Check(req), e.CheckPrepared(req.Message, p), name)
	}
	assert.Equal(t, e.Check(engine.Request{}), e.CheckPrepared(engine.Message{}, nil))
}

// TestConcurrentChecks shares one engine and one prepared context between
// goroutines; run with -race.
func TestConcurrentChecks(t *testing.T) {
	e := newEngine(t, nil)
	cases := loadCorpus(t)
	p := e.Prepare(engine.Context{KnownRecipients: []string{"am.other@nhs.net"}})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, c := range cases {
				req, _ := checkjson.Decode(c.Request)
				_ = e.Check(req)
				_ = e.CheckPrepared(req.Message, p)
			}
		}()
	}
	wg.Wait()
}

// TestHostileInput: nothing panics and every verdict is valid JSON.
func TestHostileInput(t *testing.T) {
	e := newEngine(t, nil)
	huge := strings.Repeat("NHS number 943 476 5919 <b>x</b> ", 200000)
	many := make([]string, 5000)
	for i := range many {
		many[i] = fmt.Sprintf("p%d@gmail.com", i)
	}
	cycle := map[string][]string{}
	for i := range 200 {
		cycle[fmt.Sprintf("l%d@nhs.net", i)] = []string{fmt.Sprintf("l%d@nhs.net", (i+1)%200), fmt.Sprintf("m%d@example.com", i)}
	}
	tests := map[string]engine.Request{
		"huge html body":           {Message: html(mail("x", huge, "p@gmail.com"))},
		"5000 recipients":          {Message: mail("x", "hello", many...)},
		"cyclic lists":             {Message: mail("x", "NHS number 943 476 5919", "l0@nhs.net"), Context: engine.Context{DistributionLists: cycle}},
		"invalid utf-8 everywhere": {Message: mail("\xff\xfe", "\xc3\x28 943 476 5919 \xa0", "\xff@\xfe.com", "<>", "@", "a@b@c")},
		"nil from, junk attachment": {Message: engine.Message{Attachments: []engine.Attachment{
			{Name: "x.zip", ContentBytes: []byte("PK\x03\x04\x01\x00\x01")},
			{Name: "y.pdf", ContentBytes: []byte("%PDF-1.4 /Encrypt")},
			{Name: "z.docx", ContentBytes: []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}},
		}}},
	}
	for name, req := range tests {
		t.Run(name, func(t *testing.T) {
			v := e.Check(req)
			assert.True(t, json.Valid(checkjson.Encode(v)))
			assert.NotNil(t, v.Findings)
		})
	}
}

// FuzzCheckJSON: checkjson.Check never panics on any bytes, and answers
// either a valid verdict or a valid error envelope.
func FuzzCheckJSON(f *testing.F) {
	for _, c := range loadCorpus(f) {
		f.Add([]byte(c.Request))
	}
	f.Add([]byte(`{"message":{"toRecipients":[{"emailAddress":{"address":"\u0000@"}}]},"context":{"knownRecipients":null}}`))
	f.Add([]byte(`{"message":{"attachments":[{"name":"a.zip","contentBytes":"UEsDBAEAAQ=="}]}}`))
	e := newEngine(f, nil)
	f.Fuzz(func(t *testing.T, body []byte) {
		out, aerr := checkjson.Check(e, body)
		if aerr != nil {
			require.True(t, json.Valid(aerr.JSON()))
			return
		}
		require.True(t, json.Valid(out), "verdict is not valid JSON")
	})
}

// FuzzParsePolicy: any document is either a valid policy New accepts, or
// field errors; never a panic.
func FuzzParsePolicy(f *testing.F) {
	full, _ := json.Marshal(engine.DefaultPolicy())
	f.Add(full)
	f.Add([]byte(`{"id":"t","rules":{"x":{}}}`))
	f.Add([]byte(`{"id":"t","lexicons":{"specialCategory":{"":[""]}}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		p, err := engine.ParsePolicy(doc)
		if err != nil {
			return
		}
		_, err = engine.New(p)
		require.NoError(t, err, "ParsePolicy accepted a policy New refuses")
	})
}
