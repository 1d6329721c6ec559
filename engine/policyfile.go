package engine

import (
	"bytes"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

//go:embed policy/default.json
var defaultPolicyJSON []byte

// DefaultPolicy returns the built-in policy (policy/default.json). Each call
// returns a fresh copy, so callers may change it freely.
func DefaultPolicy() Policy {
	var p Policy
	if err := json.Unmarshal(defaultPolicyJSON, &p); err != nil {
		// The embedded document is part of the build and a test parses it;
		// reaching this is a build defect, not bad input.
		panic("engine: embedded default policy is invalid: " + err.Error())
	}
	return p
}

// FieldError names one invalid field of a policy by its JSON path.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// PolicyError lists every invalid field, not only the first.
type PolicyError struct {
	Errors []FieldError
}

func (e *PolicyError) Error() string {
	parts := make([]string, len(e.Errors))
	for i, f := range e.Errors {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid policy: " + strings.Join(parts, "; ")
}

// ParsePolicy decodes a policy document strictly (unknown fields are
// errors) and validates it.
//
// The document is applied over the built-in default the way a JSON merge
// patch is: a key that is absent keeps the default, objects merge key by key
// (thresholds, lexicons.specialCategory, attachments, breach, and each rule
// inside rules: {"enabled": false} keeps the rule's default severity), and
// a list or a value that is present replaces the default entirely. So a
// complete document means exactly what it says, and a short one such as
// {"id": "trust-a", "auditOnly": true} is the default with two changes.
func ParsePolicy(data []byte) (Policy, error) {
	p := DefaultPolicy()
	builtin := p.Rules
	p.Rules = nil
	p.ID = "" // an id is required in every document
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Policy{}, &PolicyError{Errors: []FieldError{{Field: "$", Message: describeJSONError(err)}}}
	}
	if _, err := dec.Token(); err == nil {
		return Policy{}, &PolicyError{Errors: []FieldError{{Field: "$", Message: "data after the policy object"}}}
	}
	// Which keys each rule object actually had: encoding/json zeroes a map
	// element before decoding into it, so "enabled": false and a missing
	// "enabled" look the same afterwards.
	var present struct {
		Rules map[string]map[string]json.RawMessage `json:"rules"`
	}
	_ = json.Unmarshal(data, &present)
	merged := make(map[string]RuleSetting, len(builtin)+len(p.Rules))
	for id, s := range builtin {
		merged[id] = s
	}
	for id, s := range p.Rules {
		def, known := builtin[id]
		keys := present.Rules[id]
		if known {
			if _, ok := keys["enabled"]; !ok {
				s.Enabled = def.Enabled
			}
			if _, ok := keys["severity"]; !ok {
				s.Severity = def.Severity
			}
		}
		merged[id] = s
	}
	p.Rules = merged
	if err := p.Validate(); err != nil {
		return Policy{}, err
	}
	return p, nil
}

// describeJSONError says where a document went wrong without echoing it.
func describeJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("malformed JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return fmt.Sprintf("field %q: expected %s", typ.Field, typ.Type.String())
		}
		return "expected a JSON object"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return strings.TrimPrefix(err.Error(), "json: ")
	case strings.Contains(err.Error(), "unexpected EOF"), err.Error() == "EOF":
		return "malformed JSON: unexpected end of input"
	default:
		return "malformed JSON"
	}
}

// ContentVersion derives a version from the policy's canonical JSON (Version
// itself excluded): the same policy gives the same version on every target,
// because encoding/json writes struct fields in order and map keys sorted.
func (p Policy) ContentVersion() string {
	p.Version = ""
	b, err := json.Marshal(p)
	if err != nil {
		return "unversioned"
	}
	// FNV-1a, not SHA-256: the version only has to change when the content
	// does, and crypto/sha256 would pull the FIPS module into the
	// WebAssembly build.
	h := fnv.New64a()
	_, _ = h.Write(b)
	return "fnv-" + hex.EncodeToString(h.Sum(nil))
}

