// Package detect finds patient identifiers (NHS, CHI and H&C numbers,
// National Insurance numbers, dates of birth, postcodes) and lexicon terms
// (special-category words, marketing and opt-out phrases) in plain text.
//
// A Detector is compiled once from the policy's lexicons and is then
// immutable and safe for concurrent use. The scanners are hand-written byte
// loops without regular expressions or per-byte allocation, because the
// engine must check a 1 MB body at hundreds of MB/s and a typical message in
// a few microseconds, in WebAssembly as well as natively.
//
// The package imports only the standard library: it is part of the engine,
// which is compiled to WebAssembly. It must not depend on the rest of the
// engine either, so that the engine core can call it from its rules.
package detect

import (
	"fmt"
	"sort"
)

// Identifier kinds reported in Hit.Kind. They are the evidence kinds of the
// verdict.
const (
	KindNHS      = "nhs-number"
	KindCHI      = "chi-number"
	KindHC       = "hc-number"
	KindNINO     = "nino"
	KindDOB      = "date-of-birth"
	KindPostcode = "postcode"
)

// Confidence levels of a Hit.
const (
	// Low: something nearby says this is not a patient identifier (a phone
	// number, an order number). Not counted as patient data.
	Low = 0
	// Medium: a valid identifier with no context either way.
	Medium = 1
	// High: identifier context (NHS, patient, DOB, ...) nearby.
	High = 2
)

// Config is the raw material of a Detector: the policy's lexicons.
type Config struct {
	// IdentifierContext words near an identifier raise its confidence
	// (nhs, patient, dob, chi, hospital number, ...).
	IdentifierContext []string
	// PhoneContext words near a number lower its confidence: tel, phone,
	// fax, mobile, call, and anything else that names a number that is not
	// a patient's (order, invoice, account). The nearest context word wins.
	PhoneContext []string
	// DOBContext words make a date a date of birth. Nil means the built-in
	// list: dob, d.o.b., date of birth, birth date, born.
	DOBContext []string
	// Window is how many bytes either side of an identifier are searched
	// for context. Zero means DefaultWindow.
	Window int
	// SpecialCategory maps a category (hiv, sexual-health, mental-health,
	// safeguarding, termination, ...) to its terms.
	SpecialCategory map[string][]string
	// Marketing terms mark a message as marketing.
	Marketing []string
	// OptOut phrases are a PECR opt-out.
	OptOut []string
}

// DefaultWindow is the context window used when Config.Window is zero.
const DefaultWindow = 40

// maxWindow bounds the context window so that the per-identifier context
// search stays cheap and fits a stack buffer.
const maxWindow = 200

var defaultDOBContext = []string{"dob", "d.o.b", "d.o.b.", "date of birth", "birth date", "birthdate", "born"}

// Detector is a compiled Config. It is immutable and safe for concurrent
// use.
type Detector struct {
	window int
	// numberContext holds the identifier and phone context words in one
	// set, told apart by mask bits, so one scan of a window rates a number.
	// idContext and dobContext are the smaller sets that NINOs, postcodes
	// and dates need: dates are common, and scanning their windows for a
	// handful of DOB words is several times cheaper than for every list.
	numberContext *termSet
	idContext     *termSet
	dobContext    *termSet
	special       *termSet
	marketing     *termSet
	optOut        *termSet
	// lexicon is the three lists above in one set, for Terms.
	lexicon *termSet
}

// Mask bits of the context term set.
const (
	ctxIdentifier uint8 = 1 << iota
	ctxPhone
	ctxDOB
)

// Hit is one identifier found in a text.
type Hit struct {
	// Kind is one of the Kind constants.
	Kind string
	// Start and End are byte offsets of the identifier in the scanned text.
	Start, End int
	// Value is the canonical form (digits only for numbers, upper case
	// without spaces for NINO and postcode, YYYY-MM-DD for a date of
	// birth). It exists only to count distinct patients: never store, log
	// or echo it.
	Value string
	// Masked is safe to show and store: "*** *** 5919" for a number,
	// "** ** ** ** C" for a NINO, "**/**/1984" for a date of birth, the
	// outward code only ("SW1A ***") for a postcode.
	Masked string
	// Confidence is Low, Medium or High.
	Confidence int
	// Test marks a synthetic identifier (the NHS 999 test range): not a
	// real patient.
	Test bool
}

// TermHit is one lexicon term found in a text.
type TermHit struct {
	// Category is the special category, or "marketing" / "optOut".
	Category string
	// Term is the matched term as compiled (lower case, single spaces).
	Term string
	// Start and End are byte offsets in the scanned text.
	Start, End int
}

