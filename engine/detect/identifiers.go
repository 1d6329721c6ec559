package detect

import (
	"unicode/utf8"
)

// Identifiers finds patient identifiers in text, in order of Start and
// without overlaps.
//
// Every identifier contains a digit, so the scanner jumps from digit to
// digit and looks around each one: letters just before it may start a NINO
// or a postcode; otherwise it reads the chain of digit groups joined by
// single separators and looks for a ten-digit number, a 3-3-4 or 6-4
// grouping, or a date.
//
// Ten-digit numbers that pass modulus 11 are labelled by the range they
// were issued from: 320–399 is a Northern Ireland H&C number, a number in
// the CHI range (010101…–311299…) whose first six digits are a valid DDMMYY
// date is a CHI number, and everything else is an NHS number (including the
// unissued ranges and CHI-range numbers without a valid date: any valid
// number may identify a patient, so none is dropped for its range). Numbers
// made of one repeated digit are ignored. Numbers starting 999 are the NHS
// test range and carry Test.
//
// A number is rejected when it is part of a longer token (letters or digits
// attached, or joined by "-", "." or "/" to more digits). Its confidence is
// Low when phone context is nearer than identifier context, or when it is
// written like a phone number ("(404) 555-1212", "+1 404 555 1212"); High
// with identifier context nearby; Medium otherwise. Dates are reported only
// with date-of-birth context nearby.
func (d *Detector) Identifiers(text string) []Hit {
	s := scanner{d: d, text: text}
	n := len(text)
	i := 0
	for {
		i = nextDigit(text, i)
		if i >= n {
			break
		}
		next := s.at(i)
		if next <= i {
			next = i + 1
		}
		i = next
	}
	return s.hits
}

// scanner is the state of one Identifiers call.
type scanner struct {
	d    *Detector
	text string
	hits []Hit
	// last is the end of the last hit: hits never overlap.
	last int
}

func (s *scanner) emit(h Hit) {
	if h.Start < s.last {
		return
	}
	if s.hits == nil {
		s.hits = make([]Hit, 0, 4)
	}
	s.hits = append(s.hits, h)
	s.last = h.End
}

// group is one run of digits in a chain.
type group struct {
	start, end int
	// sep is the separator before the group: 0 for the first, ' ' for a
	// space or no-break space, '-', '.', '/', or '(' for "(404) ".
	sep byte
}

func (g group) len() int { return g.end - g.start }

const maxGroups = 12

// at examines the digit at i and returns where scanning resumes.
func (s *scanner) at(i int) int {
	text := s.text
	if i > 0 {
		p := text[i-1]
		switch {
		case isASCIILetter(p):
			return s.afterLetters(i)
		case isDigit(p) || p == '_':
			return tokenEnd(text, i)
		case p >= 0x80 && wordBefore(text, i):
			return tokenEnd(text, i)
		case p == ' ':
			if end := s.afterSpace(i); end > i {
				return end
			}
		}
	}
	return s.chain(i)
}

// afterLetters handles a digit attached to letters: a NINO ("AB123456C")
// or a postcode ("SW1A 1AA", "M1 1AE") when one or two letters start the
// word, otherwise a token to skip ("ABC123", "ref12345").
func (s *scanner) afterLetters(i int) int {
	text := s.text
	ws := i - 1
	for ws > 0 && isASCIILetter(text[ws-1]) && i-ws < 3 {
		ws--
	}
	if l := i - ws; l <= 2 && !wordBefore(text, ws) {
		if l == 2 {
			if end, ok := s.nino(ws); ok {
				return end
			}
		}
		if end, ok := s.postcode(ws); ok {
			return end
		}
	}
	return tokenEnd(text, i)
}

