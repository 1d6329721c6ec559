package engine_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sendguard/sendguard/engine"
)

func TestDefaultPolicy(t *testing.T) {
	p := engine.DefaultPolicy()
	require.NoError(t, p.Validate())
	assert.Equal(t, "default", p.ID)
	assert.Equal(t, "open", p.FailMode)
	assert.Equal(t, "[secure]", p.SubjectTag)
	assert.Len(t, p.Justifications, 3)
	// The embedded document and the rule table agree on every rule.
	for _, id := range engine.RuleIDs() {
		want, ok := engine.DefaultRuleSetting(id)
		require.True(t, ok)
		assert.Equal(t, want, p.Rules[id], "rules[%q] in policy/default.json (-want +got)", id)
	}
	assert.Len(t, p.Rules, len(engine.RuleIDs()))
	// Each call is a fresh copy.
	p.Rules[engine.RuleInsecureRecipient] = engine.RuleSetting{}
	p.PersonalDomains[0] = "changed.example"
	q := engine.DefaultPolicy()
	assert.True(t, q.Rules[engine.RuleInsecureRecipient].Enabled)
	assert.Equal(t, "gmail.com", q.PersonalDomains[0])
}

// fieldErrors returns the field errors of a *PolicyError, or fails.
func fieldErrors(t *testing.T, err error) []engine.FieldError {
	t.Helper()
	var pe *engine.PolicyError
	require.True(t, errors.As(err, &pe), "want *engine.PolicyError, got %v", err)
	return pe.Errors
}

