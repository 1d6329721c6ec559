// Package engine is Sendguard's rule engine: a Graph-shaped message plus
// context in, a verdict out. It finds patient identifiers and
// special-category terms in every part of a message, classifies it red,
// amber or green, classifies every recipient, and applies the eight rules
// of the policy (rules.go) to produce findings with masked evidence and
// fixes the Outlook add-in can apply.
//
// It is pure and deterministic and imports only the standard library (and
// its own subpackages), because it is compiled to WebAssembly for the
// Outlook add-in and the Cloudflare Worker as well as running natively; the
// same request gives byte-identical verdicts on every target.
package engine

import (
	"encoding/json"
	"strings"

	"github.com/sendguard/sendguard/engine/address"
	"github.com/sendguard/sendguard/engine/detect"
	"github.com/sendguard/sendguard/engine/lookalike"
)

// Version identifies the engine build in every verdict.
const Version = "0.1.0"

// Engine is a compiled policy. It is immutable and safe for concurrent use:
// compile once with New, then call Check (or Prepare and CheckPrepared) as
// often as you like from any number of goroutines.
type Engine struct {
	policy   Policy
	ref      PolicyRef
	detector *detect.Detector
	// rules holds each rule's effective setting, in rule-table order.
	rules []RuleSetting
	// Domain sets, canonical (lower case, IDNA ASCII), compiled once.
	secure, encrypting, internal, personal domainSet
	// knownDomains are the policy's domains, which lookalike domain slips
	// are measured against (nhs.met → nhs.net, gmail.co → gmail.com).
	knownDomains []string
	// domainIndex measures domain slips against the policy's domains. It is
	// built once here, not per check: a per-request index then holds only
	// the context's own addresses and domains.
	domainIndex *lookalike.Index
	// noContext is the prepared empty context.
	noContext   *Prepared
	subjectTag  string // lower case
	recordNames []string
	recordExts  map[string]bool
	maxContent  int64
}

// New compiles a policy. It returns a *PolicyError listing every invalid
// field when the policy is invalid. A rule missing from policy.Rules keeps
// its built-in setting; an empty Version is derived from the content.
func New(p Policy) (*Engine, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	e := &Engine{maxContent: p.Attachments.MaxContentBytes, rules: make([]RuleSetting, numRules)}
	eff := make(map[string]RuleSetting, numRules)
	for i, r := range ruleTable {
		s, ok := p.Rules[r.ID]
		if !ok {
			s = RuleSetting{Enabled: r.Enabled, Severity: r.Severity}
		}
		e.rules[i] = s
		eff[r.ID] = s
	}
	p.Rules = eff
	if p.Version == "" {
		p.Version = p.ContentVersion()
	}
	det, err := detect.Compile(detect.Config{
		IdentifierContext: p.Lexicons.IdentifierContext,
		PhoneContext:      p.Lexicons.PhoneContext,
		Window:            p.Thresholds.ContextWindow,
		SpecialCategory:   p.Lexicons.SpecialCategory,
		Marketing:         p.Lexicons.Marketing,
		OptOut:            p.Lexicons.OptOut,
	})
	if err != nil {
		// Validate accepts only lexicons the detector compiles; keep the
		// detector's own field paths if the two ever disagree.
		pe := &PolicyError{}
		if ce, ok := err.(*detect.ConfigError); ok {
			for _, fe := range ce.Errors {
				pe.Errors = append(pe.Errors, FieldError{Field: fe.Field, Message: fe.Message})
			}
		} else {
			pe.Errors = []FieldError{{Field: "lexicons", Message: err.Error()}}
		}
		return nil, pe
	}
	e.policy = p
	e.ref = PolicyRef{ID: p.ID, Version: p.Version}
	e.detector = det
	e.secure = newDomainSet(p.SecureDomains)
	e.encrypting = newDomainSet(p.EncryptingSenderDomains)
	e.internal = newDomainSet(p.InternalDomains)
	e.personal = newDomainSet(p.PersonalDomains)
	for _, list := range [][]string{p.SecureDomains, p.EncryptingSenderDomains, p.InternalDomains, p.PersonalDomains} {
		for _, d := range list {
			if c, ok := canonicalASCII(d); ok {
				e.knownDomains = append(e.knownDomains, c)
			}
		}
	}
	e.domainIndex = lookalike.New(nil, e.knownDomains)
	e.noContext = e.prepare(Context{})
	e.subjectTag = strings.ToLower(strings.TrimSpace(p.SubjectTag))
	for _, n := range p.Attachments.RecordNamePatterns {
		e.recordNames = append(e.recordNames, strings.ToLower(strings.TrimSpace(n)))
	}
	e.recordExts = make(map[string]bool, len(p.Attachments.RecordExtensions))
	for _, x := range p.Attachments.RecordExtensions {
		e.recordExts[strings.ToLower(x)] = true
	}
	return e, nil
}