// Validation limits. They keep a hostile policy from making the engine slow.
const (
	maxListEntries = 10000
	maxTermLength  = 200
	maxThreshold   = 100000
)

// Validate checks every field and returns a *PolicyError listing every
// problem with its JSON path, or nil.
func (p Policy) Validate() error {
	v := &validator{}
	switch {
	case p.ID == "":
		v.add("id", "must not be empty")
	case len(p.ID) > 64 || !isSlug(p.ID, true):
		v.add("id", "must be at most 64 letters, digits, '.', '_' or '-'")
	}
	if len(p.Version) > 64 || !printable(p.Version) {
		v.add("version", "must be at most 64 printable characters")
	}
	if p.FailMode != "open" && p.FailMode != "closed" {
		v.add("failMode", `must be "open" or "closed"`)
	}
	switch {
	case strings.TrimSpace(p.SubjectTag) == "":
		v.add("subjectTag", "must not be empty")
	case utf8.RuneCountInString(p.SubjectTag) > 32 || !printable(p.SubjectTag):
		v.add("subjectTag", "must be at most 32 printable characters")
	}
	v.domains("encryptingSenderDomains", p.EncryptingSenderDomains)
	v.domains("secureDomains", p.SecureDomains)
	v.domains("internalDomains", p.InternalDomains)
	v.domains("personalDomains", p.PersonalDomains)

	t := p.Thresholds
	v.atLeast("thresholds.bulkVisibleRecipients", t.BulkVisibleRecipients, 2)
	v.atLeast("thresholds.bulkPatientRecipients", t.BulkPatientRecipients, 2)
	v.atLeast("thresholds.multiplePatients", t.MultiplePatients, 2)
	if t.ContextWindow < 1 || t.ContextWindow > 200 {
		v.add("thresholds.contextWindow", "must be between 1 and 200")
	}

	l := p.Lexicons
	if len(l.SpecialCategory) == 0 {
		v.add("lexicons.specialCategory", "must name at least one category")
	}
	for _, cat := range sortedKeys(l.SpecialCategory) {
		path := fmt.Sprintf("lexicons.specialCategory[%q]", cat)
		if !isSlug(cat, false) {
			v.add(path, "category names are lowercase letters, digits and '-'")
		}
		v.terms(path, l.SpecialCategory[cat])
	}
	v.terms("lexicons.identifierContext", l.IdentifierContext)
	v.terms("lexicons.phoneContext", l.PhoneContext)
	v.terms("lexicons.marketing", l.Marketing)
	v.terms("lexicons.optOut", l.OptOut)

	for _, id := range sortedKeys(p.Rules) {
		path := fmt.Sprintf("rules[%q]", id)
		if ruleIndex(id) < 0 {
			v.add(path, "unknown rule (known: "+strings.Join(RuleIDs(), ", ")+")")
			continue
		}
		if s := p.Rules[id].Severity; s != ActionWarn && s != ActionBlock {
			v.add(path+".severity", `must be "warn" or "block"`)
		}
	}

	a := p.Attachments
	if a.MaxContentBytes < 0 || a.MaxContentBytes > 64<<20 {
		v.add("attachments.maxContentBytes", "must be between 0 and 67108864 (64 MiB)")
	}
	v.terms("attachments.recordNamePatterns", a.RecordNamePatterns)
	seen := map[string]bool{}
	for i, ext := range a.RecordExtensions {
		path := fmt.Sprintf("attachments.recordExtensions[%d]", i)
		low := strings.ToLower(ext)
		switch {
		case len(ext) < 2 || ext[0] != '.' || strings.ContainsAny(ext[1:], "./\\ ") || !printable(ext):
			v.add(path, `must be an extension such as ".pdf"`)
		case seen[low]:
			v.add(path, "duplicate extension")
		}
		seen[low] = true
	}

	v.atLeast("breach.minExposedPatients", p.Breach.MinExposedPatients, 2)

	if len(p.Justifications) > 3 {
		v.add("justifications", "at most 3")
	}
	seen = map[string]bool{}
	for i, j := range p.Justifications {
		path := fmt.Sprintf("justifications[%d]", i)
		key := strings.ToLower(strings.TrimSpace(j))
		switch {
		case key == "":
			v.add(path, "must not be empty")
		case utf8.RuneCountInString(j) > maxTermLength || !printable(j):
			v.add(path, fmt.Sprintf("must be at most %d printable characters", maxTermLength))
		case seen[key]:
			v.add(path, "duplicate justification")
		}
		seen[key] = true
	}
	if len(v.errs) > 0 {
		return &PolicyError{Errors: v.errs}
	}
	return nil
}