// afterSpace handles a digit after a space that may continue a NINO
// written with spaces ("AB 12 34 56 C"), the inward code of GIR 0AA, or a
// date written month first ("March 12, 1984"). It returns i when none
// matched.
func (s *scanner) afterSpace(i int) int {
	text := s.text
	if i >= 3 && isASCIILetter(text[i-2]) && isASCIILetter(text[i-3]) && !wordBefore(text, i-3) {
		if end, ok := s.nino(i - 3); ok {
			return end
		}
	}
	if i >= 4 && upper(text[i-4]) == 'G' && upper(text[i-3]) == 'I' && upper(text[i-2]) == 'R' && !wordBefore(text, i-4) {
		if end, ok := s.postcode(i - 4); ok {
			return end
		}
	}
	// A month name before the digits: read the word back.
	ws := i - 1
	for ws > 0 && isASCIILetter(text[ws-1]) && i-1-ws < 9 {
		ws--
	}
	if ws < i-2 && isMonthInitial(text[ws]) && !wordBefore(text, ws) {
		if m := monthByName(text[ws : i-1]); m > 0 {
			if end, ok := s.dateMonthFirst(ws, m, i); ok {
				return end
			}
		}
	}
	return i
}

func isMonthInitial(c byte) bool {
	switch lower(c) {
	case 'j', 'f', 'm', 'a', 's', 'o', 'n', 'd':
		return true
	}
	return false
}

// tokenEnd skips the rest of a word (letters, digits, underscores).
func tokenEnd(text string, j int) int {
	n := len(text)
	for j < n {
		c := text[j]
		if c < 0x80 {
			if !isASCIIWord(c) {
				return j
			}
			j++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[j:])
		if !isWordRune(r) {
			return j
		}
		j += size
	}
	return j
}

// chain reads digit groups from i and checks them for numbers and dates.
func (s *scanner) chain(i int) int {
	text := s.text
	n := len(text)
	var gs [maxGroups]group
	ng := 0
	// A number hanging off a word by "-" or "/" is a code (INV-9434765919,
	// MRN/..., v1.2): skip the whole chain.
	joined := i >= 2 && (text[i-1] == '-' || text[i-1] == '/') && wordBefore(text, i-1) ||
		i >= 2 && text[i-1] == '.' && isDigit(text[i-2])
	plus := i > 0 && text[i-1] == '+'
	paren := i > 0 && text[i-1] == '('
	attached := false // letters attached after the last group
	j := i
	sep := byte(0)
	for {
		start := j
		for j < n && isDigit(text[j]) {
			j++
		}
		gs[ng] = group{start: start, end: j, sep: sep}
		ng++
		if j < n && (isASCIILetter(text[j]) || text[j] == '_' || text[j] >= 0x80 && wordAt(text, j)) {
			attached = true
			break
		}
		if ng == maxGroups || j >= n {
			break
		}
		c := text[j]
		switch {
		case (c == ' ' || c == '-' || c == '.' || c == '/') && j+1 < n && isDigit(text[j+1]):
			sep = c
			j++
		case c == 0xc2 && j+2 < n && text[j+1] == 0xa0 && isDigit(text[j+2]):
			sep = ' '
			j += 2
		case c == ')' && paren && ng == 1 && j+1 < n && (isDigit(text[j+1]) || text[j+1] == ' ' && j+2 < n && isDigit(text[j+2])):
			sep = '('
			j++
			if text[j] == ' ' {
				j++
			}
		default:
			// Likewise a code continuing after the digits: 9434765919-A.
			if (c == '-' || c == '/') && wordAt(text, j+1) {
				attached = true
			}
			return s.finish(gs[:ng], plus, joined, attached, j)
		}
	}
	resume := j
	if attached {
		resume = tokenEnd(text, j)
	}
	return s.finish(gs[:ng], plus, joined, attached, resume)
}

func (s *scanner) finish(gs []group, plus, joined, attached bool, resume int) int {
	if joined {
		return resume
	}
	return s.groups(gs, plus, attached, resume)
}

// strict separators join digit groups into one code: a number joined to
// more digits by them is part of something longer.
func strictSep(c byte) bool { return c == '-' || c == '.' || c == '/' }

