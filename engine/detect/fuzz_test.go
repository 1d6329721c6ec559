package detect_test

import (
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/sendguard/sendguard/engine/detect"
)

// FuzzIdentifiers: no input panics, and every hit lies inside the text, in
// order, without overlaps, with a masked form that shows at most four
// digits.
func FuzzIdentifiers(f *testing.F) {
	for _, s := range []string{
		"NHS 943 476 5919", "(404) 555-1212", "+1 404 555 1212", "AB 12 34 56 C", "DOB 12th March 1984",
		"born March 12, 1984", "GIR 0AA", "sw1a1aa", "CHI 120384 1205", "\xff9434765919\xc2\xa0",
		"943\u00a0476\u00a05919", "DOB 1984-03-12 29/02/84", "9434765919-", "(1", "+", "March 1",
		"HIV sexual-health flu clinic newsletter; reply STOP to opt out", "book now: sexual health book now",
	} {
		f.Add(s)
	}
	d := newDetector(f)
	f.Fuzz(func(t *testing.T, text string) {
		last := 0
		for _, h := range d.Identifiers(text) {
			if h.Start < last || h.End <= h.Start || h.End > len(text) {
				t.Fatalf("hit %+v out of order or range (last end %d, len %d)", h, last, len(text))
			}
			last = h.End
			digits := 0
			for _, c := range h.Masked {
				if c >= '0' && c <= '9' {
					digits++
				}
			}
			if digits > 4 || !utf8.ValidString(h.Masked) {
				t.Fatalf("masked %q shows too much", h.Masked)
			}
		}
		// One pass over the combined lexicon finds exactly what the three
		// separate scans find.
		terms := d.Terms(text)
		if !reflect.DeepEqual(terms.Special, d.SpecialCategories(text)) ||
			!reflect.DeepEqual(terms.Marketing, d.Marketing(text)) ||
			!reflect.DeepEqual(terms.OptOut, d.OptOut(text)) {
			t.Fatalf("Terms(%q) = %+v, separate scans differ", text, terms)
		}
		last = 0
		for _, h := range d.SpecialCategories(text) {
			if h.Start < last || h.End <= h.Start || h.End > len(text) {
				t.Fatalf("term hit %+v out of order or range", h)
			}
			last = h.Start
		}
	})
}

// FuzzCompile: hostile lexicons are rejected or compiled, never a panic.
func FuzzCompile(f *testing.F) {
	f.Add("hiv", "sexual health", "-")
	f.Add("", "\xff", "a b")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		d, err := detect.Compile(detect.Config{
			IdentifierContext: []string{a},
			SpecialCategory:   map[string][]string{b: {a, b, c}},
			OptOut:            []string{c},
		})
		if err == nil {
			d.SpecialCategories(a + " " + b + " " + c)
			d.Identifiers(a + " 9434765919 " + c)
		}
	})
}
