package detect

import (
	"sort"
	"unicode"
	"unicode/utf8"
)

// term is one compiled lexicon entry.
type term struct {
	// text is lower case ASCII-wise, with every run of spaces and hyphens
	// folded to one space.
	text string
	// cats are the lists the term belongs to, in compile order.
	cats []string
	// mask is cats as bits, for the context keyword sets.
	mask uint8
	// plural allows a trailing "s" or "es": only for terms of four or more
	// bytes ending in a letter, so that "hiv" never matches "hivs" noise and
	// short abbreviations stay exact.
	plural bool
	// wordStart and wordEnd say whether the term begins or ends with a word
	// character, and so needs a word boundary there ("d.o.b." ends without
	// one, "+1" begins without one).
	wordStart, wordEnd bool
}

// termSet matches a list of terms case-insensitively on word boundaries.
// The prefilter is two tables: which bytes can start a term, and which
// lower-cased byte pairs can, so most positions cost two table look-ups.
type termSet struct {
	// firstLetters holds, for sets whose terms start with at most four
	// distinct ASCII letters (the DOB words: d, b), each letter repeated in
	// all eight bytes of a word, so scan can skip eight bytes at a time.
	firstLetters []uint64
	first        [256]bool
	pair   [65536 / 64]uint64
	byByte [256][]*term
	empty  bool
}

type termSetBuilder struct {
	terms map[string]*term
	order []*term
}

func newTermSetBuilder() *termSetBuilder {
	return &termSetBuilder{terms: map[string]*term{}}
}

// add normalises and adds a term; field names the entry in errors.
func (b *termSetBuilder) add(cat, raw, field string, errs *ConfigError) {
	b.addMask(cat, 0, raw, field, errs)
}

func (b *termSetBuilder) addMask(cat string, mask uint8, raw, field string, errs *ConfigError) {
	t, msg := normaliseTerm(raw)
	if msg != "" {
		errs.add(field, msg)
		return
	}
	e := b.terms[t]
	if e == nil {
		e = &term{text: t}
		last, _ := utf8.DecodeLastRuneInString(t)
		first, _ := utf8.DecodeRuneInString(t)
		e.wordStart = isWordRune(first)
		e.wordEnd = isWordRune(last)
		e.plural = len(t) >= 4 && last >= 'a' && last <= 'z'
		b.terms[t] = e
		b.order = append(b.order, e)
	}
	e.mask |= mask
	for _, c := range e.cats {
		if c == cat {
			return
		}
	}
	e.cats = append(e.cats, cat)
}

// normaliseTerm lower-cases ASCII letters and folds runs of whitespace and
// hyphens to one space. It returns a message when the term is unusable.
func normaliseTerm(raw string) (string, string) {
	out := make([]byte, 0, len(raw))
	space := false
	words := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch c {
		case ' ', '\t', '\n', '\r', '-':
			space = len(out) > 0
			continue
		}
		if c < 0x20 || c == 0x7f {
			return "", "control character in term"
		}
		if space {
			out = append(out, ' ')
			space = false
		}
		if isASCIIWord(c) || c >= 0x80 {
			words = true
		}
		out = append(out, lower(c))
	}
	switch {
	case len(out) == 0:
		return "", "empty term"
	case !utf8.Valid(out):
		return "", "term is not valid UTF-8"
	case !words:
		return "", "term has no letters or digits"
	case len(out) > 200:
		return "", "term longer than 200 bytes"
	}
	return string(out), ""
}

func (b *termSetBuilder) build() *termSet {
	s := &termSet{empty: len(b.order) == 0}
	// Longest first, so that "sexual health clinic" wins over "sexual
	// health"; ties in a stable order.
	sort.SliceStable(b.order, func(i, j int) bool { return len(b.order[i].text) > len(b.order[j].text) })
	for _, t := range b.order {
		c := t.text[0]
		s.byByte[c] = append(s.byByte[c], t)
		s.first[c] = true
		if c >= 'a' && c <= 'z' {
			s.first[c-32] = true
		}
		if len(t.text) == 1 {
			for x := 0; x < 256; x++ {
				s.setPair(c, byte(x))
			}
		} else if t.text[1] == ' ' {
			for _, x := range []byte{' ', '\t', '\n', '\r', '-', 0xc2} {
				s.setPair(c, x)
			}
		} else {
			s.setPair(c, t.text[1])
			if t.text[1] == '\'' {
				s.setPair(c, 0xe2)
			}
		}
	}
	var letters []uint64
	for c := 'a'; c <= 'z'; c++ {
		if len(s.byByte[c]) > 0 {
			letters = append(letters, uint64(c)*lo8)
		}
	}
	others := 0
	for c := range s.byByte {
		if len(s.byByte[c]) > 0 && (c < 'a' || c > 'z') {
			others++
		}
	}
	if others == 0 && len(letters) <= 4 {
		s.firstLetters = letters
	}
	return s
}