// Policy returns a copy of the effective policy the engine was compiled
// from: every rule present in Rules and Version filled in. It is a deep
// copy, so a caller that edits it cannot change what the engine reports.
func (e *Engine) Policy() Policy {
	var p Policy
	b, err := json.Marshal(e.policy)
	if err == nil && json.Unmarshal(b, &p) == nil {
		return p
	}
	return e.policy
}

// Check runs every enabled rule over the request and returns the verdict.
// It prepares the context on the fly; callers that check many messages for
// one sender should Prepare once and call CheckPrepared.
func (e *Engine) Check(req Request) Verdict {
	return e.CheckPrepared(req.Message, e.Prepare(req.Context))
}

// CheckPrepared checks a message against a context made by Prepare on this
// engine. It never panics on malformed input: every string may be invalid
// UTF-8, every list may be huge or empty.
func (e *Engine) CheckPrepared(msg Message, p *Prepared) Verdict {
	if p == nil {
		p = e.Prepare(Context{})
	}
	ev := e.evaluate(msg, p)
	v := Verdict{Action: ActionAllow, Classification: ev.classification, Findings: []Finding{}, Policy: e.ref, Engine: Version}
	// Findings are gathered first so the verdict's slice is allocated once
	// at its final size rather than grown finding by finding.
	var buf [len(ruleTable)]*Finding
	found := buf[:0]
	for i := range ruleTable {
		setting := e.rules[i]
		if !setting.Enabled {
			continue
		}
		f := ruleTable[i].eval(ev)
		if f == nil {
			continue
		}
		f.Rule = ruleTable[i].ID
		// A rule may cap its own severity (bulk-visible warns for
		// non-patients even when its setting is block).
		if f.Severity == "" || setting.Severity == ActionWarn {
			f.Severity = setting.Severity
		}
		f.Summary = ruleTable[i].Summary
		f.Detail = strings.TrimSpace(f.Detail + " " + ruleTable[i].Guidance)
		found = append(found, f)
		if severityRank(f.Severity) > severityRank(v.Action) {
			v.Action = f.Severity
		}
	}
	if len(found) > 0 {
		v.Findings = make([]Finding, len(found))
		for i, f := range found {
			v.Findings[i] = *f
		}
	}
	if e.policy.AuditOnly {
		v.Action = ActionAllow
	}
	return v
}

func severityRank(s string) int {
	switch s {
	case ActionBlock:
		return 2
	case ActionWarn:
		return 1
	}
	return 0
}

// domainSet answers "is this domain, or a parent of it, in the list" with
// one map lookup per label instead of a scan of the list.
type domainSet map[string]struct{}

func newDomainSet(list []string) domainSet {
	s := make(domainSet, len(list))
	for _, d := range list {
		if c, ok := canonicalASCII(d); ok {
			s[c] = struct{}{}
		}
	}
	return s
}

// has reports whether d (canonical) or one of its parent domains is in the set.
func (s domainSet) has(d string) bool {
	if len(s) == 0 {
		return false
	}
	for d != "" {
		if _, ok := s[d]; ok {
			return true
		}
		i := strings.IndexByte(d, '.')
		if i < 0 {
			return false
		}
		d = d[i+1:]
	}
	return false
}

// canonicalASCII turns a policy domain entry into the canonical form the
// address package produces for a recipient's domain.
func canonicalASCII(d string) (string, bool) {
	d = canonicalDomain(d)
	if d == "" {
		return "", false
	}
	return address.ToASCII(d)
}
