package detect

// Dates count as dates of birth only with date-of-birth context nearby: a
// bare date in an email (an appointment, a letter date) identifies nobody.

// numericDate checks three groups joined by the same "/", "-" or "." as a
// date (d/m/yy, dd/mm/yyyy or yyyy-mm-dd), and emits it with DOB context.
// It reports whether the groups were a valid date, so the caller does not
// read them again as something else.
func (s *scanner) numericDate(a, b, c group) bool {
	text := s.text
	var day, month, year, yearDigits int
	switch {
	case a.len() <= 2 && b.len() <= 2 && (c.len() == 2 || c.len() == 4):
		day, month = atoi(text[a.start:a.end]), atoi(text[b.start:b.end])
		year, yearDigits = atoi(text[c.start:c.end]), c.len()
		if month > 12 && day <= 12 {
			// Only an American month-first date reads this way (03/25/1984);
			// with DOB context it is still a date of birth.
			day, month = month, day
		}
	case a.len() == 4 && b.len() <= 2 && c.len() <= 2 && b.sep != '.':
		year, yearDigits = atoi(text[a.start:a.end]), 4
		month, day = atoi(text[b.start:b.end]), atoi(text[c.start:c.end])
	default:
		return false
	}
	if !s.dateOK(day, month, year, yearDigits) {
		return false
	}
	s.dob(a.start, c.end, day, month, year, yearDigits)
	return true
}

// dateDayFirst tries "12 March 1984", "12th Mar 1984", "12 of March, 1984"
// from the day group g. It returns the end of the date.
func (s *scanner) dateDayFirst(g group) (int, bool) {
	text := s.text
	n := len(text)
	day := atoi(text[g.start:g.end])
	j := skipOrdinal(text, g.end)
	if wordAt(text, j) {
		return 0, false
	}
	// Clinical systems write "12-Mar-1984" and "12/Mar/1984"; prose
	// writes "12 March 1984". The separator after the month must match.
	var sep byte
	if j < n && (text[j] == '-' || text[j] == '/') {
		sep = text[j]
		j++
	} else {
		var ok bool
		if j, ok = skipSpace(text, j); !ok {
			return 0, false
		}
		if j+3 <= n && lower(text[j]) == 'o' && lower(text[j+1]) == 'f' && text[j+2] == ' ' {
			j += 3
		}
	}
	ms := j
	for j < n && isASCIILetter(text[j]) && j-ms < 10 {
		j++
	}
	if wordAt(text, j) {
		return 0, false
	}
	month := monthByName(text[ms:j])
	if month == 0 {
		return 0, false
	}
	if sep != 0 {
		if j >= n || text[j] != sep {
			return 0, false
		}
		j++
	} else {
		if j < n && text[j] == '.' {
			j++
		}
		if j < n && text[j] == ',' {
			j++
		}
		var ok bool
		if j, ok = skipSpace(text, j); !ok {
			return 0, false
		}
	}
	ys := j
	for j < n && isDigit(text[j]) && j-ys < 5 {
		j++
	}
	if (j-ys != 4 && j-ys != 2) || wordAt(text, j) {
		return 0, false
	}
	year := atoi(text[ys:j])
	if !s.dateOK(day, month, year, j-ys) {
		return 0, false
	}
	s.dob(g.start, j, day, month, year, j-ys)
	return j, true
}

// dateMonthFirst tries "March 12, 1984" or "Mar 12th 1984" where the
// month word starts at ms and the day digits at i.
func (s *scanner) dateMonthFirst(ms, month, i int) (int, bool) {
	text := s.text
	n := len(text)
	j := i
	for j < n && isDigit(text[j]) && j-i < 3 {
		j++
	}
	if j-i > 2 {
		return 0, false
	}
	day := atoi(text[i:j])
	j = skipOrdinal(text, j)
	if wordAt(text, j) {
		return 0, false
	}
	if j < n && text[j] == ',' {
		j++
	}
	j, ok := skipSpace(text, j)
	if !ok {
		return 0, false
	}
	ys := j
	for j < n && isDigit(text[j]) && j-ys < 5 {
		j++
	}
	if j-ys != 4 || wordAt(text, j) {
		return 0, false
	}
	year := atoi(text[ys:j])
	if !s.dateOK(day, month, year, 4) {
		return 0, false
	}
	s.dob(ms, j, day, month, year, 4)
	return j, true
}

// dateOK validates a date; two-digit years may be any year.
func (s *scanner) dateOK(day, month, year, yearDigits int) bool {
	if yearDigits == 4 && (year < 1850 || year > 2199) {
		return false
	}
	full := fullYear(year, yearDigits)
	return validDate(day, month, isLeap(full))
}

// fullYear expands a two-digit year with a fixed pivot (00–29 → 20xx), so
// that the result is deterministic and does not depend on today's date.
func fullYear(year, digits int) int {
	if digits == 4 {
		return year
	}
	if year < 30 {
		return 2000 + year
	}
	return 1900 + year
}

// dob emits a date of birth when DOB context is near the date.
func (s *scanner) dob(start, end, day, month, year, yearDigits int) {
	if !s.d.near(s.d.dobContext, s.text, start, end) {
		return
	}
	full := fullYear(year, yearDigits)
	var v [10]byte
	put(v[0:4], full)
	v[4] = '-'
	put(v[5:7], month)
	v[7] = '-'
	put(v[8:10], day)
	var y [4]byte
	put(y[:yearDigits], year)
	s.emit(Hit{Kind: KindDOB, Start: start, End: end, Value: string(v[:]), Masked: "**/**/" + string(y[:yearDigits]), Confidence: High})
}

// put writes v as len(b) decimal digits, zero-padded.
func put(b []byte, v int) {
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
}

func atoi(s string) int {
	v := 0
	for i := 0; i < len(s); i++ {
		v = v*10 + int(s[i]-'0')
	}
	return v
}

// skipOrdinal skips "st", "nd", "rd" or "th" after a day number.
func skipOrdinal(text string, j int) int {
	if j+2 <= len(text) {
		a, b := lower(text[j]), lower(text[j+1])
		if a == 's' && b == 't' || a == 'n' && b == 'd' || a == 'r' && b == 'd' || a == 't' && b == 'h' {
			return j + 2
		}
	}
	return j
}

// skipSpace skips one or two spaces (or a no-break space); at least one is
// required.
func skipSpace(text string, j int) (int, bool) {
	start := j
	for k := 0; k < 2 && j < len(text); k++ {
		switch {
		case text[j] == ' ':
			j++
		case text[j] == 0xc2 && j+1 < len(text) && text[j+1] == 0xa0:
			j += 2
		default:
			return j, j > start
		}
	}
	return j, j > start
}

// monthByName returns 1–12 for an English month name or its three-letter
// abbreviation ("Sept" too), in any case, and 0 otherwise.
func monthByName(w string) int {
	if len(w) < 3 || len(w) > 9 {
		return 0
	}
	var b [9]byte
	for i := 0; i < len(w); i++ {
		b[i] = lower(w[i])
	}
	switch string(b[:len(w)]) {
	case "jan", "january":
		return 1
	case "feb", "february":
		return 2
	case "mar", "march":
		return 3
	case "apr", "april":
		return 4
	case "may":
		return 5
	case "jun", "june":
		return 6
	case "jul", "july":
		return 7
	case "aug", "august":
		return 8
	case "sep", "sept", "september":
		return 9
	case "oct", "october":
		return 10
	case "nov", "november":
		return 11
	case "dec", "december":
		return 12
	}
	return 0
}