func TestValidate(t *testing.T) {
	tests := map[string]struct {
		change func(p *engine.Policy)
		want   []engine.FieldError
	}{
		"empty id": {func(p *engine.Policy) { p.ID = "" }, []engine.FieldError{{"id", "must not be empty"}}},
		"id with spaces": {func(p *engine.Policy) { p.ID = "my policy" },
			[]engine.FieldError{{"id", "must be at most 64 letters, digits, '.', '_' or '-'"}}},
		"fail mode":         {func(p *engine.Policy) { p.FailMode = "maybe" }, []engine.FieldError{{"failMode", `must be "open" or "closed"`}}},
		"empty subject tag": {func(p *engine.Policy) { p.SubjectTag = " " }, []engine.FieldError{{"subjectTag", "must not be empty"}}},
		"rule severity": {func(p *engine.Policy) {
			p.Rules[engine.RuleLookalikeRecipient] = engine.RuleSetting{Enabled: true, Severity: "panic"}
		}, []engine.FieldError{{`rules["lookalike-recipient"].severity`, `must be "warn" or "block"`}}},
		"unknown rule": {func(p *engine.Policy) { p.Rules["typo-rule"] = engine.RuleSetting{Enabled: true, Severity: "warn"} },
			[]engine.FieldError{{`rules["typo-rule"]`, "unknown rule (known: " + strings.Join(engine.RuleIDs(), ", ") + ")"}}},
		"bulk threshold": {func(p *engine.Policy) { p.Thresholds.BulkVisibleRecipients = 1 },
			[]engine.FieldError{{"thresholds.bulkVisibleRecipients", "must be at least 2"}}},
		"context window": {func(p *engine.Policy) { p.Thresholds.ContextWindow = 0 },
			[]engine.FieldError{{"thresholds.contextWindow", "must be between 1 and 200"}}},
		"too many justifications": {func(p *engine.Policy) { p.Justifications = append(p.Justifications, "Fourth") },
			[]engine.FieldError{{"justifications", "at most 3"}}},
		"empty justification": {func(p *engine.Policy) { p.Justifications[1] = "" },
			[]engine.FieldError{{"justifications[1]", "must not be empty"}}},
		"empty domain": {func(p *engine.Policy) { p.SecureDomains = append(p.SecureDomains, "") },
			[]engine.FieldError{{"secureDomains[1]", "must not be empty"}}},
		"bad domain": {func(p *engine.Policy) { p.PersonalDomains[2] = "not a domain" },
			[]engine.FieldError{{"personalDomains[2]", "not a domain name (want labels of letters, digits and '-' separated by dots, e.g. nhs.net)"}}},
		"single-label domain": {func(p *engine.Policy) { p.InternalDomains = []string{"localhost"} },
			[]engine.FieldError{{"internalDomains[0]", "not a domain name (want labels of letters, digits and '-' separated by dots, e.g. nhs.net)"}}},
		"duplicate domain, any case or dot": {func(p *engine.Policy) { p.SecureDomains = []string{"nhs.net", ".NHS.net"} },
			[]engine.FieldError{{"secureDomains[1]", "duplicate domain"}}},
		"duplicate term, any case": {func(p *engine.Policy) {
			p.Lexicons.SpecialCategory["hiv"] = []string{"hiv", "HIV"}
		}, []engine.FieldError{{`lexicons.specialCategory["hiv"][1]`, "duplicate term (terms match case-insensitively, and a hyphen matches a space)"}}},
		"duplicate term, hyphen for space": {func(p *engine.Policy) {
			p.Lexicons.SpecialCategory["mental-health"] = []string{"self-harm", "self  harm"}
		}, []engine.FieldError{{`lexicons.specialCategory["mental-health"][1]`, "duplicate term (terms match case-insensitively, and a hyphen matches a space)"}}},
		"term without letters": {func(p *engine.Policy) { p.Lexicons.Marketing = []string{"!!!"} },
			[]engine.FieldError{{"lexicons.marketing[0]", "must contain a letter or digit"}}},
		"term too long": {func(p *engine.Policy) { p.Lexicons.Marketing = []string{strings.Repeat("é", 101)} },
			[]engine.FieldError{{"lexicons.marketing[0]", "must be at most 200 bytes"}}},
		"term with a control character": {func(p *engine.Policy) { p.Lexicons.OptOut = []string{"stop\x00"} },
			[]engine.FieldError{{"lexicons.optOut[0]", "must be printable text (no control characters, valid UTF-8)"}}},
		"empty term": {func(p *engine.Policy) { p.Lexicons.OptOut = []string{"unsubscribe", " "} },
			[]engine.FieldError{{"lexicons.optOut[1]", "must not be empty"}}},
		"bad category name": {func(p *engine.Policy) { p.Lexicons.SpecialCategory["Mental Health"] = []string{"x"} },
			[]engine.FieldError{{`lexicons.specialCategory["Mental Health"]`, "category names are lowercase letters, digits and '-'"}}},
		"extension without dot": {func(p *engine.Policy) { p.Attachments.RecordExtensions = []string{"pdf"} },
			[]engine.FieldError{{"attachments.recordExtensions[0]", `must be an extension such as ".pdf"`}}},
		"negative content cap": {func(p *engine.Policy) { p.Attachments.MaxContentBytes = -1 },
			[]engine.FieldError{{"attachments.maxContentBytes", "must be between 0 and 67108864 (64 MiB)"}}},
		"breach threshold": {func(p *engine.Policy) { p.Breach.MinExposedPatients = 0 },
			[]engine.FieldError{{"breach.minExposedPatients", "must be at least 2"}}},
		"every error at once": {func(p *engine.Policy) {
			p.ID = ""
			p.FailMode = ""
			p.Thresholds.MultiplePatients = 1
		}, []engine.FieldError{
			{"id", "must not be empty"},
			{"failMode", `must be "open" or "closed"`},
			{"thresholds.multiplePatients", "must be at least 2"},
		}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := engine.DefaultPolicy()
			tc.change(&p)
			err := p.Validate()
			require.Error(t, err)
			assert.Equal(t, tc.want, fieldErrors(t, err), "(-want +got)")
			_, err = engine.New(p)
			assert.Equal(t, tc.want, fieldErrors(t, err), "New must refuse what Validate refuses (-want +got)")
		})
	}
}

