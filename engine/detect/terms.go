package detect

import (
	"math/bits"
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
	// lists says which lists of the combined lexicon set (listSpecial,
	// listMarketing, listOptOut) hold the term; cats then holds only its
	// special categories.
	lists uint8
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
// The prefilter is two tables: which bytes can start a term, and a filter
// of the terms' first three bytes, so most word starts cost three look-ups.
type termSet struct {
	// firstLetters holds, for sets whose terms start with at most four
	// distinct ASCII letters (the DOB words: d, b), each letter repeated in
	// all eight bytes of a word, so scan can skip eight bytes at a time.
	firstLetters []uint64
	first        [256]bool
	// Terms of three or more bytes are indexed by their first three
	// (lower case, a separator run read as one space), behind a 64 Kbit
	// filter of hashed keys: with a policy's hundreds of terms, most word
	// starts that pass the pair table fail here without a map look-up.
	tri     map[uint32][]*term
	triBits [65536 / 64]uint64
	// short holds the terms of one or two bytes by first byte.
	short [256][]*term
	// asciiStarts is true when every term starts with an ASCII letter,
	// digit or underscore, so that only word starts need a look.
	asciiStarts bool
	empty       bool
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

// addList adds a term to one list of a combined set; cat is its special
// category, or "" for the marketing and opt-out lists.
func (b *termSetBuilder) addList(list uint8, cat, raw string) {
	// Compile has reported bad terms already, from the separate lists.
	e := b.entry(raw, "", &ConfigError{})
	if e == nil {
		return
	}
	e.lists |= list
	if cat == "" {
		return
	}
	for _, c := range e.cats {
		if c == cat {
			return
		}
	}
	e.cats = append(e.cats, cat)
}

func (b *termSetBuilder) addMask(cat string, mask uint8, raw, field string, errs *ConfigError) {
	e := b.entry(raw, field, errs)
	if e == nil {
		return
	}
	e.mask |= mask
	for _, c := range e.cats {
		if c == cat {
			return
		}
	}
	e.cats = append(e.cats, cat)
}

// entry normalises raw and returns its entry, new or existing, or nil
// after reporting why the term is unusable.
func (b *termSetBuilder) entry(raw, field string, errs *ConfigError) *term {
	t, msg := normaliseTerm(raw)
	if msg != "" {
		errs.add(field, msg)
		return nil
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
	return e
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
	s := &termSet{empty: len(b.order) == 0, tri: map[uint32][]*term{}, asciiStarts: true}
	// Longest first, so that "sexual health clinic" wins over "sexual
	// health"; ties in a stable order.
	sort.SliceStable(b.order, func(i, j int) bool { return len(b.order[i].text) > len(b.order[j].text) })
	for _, t := range b.order {
		c := t.text[0]
		if !isASCIIWord(c) {
			s.asciiStarts = false
		}
		if len(t.text) >= 3 {
			k := key3(t.text[0], t.text[1], t.text[2])
			s.tri[k] = append(s.tri[k], t)
			h := hash16(k)
			s.triBits[h>>6] |= 1 << (h & 63)
		} else {
			s.short[c] = append(s.short[c], t)
		}
		s.first[c] = true
		if c >= 'a' && c <= 'z' {
			s.first[c-32] = true
		}
	}
	var letters []uint64
	others := 0
	for c := 0; c < 256; c++ {
		switch {
		case c >= 'A' && c <= 'Z' || !s.first[c]:
		case c >= 'a' && c <= 'z':
			letters = append(letters, uint64(c)*lo8)
		default:
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
	s.candidates(text, from, to, func(p int) int {
		end, t := s.matchWordAt(text, p)
		if t == nil {
			return p + 1
		}
		if !fn(p, end, t) {
			return -1
		}
		return end
	})
}

// candidates calls visit at every position in [from, to) where a term may
// start, left to right. visit returns where to go on (at least p+1), or a
// negative number to stop.
func (s *termSet) candidates(text string, from, to int, visit func(p int) int) {
	if s.asciiStarts && s.firstLetters == nil {
		s.candidateStarts(text, from, to, visit)
		return
	}
	i := from
	for i < to {
		stop := to
		if s.firstLetters != nil {
			if i = s.skipBlocks(text, i, to); i >= to {
				return
			}
			stop = min(i+8, to)
		}
		for i < stop {
			// The cheap table tests stay inline in the loop; the word-start
			// test comes last because it is the dearer one, though most
			// positions inside words fail there.
			c := text[i]
			if !s.first[c] || isASCIIWord(c) && i > 0 && isASCIIWord(text[i-1]) || s.rejects(text, i) {
				i++
				continue
			}
			if i = visit(i); i < 0 {
				return
			}
		}
	}
}

// rejects is the trigram prefilter at a word start: the common case, a
// word of plain letters, is rejected on its first three; anything else is
// left to matchWordAt.
func (s *termSet) rejects(text string, i int) bool {
	if i+2 >= len(text) {
		return false
	}
	c := text[i]
	k1, k2 := keyByte[text[i+1]], keyByte[text[i+2]]
	if k1 == ' ' || k1 == 0 || k2 == 0 {
		return false
	}
	h := hash16(key3(lowerByte[c], k1, k2))
	return s.triBits[h>>6]&(1<<(h&63)) == 0 && s.short[lowerByte[c]] == nil
}

// keyByte is how textKey reads the second and third byte of a key when it
// can without looking further: lower case, a separator as a space, and 0
// ("look closer") for the lead bytes of a no-break space or a curly
// apostrophe, and for NUL.
var keyByte = func() (t [256]byte) {
	for c := 0; c < 256; c++ {
		t[c] = lower(byte(c))
	}
	for _, c := range []byte{' ', '\t', '\n', '\r', '-'} {
		t[c] = ' '
	}
	t[0xc2], t[0xe2] = 0, 0
	return t
}()

// candidateStarts is candidates for sets whose terms all start with an
// ASCII letter, digit or underscore: it finds the word starts of eight
// bytes at once and looks only at those.
func (s *termSet) candidateStarts(text string, from, to int, visit func(p int) int) {
	n := len(text)
	i := from
	for i < to {
		var m uint64
		if i+8 <= n {
			x := load8(text, i)
			// w has the high bit of each byte that is an ASCII letter,
			// digit or underscore, or not ASCII. Each range test is exact
			// per byte: the high bit is set before subtracting, so no
			// borrow crosses into the next byte. (Written out here because
			// the compiler will not inline it as a function.)
			y := x & lo7
			f := y | 0x20*lo8
			u := y ^ ('_' * lo8)
			high := x & hi8
			w := ((y|hi8)-'0'*lo8)&^((y|hi8)-('9'+1)*lo8)&hi8 |
				((f|hi8)-'a'*lo8)&^((f|hi8)-('z'+1)*lo8)&hi8 |
				^((u|hi8)-lo8)&hi8 | high
			var prevWord, prevHigh uint64
			if i > 0 {
				if p := text[i-1]; p >= 0x80 {
					prevWord, prevHigh = 0x80, 0x80
				} else if asciiWord[p] {
					prevWord = 0x80
				}
			}
			ascii := w &^ high
			// An ASCII word byte after a non-word byte starts a word; one
			// after a multi-byte character may (“hiv”), which matchWordAt
			// settles by decoding it.
			m = ascii&^(w<<8|prevWord) | ascii&(high<<8|prevHigh)
			if i+8 > to {
				m &= 1<<(uint(to-i)*8) - 1
			}
		} else {
			// The last few bytes, one at a time.
			for k := i; k < to; k++ {
				if isASCIIWord(text[k]) && !(k > 0 && isASCIIWord(text[k-1])) {
					m |= 0x80 << (uint(k-i) * 8)
				}
			}
		}
		next := i + 8
		for m != 0 {
			p := i + bits.TrailingZeros64(m)>>3
			m &= m - 1
			c := text[p]
			if !s.first[c] {
				continue
			}
			// rejects, inlined by hand.
			if p+2 < n {
				k1, k2 := keyByte[text[p+1]], keyByte[text[p+2]]
				if k1 != ' ' && k1 != 0 && k2 != 0 {
					h := hash16(key3(lowerByte[c], k1, k2))
					if s.triBits[h>>6]&(1<<(h&63)) == 0 && s.short[lowerByte[c]] == nil {
						continue
					}
				}
			}
			q := visit(p)
			if q < 0 {
				return
			}
			if q > p+1 {
				next = q
				break
			}
		}
		i = next
	}
}

var asciiWord, lowerByte = func() (w [256]bool, l [256]byte) {
	for c := 0; c < 256; c++ {
		w[c] = c < 0x80 && isASCIIWord(byte(c))
		l[c] = lower(byte(c))
	}
	return
}()

func key3(a, b, c byte) uint32 { return uint32(a)<<16 | uint32(b)<<8 | uint32(c) }

func hash16(k uint32) uint32 { return (k * 0x9e3779b1) >> 16 }

// textKey reads the index key of the text at i the way matchAt compares:
// ASCII lower case, a run of separators as one space, a curly apostrophe
// as a straight one. ok is false when fewer than three characters remain.
func textKey(text string, i int) (uint32, bool) {
	n := len(text)
	var k [3]byte
	j := i
	for p := 0; p < 3; p++ {
		if j >= n {
			return 0, false
		}
		c := text[j]
		switch {
		case p > 0 && (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '-' || c == 0xc2 && j+1 < n && text[j+1] == 0xa0):
			k[p] = ' '
			j = skipSeparators(text, j)
		case c == 0xe2 && j+2 < n && text[j+1] == 0x80 && text[j+2] == 0x99:
			k[p] = '\''
			j += 3
		default:
			k[p] = lower(c)
			j++
		}
	}
	return key3(k[0], k[1], k[2]), true
}

// matchWordAt returns the longest term matching at i, if any, and its end.
// The caller has done the table tests.
func (s *termSet) matchWordAt(text string, i int) (int, *term) {
	var end int
	var found *term
	s.eachMatch(text, i, func(e int, t *term) bool {
		end, found = e, t
		return false
	})
	return end, found
}

// eachMatch calls fn for the terms that match at i, longest first, until
// fn returns false.
func (s *termSet) eachMatch(text string, i int, fn func(end int, t *term) bool) {
	checked, inWord := false, false
	try := func(ts []*term) bool {
		for _, t := range ts {
			if t.wordStart {
				if !checked {
					checked, inWord = true, wordBefore(text, i)
				}
				if inWord {
					continue
				}
			}
			if end, ok := t.matchAt(text, i); ok && !fn(end, t) {
				return false
			}
		}
		return true
	}
	if k, ok := textKey(text, i); ok {
		if h := hash16(k); s.triBits[h>>6]&(1<<(h&63)) != 0 {
			if !try(s.tri[k]) {
				return
			}
		}
	}
	try(s.short[lower(text[i])])
}

// Lists of the combined lexicon set.
const (
	listSpecial uint8 = 1 << iota
	listMarketing
	listOptOut
)

// findLists scans a combined set once for all its lists. Each list keeps
// its own non-overlapping, longest-first matches, exactly as if it had been
// scanned alone.
func (s *termSet) findLists(text string) Terms {
	var out Terms
	if s == nil || s.empty {
		return out
	}
	var next [3]int // per list: where its next match may start
	s.candidates(text, 0, len(text), func(p int) int {
		var pending uint8
		for l := range next {
			if next[l] <= p {
				pending |= 1 << l
			}
		}
		if pending == 0 {
			return p + 1
		}
		s.eachMatch(text, p, func(end int, t *term) bool {
			got := t.lists & pending
			if got == 0 {
				return true
			}
			if got&listSpecial != 0 {
				for _, c := range t.cats {
					out.Special = append(out.Special, TermHit{Category: c, Term: t.text, Start: p, End: end})
				}
				next[0] = end
			}
			if got&listMarketing != 0 {
				out.Marketing = append(out.Marketing, TermHit{Category: "marketing", Term: t.text, Start: p, End: end})
				next[1] = end
			}
			if got&listOptOut != 0 {
				out.OptOut = append(out.OptOut, TermHit{Category: "optOut", Term: t.text, Start: p, End: end})
				next[2] = end
			}
			pending &^= got
			return pending != 0
		})
		return p + 1
	})
	return out
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