// groups interprets a chain of digit groups. attached says letters follow
// the last group. It returns where scanning resumes.
func (s *scanner) groups(gs []group, plus, attached bool, resume int) int {
	text := s.text
	ng := len(gs)
	lastAttached := func(k int) bool { return attached && k == ng-1 }
	joinedLeft := func(k int) bool { return k > 0 && strictSep(gs[k].sep) }
	joinedRight := func(k int) bool { return k+1 < ng && strictSep(gs[k+1].sep) }
	for k := 0; k < ng; k++ {
		g := gs[k]
		// Ten digits in a row.
		if g.len() == 10 && !lastAttached(k) && !joinedLeft(k) && !joinedRight(k) {
			var buf [10]byte
			copy(buf[:], text[g.start:g.end])
			s.number(buf, g.start, g.end, plus)
			continue
		}
		if k+2 < ng && g.len() == 3 && gs[k+1].len() == 3 && gs[k+2].len() == 4 &&
			(gs[k+1].sep == ' ' || gs[k+1].sep == '-' || gs[k+1].sep == '(') &&
			(gs[k+2].sep == ' ' || gs[k+2].sep == '-') &&
			!lastAttached(k+2) && !joinedLeft(k) && !joinedRight(k+2) {
			var buf [10]byte
			copy(buf[0:3], text[g.start:g.end])
			copy(buf[3:6], text[gs[k+1].start:gs[k+1].end])
			copy(buf[6:10], text[gs[k+2].start:gs[k+2].end])
			start := g.start
			phone := plus || gs[k+1].sep == '('
			if gs[k+1].sep == '(' && start > 0 {
				start-- // include the "(" so the hit covers what was written
			}
			s.number(buf, start, gs[k+2].end, phone)
			k += 2
			continue
		}
		// CHI numbers are sometimes written date first: "120384 1234".
		if k+1 < ng && g.len() == 6 && gs[k+1].len() == 4 && gs[k+1].sep == ' ' &&
			!lastAttached(k+1) && !joinedLeft(k) && !joinedRight(k+1) {
			var buf [10]byte
			copy(buf[0:6], text[g.start:g.end])
			copy(buf[6:10], text[gs[k+1].start:gs[k+1].end])
			if mod11(&buf) && validDDMMYY(string(buf[:6])) && inCHIRange(string(buf[:])) {
				s.number(buf, g.start, gs[k+1].end, plus)
				k++
				continue
			}
		}
		// Numeric dates: dd/mm/yyyy, d.m.yy, yyyy-mm-dd.
		if k+2 < ng && gs[k+1].sep == gs[k+2].sep && strictSep(gs[k+1].sep) && !lastAttached(k+2) {
			if s.numericDate(gs[k], gs[k+1], gs[k+2]) {
				k += 2
				continue
			}
		}
		// "12 March 1984", "12th Mar 1984": the day ends the chain.
		if k == ng-1 && g.len() <= 2 {
			if end, ok := s.dateDayFirst(g); ok && end > resume {
				resume = end
			}
		}
	}
	return resume
}

// number checks a ten-digit candidate and emits a hit when it is valid.
// phone says it is written like a phone number.
func (s *scanner) number(digits [10]byte, start, end int, phone bool) {
	if !mod11(&digits) {
		return
	}
	same := true
	for _, c := range digits[1:] {
		if c != digits[0] {
			same = false
			break
		}
	}
	if same {
		return
	}
	ds := string(digits[:])
	kind := KindNHS
	switch {
	case inHCRange(ds):
		kind = KindHC
	case inCHIRange(ds) && validDDMMYY(ds[:6]):
		kind = KindCHI
	}
	conf := Low
	if !phone {
		conf = s.d.confidence(s.text, start, end)
	}
	s.emit(Hit{
		Kind: kind, Start: start, End: end, Value: ds,
		Masked:     "*** *** " + ds[6:],
		Confidence: conf,
		Test:       kind == KindNHS && ds[:3] == "999",
	})
}

// nino tries a National Insurance number at ws, the start of its two
// prefix letters. Spaced forms must be upper case: in lower case they are
// too easily ordinary words and numbers.
func (s *scanner) nino(ws int) (int, bool) {
	text := s.text
	n := len(text)
	var b [9]byte
	b[0], b[1] = text[ws], text[ws+1]
	j := ws + 2
	spaced := false
	for p := 0; p < 3; p++ {
		if j < n && text[j] == ' ' {
			j++
			spaced = true
		}
		if j+1 >= n || !isDigit(text[j]) || !isDigit(text[j+1]) {
			return 0, false
		}
		b[2+2*p], b[3+2*p] = text[j], text[j+1]
		j += 2
	}
	if j < n && text[j] == ' ' {
		j++
		spaced = true
	}
	if j >= n {
		return 0, false
	}
	b[8] = text[j]
	j++
	if wordAt(text, j) {
		return 0, false
	}
	lowerCase := b[0] >= 'a'
	for _, c := range [3]byte{b[0], b[1], b[8]} {
		if (c >= 'a') != lowerCase {
			return 0, false
		}
	}
	if spaced && lowerCase {
		return 0, false
	}
	for k := range b {
		b[k] = upper(b[k])
	}
	if !validNINOPrefix(b[0], b[1]) || b[8] < 'A' || b[8] > 'D' {
		return 0, false
	}
	conf := Medium
	if s.d.near(s.d.idContext, text, ws, j) {
		conf = High
	}
	s.emit(Hit{Kind: KindNINO, Start: ws, End: j, Value: string(b[:]), Masked: "** ** ** ** " + string(b[8]), Confidence: conf})
	return j, true
}