type validator struct{ errs []FieldError }

func (v *validator) add(field, msg string) { v.errs = append(v.errs, FieldError{field, msg}) }

func (v *validator) atLeast(field string, n, min int) {
	switch {
	case n < min:
		v.add(field, fmt.Sprintf("must be at least %d", min))
	case n > maxThreshold:
		v.add(field, fmt.Sprintf("must be at most %d", maxThreshold))
	}
}

func (v *validator) domains(field string, list []string) {
	if len(list) > maxListEntries {
		v.add(field, fmt.Sprintf("at most %d entries", maxListEntries))
		return
	}
	seen := make(map[string]bool, len(list))
	for i, d := range list {
		path := fmt.Sprintf("%s[%d]", field, i)
		key := canonicalDomain(d)
		switch {
		case strings.TrimSpace(d) == "":
			v.add(path, "must not be empty")
		case !validDomain(key):
			v.add(path, "not a domain name (want labels of letters, digits and '-' separated by dots, e.g. nhs.net)")
		case seen[key]:
			v.add(path, "duplicate domain")
		}
		seen[key] = true
	}
}

func (v *validator) terms(field string, list []string) {
	if len(list) > maxListEntries {
		v.add(field, fmt.Sprintf("at most %d entries", maxListEntries))
		return
	}
	seen := make(map[string]bool, len(list))
	for i, t := range list {
		path := fmt.Sprintf("%s[%d]", field, i)
		key, hasWord := termKey(t)
		switch {
		case key == "":
			v.add(path, "must not be empty")
		case !printable(t):
			v.add(path, "must be printable text (no control characters, valid UTF-8)")
		case !hasWord:
			v.add(path, "must contain a letter or digit")
		case len(key) > maxTermLength:
			v.add(path, fmt.Sprintf("must be at most %d bytes", maxTermLength))
		case seen[key]:
			v.add(path, "duplicate term (terms match case-insensitively, and a hyphen matches a space)")
		}
		seen[key] = true
	}
}

// termKey is a term as the detectors match it: ASCII lower case, with runs
// of spaces and hyphens as one space. Two terms with one key are duplicates.
func termKey(t string) (key string, hasWord bool) {
	b := make([]byte, 0, len(t))
	space := false
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch c {
		case ' ', '\t', '\n', '\r', '-':
			space = len(b) > 0
			continue
		}
		if space {
			b = append(b, ' ')
			space = false
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 0x80 {
			hasWord = true
		}
		b = append(b, c)
	}
	return string(b), hasWord
}

// canonicalDomain lowercases and drops the optional leading dot (".nhs.net"
// and "nhs.net" both mean the domain and its subdomains) and a trailing dot.
func canonicalDomain(d string) string {
	d = strings.ToLower(strings.TrimSpace(d))
	d = strings.TrimPrefix(d, ".")
	return strings.TrimSuffix(d, ".")
}

// validDomain accepts a host name with at least two labels. Labels may be
// Unicode letters (an IDN as typed) or ASCII letters, digits and '-'.
func validDomain(d string) bool {
	if d == "" || len(d) > 253 || !utf8.ValidString(d) {
		return false
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !(r == '-' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127 && unicode.IsLetter(r)) {
				return false
			}
		}
	}
	return true
}

func isSlug(s string, mixed bool) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-'
		if mixed {
			ok = ok || r >= 'A' && r <= 'Z' || r == '.' || r == '_'
		}
		if !ok {
			return false
		}
	}
	return true
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