func TestParsePolicy(t *testing.T) {
	full, err := json.Marshal(engine.DefaultPolicy())
	require.NoError(t, err)
	tests := map[string]struct {
		doc    string
		check  func(t *testing.T, p engine.Policy)
		errors []engine.FieldError
	}{
		"complete document round-trips": {doc: string(full), check: func(t *testing.T, p engine.Policy) {
			assert.Equal(t, engine.DefaultPolicy(), p)
		}},
		"short document is the default with changes": {doc: `{"id":"trust-a","auditOnly":true}`, check: func(t *testing.T, p engine.Policy) {
			want := engine.DefaultPolicy()
			want.ID, want.AuditOnly = "trust-a", true
			assert.Equal(t, want, p)
		}},
		"a rule keeps its severity when only enabled is given": {doc: `{"id":"t","rules":{"new-recipient":{"enabled":false}}}`,
			check: func(t *testing.T, p engine.Policy) {
				assert.Equal(t, engine.RuleSetting{Enabled: false, Severity: "warn"}, p.Rules["new-recipient"])
				assert.Equal(t, engine.RuleSetting{Enabled: true, Severity: "block"}, p.Rules["insecure-recipient"])
			}},
		"a rule keeps its switch when only severity is given": {doc: `{"id":"t","rules":{"lookalike-recipient":{"severity":"block"}}}`,
			check: func(t *testing.T, p engine.Policy) {
				assert.Equal(t, engine.RuleSetting{Enabled: true, Severity: "block"}, p.Rules["lookalike-recipient"])
			}},
		"lists replace": {doc: `{"id":"t","secureDomains":["nhs.net","trust.example.org"]}`, check: func(t *testing.T, p engine.Policy) {
			assert.Equal(t, []string{"nhs.net", "trust.example.org"}, p.SecureDomains)
		}},
		"objects merge": {doc: `{"id":"t","thresholds":{"multiplePatients":3}}`, check: func(t *testing.T, p engine.Policy) {
			assert.Equal(t, 3, p.Thresholds.MultiplePatients)
			assert.Equal(t, engine.DefaultPolicy().Thresholds.BulkVisibleRecipients, p.Thresholds.BulkVisibleRecipients)
		}},
		"id is required": {doc: `{}`, errors: []engine.FieldError{{"id", "must not be empty"}}},
		"unknown field":  {doc: `{"id":"t","colour":"red"}`, errors: []engine.FieldError{{"$", `unknown field "colour"`}}},
		"wrong type":     {doc: `{"id":"t","thresholds":{"multiplePatients":"two"}}`, errors: []engine.FieldError{{"$", `field "thresholds.multiplePatients": expected int`}}},
		"malformed":      {doc: `{"id":`, errors: []engine.FieldError{{"$", "malformed JSON: unexpected end of input"}}},
		"trailing data":  {doc: `{"id":"t"} {}`, errors: []engine.FieldError{{"$", "data after the policy object"}}},
		"not an object":  {doc: `[1]`, errors: []engine.FieldError{{"$", "expected a JSON object"}}},
		"unknown rule and bad severity together": {doc: `{"id":"t","rules":{"nope":{"enabled":true,"severity":"warn"},"new-recipient":{"severity":"loud"}}}`,
			errors: []engine.FieldError{
				{`rules["new-recipient"].severity`, `must be "warn" or "block"`},
				{`rules["nope"]`, "unknown rule (known: " + strings.Join(engine.RuleIDs(), ", ") + ")"},
			}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p, err := engine.ParsePolicy([]byte(tc.doc))
			if tc.errors != nil {
				assert.Equal(t, tc.errors, fieldErrors(t, err), "(-want +got)")
				return
			}
			require.NoError(t, err)
			tc.check(t, p)
		})
	}
}

func TestPolicyVersion(t *testing.T) {
	p := engine.DefaultPolicy()
	v1 := p.ContentVersion()
	assert.Equal(t, v1, engine.DefaultPolicy().ContentVersion(), "same content, same version")
	assert.True(t, strings.HasPrefix(v1, "fnv-"))
	p.AuditOnly = true
	assert.NotEqual(t, v1, p.ContentVersion())

	e, err := engine.New(engine.DefaultPolicy())
	require.NoError(t, err)
	assert.Equal(t, v1, e.Policy().Version, "New derives the version when it is empty")

	p = engine.DefaultPolicy()
	p.Version = "42"
	e, err = engine.New(p)
	require.NoError(t, err)
	assert.Equal(t, "42", e.Check(engine.Request{}).Policy.Version, "a stored version is kept")
}
