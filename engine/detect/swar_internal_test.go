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
