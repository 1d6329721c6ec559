package detect

import "testing"

// FuzzNextDigit checks the eight-byte digit search against a byte loop.
func FuzzNextDigit(f *testing.F) {
	f.Add("no digits here at all, none", 0)
	f.Add("abcdefgh9", 0)
	f.Add("/:;09\x00\xff", 1)
	f.Fuzz(func(t *testing.T, s string, i int) {
		if i < 0 || i > len(s) {
			return
		}
		want := i
		for want < len(s) && (s[want] < '0' || s[want] > '9') {
			want++
		}
		if got := nextDigit(s, i); got != want {
			t.Fatalf("nextDigit(%q, %d) = %d, want %d", s, i, got, want)
		}
	})
}

// FuzzSkipBlocks checks that the eight-byte skip never passes a byte that
// could start a term.
func FuzzSkipBlocks(f *testing.F) {
	f.Add("the patient was born on", 0)
	f.Add("xxxxxxxxDOBxxxxxxxx", 0)
	f.Add("\xc4\xc2BD", 0)
	set := newTermSetBuilder()
	for _, w := range defaultDOBContext {
		set.add("dob", w, "", &ConfigError{})
	}
	s := set.build()
	if s.firstLetters == nil {
		f.Fatal("the DOB set should use the eight-byte skip")
	}
	f.Fuzz(func(t *testing.T, text string, i int) {
		if i < 0 || i > len(text) {
			return
		}
		j := s.skipBlocks(text, i, len(text))
		for k := i; k < j; k++ {
			if s.first[text[k]] {
				t.Fatalf("skipBlocks(%q, %d) = %d passes %q at %d", text, i, j, text[k], k)
			}
		}
	})
}

// naiveFind is termSet.find without any prefilter: every position, every
// term, longest first. FuzzTermPrefilters holds the fast path to it.
func naiveFind(b *termSetBuilder, text string) []TermHit {
	var hits []TermHit
	for i := 0; i < len(text); {
		matched := false
		for _, t := range b.order { // build sorted them longest first
			if t.wordStart && wordBefore(text, i) {
				continue
			}
			if end, ok := t.matchAt(text, i); ok {
				for _, c := range t.cats {
					hits = append(hits, TermHit{Category: c, Term: t.text, Start: i, End: end})
				}
				i, matched = end, true
				break
			}
		}
		if !matched {
			i++
		}
	}
	return hits
}

func FuzzTermPrefilters(f *testing.F) {
	f.Add("HIV and sexual-health clinic, self\u00a0harm; “hiv” é hiv x.hiv_ hiv1 a hiv")
	f.Add("huntington’s disease d.o.b. +1 at a b c")
	f.Add("xxxxxxxhiv hiv")
	b := newTermSetBuilder()
	for i, w := range []string{"hiv", "sexual health", "self harm", "huntington's disease", "d.o.b.", "+1", "a", "a b", "at", "b c", "é", "clinic"} {
		b.add("c", w, "t", &ConfigError{})
		if i%2 == 0 {
			b.add("d", w, "t", &ConfigError{})
		}
	}
	s := b.build()
	words := newTermSetBuilder()
	for _, w := range []string{"hiv", "sexual health", "self harm", "clinic", "at", "x"} {
		words.add("c", w, "t", &ConfigError{})
	}
	ws := words.build()
	if !ws.asciiStarts || s.asciiStarts {
		f.Fatal("want one set on each path")
	}
	f.Fuzz(func(t *testing.T, text string) {
		if got, want := s.find(text), naiveFind(b, text); !equalHits(got, want) {
			t.Fatalf("per-byte path: find(%q) = %v, want %v", text, got, want)
		}
		if got, want := ws.find(text), naiveFind(words, text); !equalHits(got, want) {
			t.Fatalf("word-start path: find(%q) = %v, want %v", text, got, want)
		}
	})
}

func equalHits(a, b []TermHit) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
