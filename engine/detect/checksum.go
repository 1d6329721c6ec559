package detect

// ValidNHS reports whether digits is ten ASCII digits that pass the NHS
// modulus-11 check: weights 10 down to 2 over the first nine digits, check
// digit = 11 − (sum mod 11), where 11 means 0 and 10 means the number is
// invalid. It is the checksum only: ranges, the test range and numbers made
// of one repeated digit are the scanner's business (see Identifiers), so
// that every published NHS vector classifies exactly as the rule says.
func ValidNHS(digits string) bool {
	if len(digits) != 10 {
		return false
	}
	var b [10]byte
	for i := 0; i < 10; i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return false
		}
		b[i] = digits[i]
	}
	return mod11(&b)
}

// mod11 is the modulus-11 check over ten ASCII digits, on an array so that
// the scanner can check candidates without making strings of them.
func mod11(b *[10]byte) bool {
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(b[i]-'0') * (10 - i)
	}
	check := 11 - sum%11
	if check == 11 {
		check = 0
	}
	return check != 10 && check == int(b[9]-'0')
}

// ValidCHI reports whether digits is a Scottish CHI number: ten digits whose
// first six are a valid DDMMYY date of birth, passing modulus 11.
func ValidCHI(digits string) bool {
	return ValidNHS(digits) && validDDMMYY(digits[:6])
}

// ValidHC reports whether digits is a Northern Ireland Health and Care
// number: ten digits in the issued range 320 000 0001–399 999 9999,
// passing modulus 11.
func ValidHC(digits string) bool {
	return ValidNHS(digits) && inHCRange(digits)
}

func inHCRange(digits string) bool {
	p := int(digits[0]-'0')*100 + int(digits[1]-'0')*10 + int(digits[2]-'0')
	return p >= 320 && p <= 399 && digits != "3200000000"
}

// inCHIRange reports whether digits lies in 010 101 0000–311 299 9999.
func inCHIRange(digits string) bool {
	return digits[:6] >= "010101" && digits[:6] <= "311299"
}

// validDDMMYY checks a six-digit DDMMYY date. 29 February is accepted in
// years divisible by four (00 included, since 2000 was a leap year).
func validDDMMYY(s string) bool {
	day := int(s[0]-'0')*10 + int(s[1]-'0')
	month := int(s[2]-'0')*10 + int(s[3]-'0')
	year := int(s[4]-'0')*10 + int(s[5]-'0')
	return validDate(day, month, year%4 == 0)
}

var daysIn = [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

func validDate(day, month int, leap bool) bool {
	if month < 1 || month > 12 || day < 1 || day > daysIn[month] {
		return false
	}
	return month != 2 || day != 29 || leap
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// ValidNINO reports whether s is a National Insurance number in HMRC's
// format, with or without spaces and in either case: two prefix letters
// (neither D, F, I, Q, U nor V; O not second; not BG, GB, KN, NK, NT, TN or
// ZZ), six digits, and a suffix A, B, C or D.
func ValidNINO(s string) bool {
	var b [9]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' {
			continue
		}
		if n == 9 {
			return false
		}
		b[n] = upper(c)
		n++
	}
	if n != 9 {
		return false
	}
	for i := 2; i < 8; i++ {
		if b[i] < '0' || b[i] > '9' {
			return false
		}
	}
	return validNINOPrefix(b[0], b[1]) && b[8] >= 'A' && b[8] <= 'D'
}

func validNINOPrefix(a, b byte) bool {
	if a < 'A' || a > 'Z' || b < 'A' || b > 'Z' {
		return false
	}
	switch a {
	case 'D', 'F', 'I', 'Q', 'U', 'V':
		return false
	}
	switch b {
	case 'D', 'F', 'I', 'Q', 'U', 'V', 'O':
		return false
	}
	switch string([]byte{a, b}) {
	case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
		return false
	}
	return true
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 32
	}
	return c
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 32
	}
	return c
}