// postcode tries a UK postcode at ws: an outward code (A9, A99, AA9, AA99,
// A9A, AA9A, or GIR), one optional space, an inward code (9AA), on word
// boundaries, in any case.
func (s *scanner) postcode(ws int) (int, bool) {
	text := s.text
	n := len(text)
	te := ws
	for te < n && te-ws <= 7 && (isASCIILetter(text[te]) || isDigit(text[te])) {
		te++
	}
	var out, in string
	end := 0
	switch {
	case te < n && text[te] == ' ' && te+4 <= n && te-ws >= 2 && te-ws <= 4 && inward(text[te+1:te+4]) && !wordAt(text, te+4):
		out, in, end = text[ws:te], text[te+1:te+4], te+4
	case te-ws >= 5 && te-ws <= 7 && !wordAt(text, te) && inward(text[te-3:te]):
		out, in, end = text[ws:te-3], text[te-3:te], te
	default:
		return 0, false
	}
	if !outward(out) {
		return 0, false
	}
	var b [7]byte
	k := 0
	for i := 0; i < len(out); i++ {
		b[k] = upper(out[i])
		k++
	}
	outLen := k
	for i := 0; i < 3; i++ {
		b[k] = upper(in[i])
		k++
	}
	// Written without its space, a postcode is hard to tell from a booking
	// or reference code (MS70PQ): Low unless identifier context vouches.
	spaced := end-ws == len(out)+4
	conf := Medium
	switch near := s.d.near(s.d.idContext, text, ws, end); {
	case near && spaced:
		conf = High
	case !near && !spaced:
		conf = Low
	}
	s.emit(Hit{Kind: KindPostcode, Start: ws, End: end, Value: string(b[:k]), Masked: string(b[:outLen]) + " ***", Confidence: conf})
	return end, true
}

// inward checks an inward code: a digit and two letters, none of C, I, K,
// M, O, V.
func inward(s string) bool {
	if len(s) != 3 || !isDigit(s[0]) {
		return false
	}
	for _, c := range []byte{upper(s[1]), upper(s[2])} {
		if c < 'A' || c > 'Z' {
			return false
		}
		switch c {
		case 'C', 'I', 'K', 'M', 'O', 'V':
			return false
		}
	}
	return true
}

// outward checks an outward code against the six formats and the letters
// each position allows.
func outward(s string) bool {
	if len(s) == 3 && upper(s[0]) == 'G' && upper(s[1]) == 'I' && upper(s[2]) == 'R' {
		return true
	}
	var p [4]byte
	if len(s) < 2 || len(s) > 4 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := upper(s[i])
		switch {
		case isDigit(c):
			p[i] = '9'
		case c >= 'A' && c <= 'Z':
			p[i] = 'A'
		default:
			return false
		}
	}
	first := upper(s[0])
	if first == 'Q' || first == 'V' || first == 'X' {
		return false
	}
	switch string(p[:len(s)]) {
	case "A9", "A99":
		return true
	case "AA9", "AA99":
		return secondLetterOK(upper(s[1]))
	case "A9A":
		return contains("ABCDEFGHJKPSTUW", upper(s[2]))
	case "AA9A":
		return secondLetterOK(upper(s[1])) && contains("ABEHMNPRVWXY", upper(s[3]))
	}
	return false
}

func secondLetterOK(c byte) bool { return c != 'I' && c != 'J' && c != 'Z' }

func contains(set string, c byte) bool {
	for i := 0; i < len(set); i++ {
		if set[i] == c {
			return true
		}
	}
	return false
}