// Compile validates a Config and builds a Detector. Errors name the list and
// the term, e.g. `lexicons.specialCategory["hiv"][2]: empty term`; all of
// them are reported, joined by newlines, in a *ConfigError.
func Compile(cfg Config) (*Detector, error) {
	var errs ConfigError
	d := &Detector{window: cfg.Window}
	switch {
	case cfg.Window == 0:
		d.window = DefaultWindow
	case cfg.Window < 0 || cfg.Window > maxWindow:
		errs.add("thresholds.contextWindow", fmt.Sprintf("must be between 0 and %d, got %d", maxWindow, cfg.Window))
	}
	nb, ib, db := newTermSetBuilder(), newTermSetBuilder(), newTermSetBuilder()
	for i, t := range cfg.IdentifierContext {
		field := fmt.Sprintf("lexicons.identifierContext[%d]", i)
		nb.addMask("identifier", ctxIdentifier, t, field, &errs)
		ib.addMask("identifier", ctxIdentifier, t, field, &ConfigError{})
	}
	for i, t := range cfg.PhoneContext {
		nb.addMask("phone", ctxPhone, t, fmt.Sprintf("lexicons.phoneContext[%d]", i), &errs)
	}
	dob := cfg.DOBContext
	if dob == nil {
		dob = defaultDOBContext
	}
	for i, t := range dob {
		db.addMask("dob", ctxDOB, t, fmt.Sprintf("lexicons.dobContext[%d]", i), &errs)
	}
	d.numberContext, d.idContext, d.dobContext = nb.build(), ib.build(), db.build()

	cats := make([]string, 0, len(cfg.SpecialCategory))
	for c := range cfg.SpecialCategory {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	sb := newTermSetBuilder()
	for _, c := range cats {
		if c == "" {
			errs.add("lexicons.specialCategory", "empty category name")
		}
		for i, t := range cfg.SpecialCategory[c] {
			sb.add(c, t, fmt.Sprintf("lexicons.specialCategory[%q][%d]", c, i), &errs)
		}
	}
	d.special = sb.build()
	mb := newTermSetBuilder()
	for i, t := range cfg.Marketing {
		mb.add("marketing", t, fmt.Sprintf("lexicons.marketing[%d]", i), &errs)
	}
	d.marketing = mb.build()
	ob := newTermSetBuilder()
	for i, t := range cfg.OptOut {
		ob.add("optOut", t, fmt.Sprintf("lexicons.optOut[%d]", i), &errs)
	}
	d.optOut = ob.build()
	lb := newTermSetBuilder()
	for _, c := range cats {
		for _, t := range cfg.SpecialCategory[c] {
			lb.addList(listSpecial, c, t)
		}
	}
	for _, t := range cfg.Marketing {
		lb.addList(listMarketing, "", t)
	}
	for _, t := range cfg.OptOut {
		lb.addList(listOptOut, "", t)
	}
	d.lexicon = lb.build()
	if len(errs.Errors) > 0 {
		return nil, &errs
	}
	return d, nil
}

// Window reports the compiled context window in bytes.
func (d *Detector) Window() int { return d.window }

// FieldError is one invalid entry of a Config.
type FieldError struct {
	// Field is the policy path of the entry, e.g. lexicons.optOut[3].
	Field string
	// Message says what is wrong with it.
	Message string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }

// ConfigError lists every invalid entry of a Config.
type ConfigError struct {
	Errors []FieldError
}

func (e *ConfigError) add(field, msg string) {
	e.Errors = append(e.Errors, FieldError{Field: field, Message: msg})
}

func (e *ConfigError) Error() string {
	s := ""
	for i, fe := range e.Errors {
		if i > 0 {
			s += "\n"
		}
		s += fe.Error()
	}
	return s
}

// SpecialCategories finds the special-category terms in text, in order of
// Start. A term listed under several categories yields one hit per category
// (categories in name order) with the same offsets. Matching is
// case-insensitive on word boundaries; a space in a term matches any run of
// spaces, line breaks or hyphens, and terms of four or more letters also
// match with a plural "s" or "es". A straight apostrophe in a term also
// matches a curly one ("Huntington’s").
func (d *Detector) SpecialCategories(text string) []TermHit { return d.special.find(text) }

// Marketing finds the policy's marketing terms in text (Category
// "marketing"). A message is marketing when the result is not empty.
func (d *Detector) Marketing(text string) []TermHit { return d.marketing.find(text) }

// OptOut finds the policy's opt-out phrases in text (Category "optOut").
func (d *Detector) OptOut(text string) []TermHit { return d.optOut.find(text) }

// Terms is what one pass of the lexicon finds: the results of
// SpecialCategories, Marketing and OptOut.
type Terms struct {
	Special, Marketing, OptOut []TermHit
}

// Terms scans text once for the special-category, marketing and opt-out
// lists and returns exactly what the three separate calls would, for about
// the price of one: use it when more than one of them is needed.
func (d *Detector) Terms(text string) Terms { return d.lexicon.findLists(text) }