// skipBlocks advances i past eight-byte blocks that hold none of the
// set's first letters in either case.
func (s *termSet) skipBlocks(text string, i, to int) int {
	for i+8 <= to {
		// Setting bit 5 folds upper-case letters to lower case; other bytes
		// may fold onto a letter too, which only costs a closer look.
		x := load8(text, i) | 0x20*lo8
		for _, l := range s.firstLetters {
			if v := x ^ l; (v-lo8)&^v&hi8 != 0 {
				return i
			}
		}
		i += 8
	}
	return i
}

func (s *termSet) setPair(a, b byte) {
	k := uint16(a)<<8 | uint16(b)
	s.pair[k>>6] |= 1 << (k & 63)
	if b >= 'a' && b <= 'z' {
		s.setPairExact(a, b-32)
	}
}

func (s *termSet) setPairExact(a, b byte) {
	k := uint16(a)<<8 | uint16(b)
	s.pair[k>>6] |= 1 << (k & 63)
}

func (s *termSet) hasPair(a, b byte) bool {
	k := uint16(lower(a))<<8 | uint16(b)
	return s.pair[k>>6]&(1<<(k&63)) != 0
}

// find returns every non-overlapping match in text, one TermHit per
// category of each matched term.
func (s *termSet) find(text string) []TermHit {
	if s == nil || s.empty {
		return nil
	}
	var hits []TermHit
	s.scan(text, 0, len(text), func(start, end int, t *term) bool {
		for _, c := range t.cats {
			hits = append(hits, TermHit{Category: c, Term: t.text, Start: start, End: end})
		}
		return true
	})
	return hits
}

// scan calls fn for each match starting in [from, to), left to right,
// skipping past each match; fn returns false to stop. Boundaries are
// checked against the whole text, so a window never creates a false word
// start.
func (s *termSet) scan(text string, from, to int, fn func(start, end int, t *term) bool) {
	n := len(text)
	for i := from; i < to; i++ {
		if s.firstLetters != nil {
			if i = s.skipBlocks(text, i, to); i >= to {
				return
			}
		}
		c := text[i]
		if !s.first[c] {
			continue
		}
		if i+1 < n && !s.hasPair(c, text[i+1]) {
			continue
		}
		// Terms starting with a word character need a word start. The
		// check comes after the table look-ups because it is the dearer one,
		// and most positions inside words fail here.
		if isASCIIWord(c) && i > 0 && isASCIIWord(text[i-1]) {
			continue
		}
		checked, inWord := false, false
		for _, t := range s.byByte[lower(c)] {
			if t.wordStart {
				if !checked {
					checked, inWord = true, wordBefore(text, i)
				}
				if inWord {
					continue
				}
			}
			if end, ok := t.matchAt(text, i); ok {
				if !fn(i, end, t) {
					return
				}
				i = end - 1
				break
			}
		}
	}
}

// matchAt reports whether t matches text at i, and where the match ends.
func (t *term) matchAt(text string, i int) (int, bool) {
	n := len(text)
	j := i
	for k := 0; k < len(t.text); k++ {
		tc := t.text[k]
		if tc == ' ' {
			m := skipSeparators(text, j)
			if m == j {
				return 0, false
			}
			j = m
			continue
		}
		if tc == '\'' && j+3 <= n && text[j:j+3] == "\u2019" {
			// Word processors curl apostrophes: "Huntington’s".
			j += 3
			continue
		}
		if j >= n || lower(text[j]) != tc {
			return 0, false
		}
		j++
	}
	if !t.wordEnd {
		return j, true
	}
	if !wordAt(text, j) {
		return j, true
	}
	if t.plural {
		if j < n && lower(text[j]) == 's' && !wordAt(text, j+1) {
			return j + 1, true
		}
		if j+1 < n && lower(text[j]) == 'e' && lower(text[j+1]) == 's' && !wordAt(text, j+2) {
			return j + 2, true
		}
	}
	return 0, false
}

// skipSeparators skips spaces, line breaks, hyphens and no-break spaces
// that stand for one space in a term.
func skipSeparators(text string, j int) int {
	n := len(text)
	for j < n {
		switch text[j] {
		case ' ', '\t', '\n', '\r', '-':
			j++
			continue
		case 0xc2:
			if j+1 < n && text[j+1] == 0xa0 {
				j += 2
				continue
			}
		}
		break
	}
	return j
}

func isASCIIWord(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isWordRune(r rune) bool {
	if r < 0x80 {
		return isASCIIWord(byte(r))
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// wordBefore reports whether the character ending at i is a word character.
func wordBefore(text string, i int) bool {
	if i <= 0 {
		return false
	}
	c := text[i-1]
	if c < 0x80 {
		return isASCIIWord(c)
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return isWordRune(r)
}

// wordAt reports whether the character starting at j is a word character.
func wordAt(text string, j int) bool {
	if j >= len(text) {
		return false
	}
	c := text[j]
	if c < 0x80 {
		return isASCIIWord(c)
	}
	r, _ := utf8.DecodeRuneInString(text[j:])
	return isWordRune(r)
}
